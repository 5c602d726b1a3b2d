// SIGINT/SIGTERM tear a running domain down cleanly and promptly.
#include <gtest/gtest.h>
#include <signal.h>

#include "process.hpp"

namespace domus::test {
namespace {

// A bench run with a huge CPU kernel keeps every vCPU busy in native guest code for minutes.
const std::vector<std::string> kLongRun = {"run", "--vcpus", "2", "--cmdline",
                                           "bench hc_iters=10 cpu_iters=1000000000000"};

TEST(Signals, SigtermTearsDownWithExit143) {
    DOMUS_REQUIRE_KVM();
    auto r = run_domus(kLongRun, signal_after(0.5, SIGTERM));
    ASSERT_FALSE(r.timed_out) << "domus ignored SIGTERM";
    EXPECT_EQ(r.exit_code, 143) << r.out << r.err;
    EXPECT_NE(r.err.find("SIGTERM"), std::string::npos) << r.err;
    EXPECT_LT(r.seconds, 5.0);
}

TEST(Signals, SigintTearsDownWithExit130) {
    DOMUS_REQUIRE_KVM();
    auto r = run_domus(kLongRun, signal_after(0.5, SIGINT));
    ASSERT_FALSE(r.timed_out) << "domus ignored SIGINT";
    EXPECT_EQ(r.exit_code, 130) << r.out << r.err;
    EXPECT_NE(r.err.find("SIGINT"), std::string::npos) << r.err;
}

}  // namespace
}  // namespace domus::test
