// The domus-vmm control channel on real processes: pause/unpause (of an event-driven and of a
// CPU-bound guest), console input and output, and malformed control traffic.
#include "vmm_harness.hpp"

namespace domus::test {
namespace {

using namespace vmm_harness;

TEST(VmmControl, PauseStopsTheGuestAndUnpauseResumesIt) {
    DOMUS_REQUIRE_KVM();
    Vmm vmm({"--cmdline", "service", "--vcpus", "2"});
    ASSERT_TRUE(vmm.wait_console("service: heartbeat 1")) << vmm.console() << vmm.log();
    EXPECT_EQ(vmm.op("pause")["ok"], true);
    EXPECT_EQ(str(vmm.op("status"), "state"), "paused");
    const size_t before = vmm.console().size();
    std::this_thread::sleep_for(1500ms);
    EXPECT_EQ(vmm.console().size(), before) << "the guest kept running while paused:\n"
                                            << vmm.console();
    auto again = vmm.op("pause");
    EXPECT_EQ(again["ok"], false);
    EXPECT_NE(str(again, "error").find("paused"), std::string::npos) << again;

    EXPECT_EQ(vmm.op("unpause")["ok"], true);
    EXPECT_EQ(str(vmm.op("status"), "state"), "running");
    const auto end = Clock::now() + 3s;
    while (vmm.console().size() == before && Clock::now() < end) std::this_thread::sleep_for(50ms);
    EXPECT_GT(vmm.console().size(), before) << "no heartbeat after unpause";
    auto not_paused = vmm.op("unpause");
    EXPECT_EQ(not_paused["ok"], false);
    EXPECT_NE(str(not_paused, "error").find("running"), std::string::npos) << not_paused;

    // Shutdown while paused is delivered once the guest runs again.
    EXPECT_EQ(vmm.op("pause")["ok"], true);
    EXPECT_EQ(vmm.op("shutdown")["ok"], true);
    EXPECT_EQ(str(vmm.op("status"), "state"), "paused");
    EXPECT_EQ(vmm.op("unpause")["ok"], true);
    EXPECT_EQ(vmm.wait(), 0) << vmm.log();
}

TEST(VmmControl, PauseStopsACpuBoundGuest) {
    DOMUS_REQUIRE_KVM();
    // The BSP spins in native guest code (no exits); the AP sleeps in hlt inside KVM_RUN.
    Vmm vmm({"--vcpus", "2", "--cmdline", "bench hc_iters=10 cpu_iters=1000000000000"});
    ASSERT_EQ(parse(vmm.handshake())["ok"], true) << vmm.log();
    std::this_thread::sleep_for(300ms);
    ASSERT_EQ(vmm.op("pause")["ok"], true);
    const auto t1 = vmm.op("status")["vcpu_time_ns"].to_number<int64_t>();
    std::this_thread::sleep_for(500ms);
    const auto t2 = vmm.op("status")["vcpu_time_ns"].to_number<int64_t>();
    EXPECT_LT(t2 - t1, 50'000'000) << "vCPU threads used CPU while paused";
    ASSERT_EQ(vmm.op("unpause")["ok"], true);
    std::this_thread::sleep_for(500ms);
    const auto t3 = vmm.op("status")["vcpu_time_ns"].to_number<int64_t>();
    EXPECT_GT(t3 - t2, 100'000'000) << "the guest did not run again after unpause";
    EXPECT_EQ(vmm.op("destroy")["ok"], true);
    EXPECT_EQ(vmm.wait(5s), 143);
}

TEST(VmmControl, ConsoleInputIsEchoedByTheGuest) {
    DOMUS_REQUIRE_KVM();
    Vmm vmm(kService);
    ASSERT_TRUE(vmm.wait_console("service: started")) << vmm.log();
    Conn console(vmm.path(".ctl"));
    ASSERT_TRUE(console.connected());
    console.send("{\"op\":\"console\"}\n");
    EXPECT_EQ(console.line(), "{\"ok\":true}");
    console.send("hello domus\npartial");
    EXPECT_TRUE(console.read_until("service: input: hello domus\n", 5s));
    console.send(" line\r\n");
    EXPECT_TRUE(console.read_until("service: input: partial line\n", 5s));
    EXPECT_TRUE(console.read_until("service: heartbeat", 3s)) << "no output fanned out";
    EXPECT_NE(vmm.console().find("service: input: hello domus"), std::string::npos);

    // A second console client sees the same output; the first one leaving does not matter.
    Conn second(vmm.path(".ctl"));
    second.send("{\"op\":\"console\"}\nsecond\n");
    EXPECT_TRUE(second.read_until("service: input: second\n", 5s));
    EXPECT_TRUE(console.read_until("service: input: second\n", 5s));

    EXPECT_EQ(vmm.op("destroy")["ok"], true);
    EXPECT_EQ(vmm.wait(5s), 143);
    EXPECT_TRUE(console.closed_by_peer()) << "console clients are closed when the monitor ends";
}

TEST(VmmControl, MalformedRequestsGetErrorsAndNeverCrash) {
    DOMUS_REQUIRE_KVM();
    Vmm vmm(kService);
    ASSERT_EQ(parse(vmm.handshake())["ok"], true) << vmm.log();
    Conn c(vmm.path(".ctl"));
    for (const char* bad : {"garbage", "{}", "{\"op\":42}", "{\"op\":\"fly\"}", "[1,2]", "",
                            "{\"op\":\"status\",\"extra\":1}", "\xff\xfe{", "{\"op\":\"stat"}) {
        c.send(std::string(bad) + "\n");
        auto r = parse(c.line());
        EXPECT_EQ(r["ok"], false) << "request: " << bad;
        EXPECT_NE(str(r, "error"), "<none>") << "request: " << bad;
    }
    // Pipelined requests in one write are answered in order.
    c.send("{\"op\":\"status\"}\n{\"op\":\"nope\"}\n{\"op\":\"status\"}\n");
    EXPECT_EQ(parse(c.line())["ok"], true);
    EXPECT_EQ(parse(c.line())["ok"], false);
    EXPECT_EQ(parse(c.line())["ok"], true);
    // A line over 4 KiB closes the connection; the monitor carries on.
    Conn big(vmm.path(".ctl"));
    big.send(std::string(5000, 'x'));
    EXPECT_EQ(parse(big.line())["ok"], false);
    EXPECT_TRUE(big.closed_by_peer());
    // Clients that connect and vanish, or never send a newline, do not disturb it.
    for (int i = 0; i < 20; ++i) {
        Conn gone(vmm.path(".ctl"));
        gone.send("{\"op\":");
    }
    EXPECT_EQ(vmm.op("status")["ok"], true);
    EXPECT_EQ(vmm.op("shutdown")["ok"], true);
    EXPECT_EQ(vmm.wait(), 0) << vmm.log();
}

}  // namespace
}  // namespace domus::test
