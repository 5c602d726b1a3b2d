// The guest kernel's workloads, booted for real by `domus run`, with 1 and 2 vCPUs.
#include <gtest/gtest.h>

#include <unistd.h>

#include <cstdlib>
#include <regex>
#include <string>

#include "process.hpp"

namespace domus::test {
namespace {

class Workload : public ::testing::TestWithParam<int> {
  protected:
    std::string vcpus() const { return std::to_string(GetParam()); }
};

TEST_P(Workload, HelloPrintsBannerAndPowersOff) {
    DOMUS_REQUIRE_KVM();
    auto r = run_domus({"run", "--vcpus", vcpus(), "--memory", "64"});
    ASSERT_FALSE(r.timed_out);
    EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
    EXPECT_NE(r.out.find("Domus guest kernel"), std::string::npos) << r.out;
    EXPECT_TRUE(std::regex_search(r.out, std::regex("vcpus?:? *" + vcpus(), std::regex::icase)))
        << r.out;
    EXPECT_NE(r.out.find("64 MiB"), std::string::npos) << r.out;
    // The banner names the backend `domus info` detects on this host.
    const bool pvm = run_domus({"info", "--json"}).out.find("\"pvm\":true") != std::string::npos;
    EXPECT_NE(r.out.find(pvm ? "host:    PVM" : "host:    hardware KVM"), std::string::npos)
        << r.out;
}

TEST_P(Workload, SelftestPassesEveryCheck) {
    DOMUS_REQUIRE_KVM();
    auto r = run_domus({"run", "--vcpus", vcpus(), "--cmdline", "selftest"});
    ASSERT_FALSE(r.timed_out);
    EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
    std::smatch m;
    ASSERT_TRUE(std::regex_search(r.out, m, std::regex(R"(selftest: (\d+) passed, (\d+) failed)")))
        << r.out;
    EXPECT_GE(std::stoi(m[1]), 10) << r.out;
    EXPECT_EQ(m[2], "0") << r.out;
    EXPECT_EQ(r.out.find("FAILED"), std::string::npos) << r.out;
    for (const char* check : {"#UD", "#PF", "timer ticks", "smp lock xadd", "hc DOMAIN_INFO"}) {
        EXPECT_NE(r.out.find(check), std::string::npos) << "missing check " << check << "\n"
                                                        << r.out;
    }
}

TEST_P(Workload, BenchReportsMachineReadableFigures) {
    DOMUS_REQUIRE_KVM();
    auto r =
        run_domus({"run", "--vcpus", vcpus(), "--cmdline", "bench cpu_iters=2000000 hc_iters=200"});
    ASSERT_FALSE(r.timed_out);
    EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
    std::smatch m;
    ASSERT_TRUE(std::regex_search(r.out, m, std::regex(R"(bench: hypercall_ns=(\d+) iters=200)")))
        << r.out;
    EXPECT_GT(std::stoll(m[1]), 0);
    ASSERT_TRUE(std::regex_search(
        r.out, m, std::regex(R"(bench: cpu_ns=(\d+) iters=2000000 result=0x[0-9a-f]+)")))
        << r.out;
}

INSTANTIATE_TEST_SUITE_P(Vcpus, Workload, ::testing::Values(1, 2),
                         [](const auto& info) { return std::to_string(info.param) + "vcpu"; });

TEST(Workload, ConsoleFileReceivesTheOutput) {
    DOMUS_REQUIRE_KVM();
    char path[] = "/tmp/domus-console-XXXXXX";
    int fd = ::mkstemp(path);
    ASSERT_GE(fd, 0);
    ::close(fd);
    auto r = run_domus({"run", "--console", path});
    EXPECT_EQ(r.exit_code, 0) << r.err;
    EXPECT_EQ(r.out, "");
    auto cat = run_process({"/bin/cat", path});
    EXPECT_NE(cat.out.find("Domus guest kernel"), std::string::npos) << cat.out;
    ::unlink(path);
}

TEST(Workload, GuestCrashExitsTwoWithTheException) {
    DOMUS_REQUIRE_KVM();
    auto r = run_domus({"run", "--cmdline", "crash"});
    ASSERT_FALSE(r.timed_out);
    EXPECT_EQ(r.exit_code, 2) << r.out << r.err;
    EXPECT_NE(r.out.find("#UD"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("rip=0x"), std::string::npos) << r.out;
    EXPECT_NE(r.err.find("guest crashed (code 6)"), std::string::npos) << r.err;
}

TEST(Workload, TripleFaultExitsThree) {
    DOMUS_REQUIRE_KVM();
    auto r = run_domus({"run", "--cmdline", "triplefault", "--vcpus", "2"});
    ASSERT_FALSE(r.timed_out);
    EXPECT_EQ(r.exit_code, 3) << r.out << r.err;
    EXPECT_NE(r.err.find("triple-faulted"), std::string::npos) << r.err;
}

}  // namespace
}  // namespace domus::test
