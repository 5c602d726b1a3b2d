#include "telemetry/process_figures.hpp"

#include <gtest/gtest.h>

#include <string>

namespace domus::telemetry {
namespace {

TEST(ProcessFigures, ParsesStatEvenWithAHostileCommandName) {
    // A command name with spaces and ')' (a process may name itself anything).
    const std::string text =
        "4242 (a) b) c) S 1 4242 4242 0 -1 4194560 100 0 0 0 250 50 0 0 20 0 7 0 12345 "
        "104857600 2048 18446744073709551615 1 1 0 0 0 0 0 0 0 0 0 0 17 1 0 0 0 0 0\n";
    auto s = parse_proc_stat(text);
    ASSERT_TRUE(s);
    EXPECT_EQ(s->utime_ticks, 250u);
    EXPECT_EQ(s->stime_ticks, 50u);
    EXPECT_EQ(s->num_threads, 7u);
    EXPECT_EQ(s->starttime_ticks, 12345u);
    EXPECT_EQ(s->vsize_bytes, 104857600u);
    EXPECT_EQ(s->rss_pages, 2048u);
}

TEST(ProcessFigures, MalformedStatIsRefused) {
    for (const char* bad : {"", "4242 nocomm S 1", "4242 (x) S 1 2 3", ")(",
                            "1 (x) S 1 1 1 0 -1 0 0 0 0 0 abc 50 0 0 20 0 7 0 1 2 3",
                            "1 (x S 1 1 1 0 -1 0 0 0 0 0 1 50 0 0 20 0 7 0 1 2 3 4 5"}) {
        EXPECT_FALSE(parse_proc_stat(bad)) << bad;
    }
}

TEST(ProcessFigures, ThisProcessHasPlausibleFigures) {
    const auto p = read_process_figures();
    EXPECT_GT(p.resident_bytes, 1024 * 1024);
    EXPECT_GE(p.open_fds, 3);  // stdin, stdout, stderr
    EXPECT_GE(p.max_fds, p.open_fds);
    EXPECT_GE(p.threads, 1);
    EXPECT_GT(p.start_time_seconds, 1.7e9);
}

}  // namespace
}  // namespace domus::telemetry
