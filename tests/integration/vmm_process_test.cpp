// Real domus-vmm processes, started and ended as domusd does it: the handshake, status,
// shutdown/reboot/destroy/SIGTERM/guest crash and their exit files, start-up failures, kill -9
// and reuse of a domain id. The guest runs the `service` workload.
#include "vmm_harness.hpp"

namespace domus::test {
namespace {

using namespace vmm_harness;

TEST(VmmProcess, HandshakeStatusAndShutdown) {
    DOMUS_REQUIRE_KVM();
    Vmm vmm({"--cmdline", "service", "--vcpus", "2"});
    EXPECT_EQ(vmm.handshake(), "{\"ok\":true,\"pid\":" + std::to_string(vmm.pid()) + "}\n")
        << vmm.log();
    struct stat st {};
    ASSERT_EQ(::stat(vmm.path(".ctl").c_str(), &st), 0);
    EXPECT_TRUE(S_ISSOCK(st.st_mode));
    EXPECT_EQ(st.st_mode & 0777, 0600u);
    ASSERT_TRUE(vmm.wait_console("service: heartbeat 1")) << vmm.console() << vmm.log();
    EXPECT_NE(vmm.console().find("service: started"), std::string::npos);

    auto s = vmm.op("status");
    EXPECT_EQ(s["ok"], true) << s;
    EXPECT_EQ(str(s, "state"), "running");
    EXPECT_EQ(s["pid"].to_number<int64_t>(), vmm.pid());
    EXPECT_EQ(s["vcpus"].to_number<int64_t>(), 2);
    EXPECT_EQ(s["memory_mib"].to_number<int64_t>(), 32);
    EXPECT_GT(s["exits"].to_number<int64_t>(), 0);
    EXPECT_GT(s["hypercalls"].to_number<int64_t>(), 0);
    EXPECT_GT(s["vcpu_time_ns"].to_number<int64_t>(), 0);
    EXPECT_GT(s["uptime_ns"].to_number<int64_t>(), 900'000'000);
    EXPECT_GT(s["resident_kib"].to_number<int64_t>(), 0);

    EXPECT_EQ(vmm.op("shutdown")["ok"], true);
    EXPECT_EQ(vmm.wait(), 0) << vmm.log();
    EXPECT_NE(vmm.console().find("service: shutdown requested, powering off"), std::string::npos);
    auto e = vmm.exit_file();
    EXPECT_EQ(str(e, "reason"), "poweroff") << e;
    EXPECT_EQ(e["code"], 0);
    EXPECT_FALSE(exists(vmm.path(".ctl"))) << "the control socket outlived the monitor";
    EXPECT_FALSE(exists(vmm.path(".exit.tmp")));
}

TEST(VmmProcess, RebootRequestEndsWithReasonReboot) {
    DOMUS_REQUIRE_KVM();
    Vmm vmm(kService);
    ASSERT_TRUE(vmm.wait_console("service: started")) << vmm.log();
    EXPECT_EQ(vmm.op("reboot")["ok"], true);
    EXPECT_EQ(vmm.wait(), 4) << vmm.log();
    EXPECT_NE(vmm.console().find("service: reboot requested"), std::string::npos);
    EXPECT_EQ(str(vmm.exit_file(), "reason"), "reboot");
}

TEST(VmmProcess, DestroyWhilePausedAnswersThenExits) {
    DOMUS_REQUIRE_KVM();
    Vmm vmm({"--cmdline", "service", "--vcpus", "2"});
    ASSERT_TRUE(vmm.wait_console("service: started")) << vmm.log();
    EXPECT_EQ(vmm.op("pause")["ok"], true);  // a paused domain can be destroyed at once
    EXPECT_EQ(vmm.request("{\"op\":\"destroy\"}"), "{\"ok\":true}");
    EXPECT_EQ(vmm.wait(5s), 143) << vmm.log();
    auto e = vmm.exit_file();
    EXPECT_EQ(str(e, "reason"), "destroyed") << e;
    EXPECT_NE(str(e, "detail").find("destroy request"), std::string::npos) << e;
}

TEST(VmmProcess, SigtermDestroys) {
    DOMUS_REQUIRE_KVM();
    Vmm vmm(kService);
    ASSERT_TRUE(vmm.wait_console("service: started")) << vmm.log();
    ::kill(vmm.pid(), SIGTERM);
    EXPECT_EQ(vmm.wait(5s), 143);
    auto e = vmm.exit_file();
    EXPECT_EQ(str(e, "reason"), "destroyed");
    EXPECT_EQ(str(e, "detail"), "destroyed by SIGTERM");
}

TEST(VmmProcess, GuestCrashIsReported) {
    DOMUS_REQUIRE_KVM();
    Vmm vmm({"--cmdline", "crash"});
    EXPECT_EQ(vmm.wait(), 2) << vmm.log();
    auto e = vmm.exit_file();
    EXPECT_EQ(str(e, "reason"), "crash") << e;
    EXPECT_EQ(e["code"], 6);
}

TEST(VmmProcess, BadKernelFailsTheHandshake) {
    DOMUS_REQUIRE_KVM();
    Vmm vmm({"--kernel", "/nonexistent/kernel.elf"});
    EXPECT_EQ(vmm.wait(5s), 1);
    auto h = parse(vmm.handshake());
    EXPECT_EQ(h["ok"], false) << vmm.handshake();
    EXPECT_NE(str(h, "error").find("/nonexistent/kernel.elf"), std::string::npos) << h;
    EXPECT_EQ(vmm.handshake().find('\n'), vmm.handshake().size() - 1) << "exactly one line";
    EXPECT_FALSE(exists(vmm.path(".ctl")));
    EXPECT_FALSE(exists(vmm.path(".exit")));

    char garbage[] = "/tmp/domus-vmm-garbage-XXXXXX";
    const int fd = ::mkstemp(garbage);
    ASSERT_GE(fd, 0);
    (void)!::write(fd, "not an elf at all", 17);
    ::close(fd);
    Vmm bad({"--kernel", garbage});
    EXPECT_EQ(bad.wait(5s), 1);
    EXPECT_EQ(parse(bad.handshake())["ok"], false) << bad.handshake();
    ::unlink(garbage);
}

TEST(VmmProcess, BadArgumentsFailTheHandshake) {
    DOMUS_REQUIRE_KVM();
    auto r = run_process({DOMUS_VMM_BIN, "--name", "x", "--id", "3"});
    EXPECT_EQ(r.exit_code, 1);
    auto h = parse(r.out);
    EXPECT_EQ(h["ok"], false) << r.out;
    EXPECT_NE(str(h, "error").find("run-dir"), std::string::npos) << r.out;
    Vmm too_big({"--vcpus", "1000"});
    EXPECT_EQ(too_big.wait(5s), 1);
    EXPECT_NE(str(parse(too_big.handshake()), "error").find("vcpus 1000"), std::string::npos)
        << too_big.handshake();
}

TEST(VmmProcess, KillNineLeavesNoExitFileAndTheIdCanBeReused) {
    DOMUS_REQUIRE_KVM();
    Vmm first(kService, 11);
    ASSERT_TRUE(first.wait_console("service: started")) << first.log();
    ::kill(first.pid(), SIGKILL);
    EXPECT_EQ(first.wait(5s), 128 + SIGKILL);
    EXPECT_FALSE(exists(first.path(".exit")));
    // A new monitor for the same domain replaces the stale socket.
    Vmm second(kService, 11, first.dir());
    EXPECT_EQ(parse(second.handshake())["ok"], true) << second.handshake() << second.log();
    EXPECT_EQ(second.op("status")["ok"], true);
    // ... and a third one is refused while the second is alive.
    Vmm third(kService, 11, first.dir());
    EXPECT_EQ(third.wait(5s), 1);
    EXPECT_NE(str(parse(third.handshake()), "error").find("another monitor"), std::string::npos)
        << third.handshake();
    EXPECT_EQ(second.op("destroy")["ok"], true);
    EXPECT_EQ(second.wait(5s), 143);
}

}  // namespace
}  // namespace domus::test
