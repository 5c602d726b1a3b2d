// virtio-net in real domains, each test inside a network namespace of its own (netns.hpp):
// a guest kernel driver that breaks every rule (guest/workloads/hostile_net.cpp) against a
// TAP device the test watches with a packet socket, and the refusals before a domain starts
// (a TAP name taken by another domain, an interface that is not a TAP).
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <thread>

#include "guest_expect.hpp"
#include "guest_runner.hpp"
#include "netns.hpp"
#include "process.hpp"

namespace domus::test::guest {
namespace {

#define DOMUS_REQUIRE_NETNS()                            \
    do {                                                 \
        DOMUS_REQUIRE_KVM();                             \
        const std::string netns = enter_private_netns(); \
        if (!netns.empty()) GTEST_SKIP() << netns;       \
    } while (0)

std::string test_frame(const std::string& payload) {
    return std::string("\x00\x16\x3e\x00\x00\x01\x02\x00\x00\x00\x00\x99\x88\xb5", 14) + payload;
}

// Every hostile chain is answered by a reset or by a dropped frame; the monitor stays up, the
// host sees only the one good frame, and frames the host sent while the guest gave no buffers
// wait in the TAP and arrive once it does.
TEST(GuestNet, HostileVirtqueuesAndFramesLeaveTheMonitorAndTheHostAlone) {
    DOMUS_REQUIRE_NETNS();
    ASSERT_EQ(make_tap("hn0"), "");
    PacketSocket host("hn0");
    ASSERT_TRUE(host.ok());
    std::atomic<bool> saw_hello{false};
    std::atomic<int> other_frames{0};
    std::thread watcher([&] {
        const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
        while (std::chrono::steady_clock::now() < deadline) {
            const std::string f = host.receive(100, 0x88b5);
            if (f.empty()) continue;
            if (f.find("hostile-net says hello") != std::string::npos) {
                saw_hello = true;
                for (int i = 0; i < 5; ++i)
                    host.send(test_frame("from the host " + std::to_string(i)));
                return;
            }
            ++other_frames;  // a frame the device should have dropped
        }
    });
    const auto r =
        run_domus({"run", "--net", "tap=hn0", "--cmdline", "hostile-net"}, timeout_after(60));
    watcher.join();
    EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
    for (const char* line : {
             "hostile-net: transmit buffer the device may write: needs-reset",
             "hostile-net: transmit descriptor loop: needs-reset",
             "hostile-net: transmit buffer outside RAM: needs-reset",
             "hostile-net: transmit length running over the rings: needs-reset",
             "hostile-net: header shorter than 12 bytes: returned",
             "hostile-net: frame shorter than an Ethernet header: returned",
             "hostile-net: frame longer than 64 KiB: returned",
             "hostile-net: checksum offset outside the frame: returned",
             "hostile-net: segmentation offload never negotiated: returned",
             "hostile-net: receive buffer the device may only read: needs-reset",
             "hostile-net: receive buffer shorter than a header: needs-reset",
             "hostile-net: receive head beyond the queue: needs-reset",
             "hostile-net: good frame after the abuse: returned",
             "hostile-net: frame from the host after a second without buffers: received",
             "hostile-net: 0 unexpected",
         }) {
        EXPECT_NE(r.out.find(line), std::string::npos) << line << "\n" << r.out;
    }
    EXPECT_TRUE(saw_hello);
    EXPECT_EQ(other_frames.load(), 0) << "frames the device should have dropped reached the host";
}

TEST(GuestNet, ATapInUseOrNotATapRefusesTheDomainByName) {
    DOMUS_REQUIRE_NETNS();
    ASSERT_EQ(make_tap("busy0"), "");
    // A running domain holds busy0; a second one is refused before it starts.
    std::thread first_domain([] {
        (void)run_domus({"run", "--net", "tap=busy0", "--cmdline", "hostile-net"},
                        timeout_after(30));
    });
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    const auto second = run_domus({"run", "--net", "tap=busy0", "--cmdline", "hello"});
    first_domain.join();
    EXPECT_EQ(second.exit_code, 1);
    EXPECT_NE(second.err.find("eth0: TAP device 'busy0': it is in use by another process"),
              std::string::npos)
        << second.err;
    const auto lo = run_domus({"run", "--net", "tap=lo", "--cmdline", "hello"});
    EXPECT_EQ(lo.exit_code, 1);
    EXPECT_NE(lo.err.find("TAP device 'lo': an interface of that name exists and is not a TAP"),
              std::string::npos)
        << lo.err;
    const auto bad =
        run_domus({"run", "--net", "tap=a,mac=01:00:00:00:00:00", "--cmdline", "hello"});
    EXPECT_EQ(bad.exit_code, 1);
    EXPECT_NE(bad.err.find("multicast"), std::string::npos) << bad.err;
}

}  // namespace
}  // namespace domus::test::guest
