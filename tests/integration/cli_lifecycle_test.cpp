// The xl-style CLI against a real daemon: create from an xl.cfg file, list, console, lifecycle.
#include <gtest/gtest.h>

#include <fstream>
#include <thread>

#include "daemon_fixture.hpp"

namespace domus::test {
namespace {

TEST(CliLifecycle, XlConfigToConsoleToDelete) {
    DOMUS_REQUIRE_DAEMON();
    Daemon d;
    ASSERT_TRUE(d.start()) << d.log();
    const std::string cfg = d.dir() + "/svc.cfg";
    std::ofstream(cfg) << "# a Xen user's file\nname = \"svc\"\nmemory = 32\nvcpus = 2\n"
                          "cmdline = 'service'\non_crash = 'preserve'\n";
    auto created = d.cli({"create", cfg});
    ASSERT_EQ(created.exit_code, 0) << created.out << created.err << d.log();

    auto list = d.cli({"list"});
    EXPECT_EQ(list.exit_code, 0) << list.err;
    EXPECT_NE(list.out.find("Name"), std::string::npos) << list.out;
    EXPECT_NE(list.out.find("Domain-0"), std::string::npos) << list.out;
    EXPECT_NE(list.out.find("svc"), std::string::npos) << list.out;
    EXPECT_NE(list.out.find("running"), std::string::npos) << list.out;

    auto json_list = d.cli({"list", "--json"});
    EXPECT_NE(json_list.out.find("\"domains\""), std::string::npos) << json_list.out;

    // Console: a line typed in reaches the guest, whose service echoes it.
    RunOptions opts;
    opts.timeout_s = 20;
    opts.input = "hello domus\n";
    // Typed once the console is live (the service's once-a-second heartbeat came through it),
    // and stdin stays open until the echo came back (at most 10 s).
    opts.input_after_output = "service: heartbeat";
    opts.close_input_after_output = "service: input: hello domus";
    opts.close_input_after_s = 10.0;
    auto console = d.cli({"console", "svc"}, opts);
    EXPECT_NE(console.out.find("service: input: hello domus"), std::string::npos)
        << console.out << console.err;

    EXPECT_EQ(d.cli({"pause", "svc"}).exit_code, 0);
    EXPECT_NE(d.cli({"list", "svc"}).out.find("paused"), std::string::npos);
    EXPECT_EQ(d.cli({"unpause", "svc"}).exit_code, 0);
    auto shut = d.cli({"shutdown", "svc", "--wait"}, timeout_after(40));
    EXPECT_EQ(shut.exit_code, 0) << shut.err;
    EXPECT_NE(d.cli({"list", "svc"}).out.find("stopped"), std::string::npos);
    EXPECT_EQ(d.cli({"start", "svc"}).exit_code, 0);
    EXPECT_EQ(d.cli({"destroy", "svc"}).exit_code, 0);
    EXPECT_EQ(d.cli({"delete", "svc"}).exit_code, 0);
    auto gone = d.cli({"list", "svc"});
    EXPECT_NE(gone.exit_code, 0);
    EXPECT_NE(gone.err.find("svc"), std::string::npos) << gone.err;
}

TEST(CliLifecycle, XlConfigWithUnsupportedKeyIsRejectedByName) {
    DOMUS_REQUIRE_DAEMON_BINARIES();
    Daemon d;
    ASSERT_TRUE(d.start()) << d.log();
    const std::string cfg = d.dir() + "/bad.cfg";
    std::ofstream(cfg) << "name = \"bad\"\nmemory = 64\ndisk = [ 'phy:/dev/vg/guest,xvda,w' ]\n";
    auto r = d.cli({"create", cfg});
    EXPECT_EQ(r.exit_code, 1);
    EXPECT_NE(r.err.find("disk"), std::string::npos) << r.err;
    EXPECT_NE(r.err.find("line 3"), std::string::npos) << r.err;
    EXPECT_EQ(d.request("GET", "/v1/domains/bad").status, 404);
}

}  // namespace
}  // namespace domus::test
