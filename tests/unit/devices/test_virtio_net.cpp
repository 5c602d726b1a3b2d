// The virtio-net back end on a real TAP device in a private network namespace, with the test as
// the driver and a packet socket as the host: frames both ways byte for byte, receive waiting
// for buffers, TSO frames whole, hostile headers and chains, the rate limiter, and the TAP's
// refusals.
#include <fcntl.h>
#include <linux/if_tun.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "net_driver.hpp"

namespace domus {
namespace {

using namespace net_test;

constexpr uint64_t kBasic = kFeatureVersion1 | VirtioNet::kFeatureMac | VirtioNet::kFeatureStatus;
constexpr uint64_t kOffloads = kBasic | VirtioNet::kFeatureCsum | VirtioNet::kFeatureHostTso4 |
                               VirtioNet::kFeatureGuestCsum | VirtioNet::kFeatureGuestTso4;
constexpr std::array<uint8_t, 6> kMac = {0x00, 0x16, 0x3e, 0x12, 0x34, 0x56};

class VirtioNetTest : public ::testing::Test {
  protected:
    void SetUp() override {
        if (::access("/dev/net/tun", R_OK | W_OK) != 0) GTEST_SKIP() << "no /dev/net/tun";
        if (!enter_private_netns()) GTEST_SKIP() << "cannot make a network namespace (not root)";
    }
    NetDriver& attach(uint64_t features, NetLimits limits = {}) {
        auto tap = Tap::open("dtap0");
        EXPECT_TRUE(tap.ok()) << tap.error().message;
        auto net = VirtioNet::create(std::move(tap.value()), kMac, kRam, limits);
        EXPECT_TRUE(net.ok()) << net.error().message;
        driver_ = std::make_unique<NetDriver>(std::move(net.value()));
        driver_->bring_up(features);
        host_ = std::make_unique<HostSide>("dtap0");
        return *driver_;
    }
    bool needs_reset() { return (driver_->reg(kRegStatus) & kStatusNeedsReset) != 0; }

    std::unique_ptr<NetDriver> driver_;
    std::unique_ptr<HostSide> host_;
};

TEST_F(VirtioNetTest, ConfigSpaceHasTheMacAndLinkUp) {
    NetDriver& d = attach(kBasic);
    uint8_t config[10] = {};
    d.dev().transport().read(kRegConfig, config);
    EXPECT_EQ(std::memcmp(config, kMac.data(), 6), 0);
    EXPECT_EQ(config[6], VirtioNet::kStatusLinkUp);
    EXPECT_EQ(d.reg(kRegDeviceId), VirtioNet::kDeviceId);
}

TEST_F(VirtioNetTest, TransmitsFramesToTheTap) {
    NetDriver& d = attach(kBasic);
    d.send(0, NetHdr{}, test_frame("first"));
    d.send(1, NetHdr{}, test_frame(std::string(1400, 'x')), /*split=*/true);
    ASSERT_TRUE(d.serve_until(1, 2));
    EXPECT_EQ(host_->receive(1000), test_frame("first"));
    EXPECT_EQ(host_->receive(1000), test_frame(std::string(1400, 'x')));
    EXPECT_EQ(d.used_len(1, 0), 0u);
    const NetStats s = d.dev().stats();
    EXPECT_EQ(s.tx_packets, 2u);
    EXPECT_EQ(s.tx_bytes, test_frame("first").size() + test_frame(std::string(1400, 'x')).size());
    EXPECT_EQ(s.tx_dropped, 0u);
}

TEST_F(VirtioNetTest, ReceivesFramesIntoTheDriversBuffers) {
    NetDriver& d = attach(kBasic);
    for (uint16_t i = 0; i < 4; ++i) d.give_rx(i);
    d.serve(20);
    const std::string a = test_frame("hello guest"), b = test_frame(std::string(1500, 'y'));
    host_->send(a);
    host_->send(b);
    ASSERT_TRUE(d.serve_until(0, 2));
    ASSERT_EQ(d.used_len(0, 0), kNetHdrBytes + a.size());
    ASSERT_EQ(d.used_len(0, 1), kNetHdrBytes + b.size());
    const std::string first = d.rx_bytes(uint16_t(d.used_id(0, 0)), kNetHdrBytes + a.size());
    const NetHdr h = decode_net_hdr(std::span<const uint8_t, kNetHdrBytes>(
        reinterpret_cast<const uint8_t*>(first.data()), kNetHdrBytes));
    EXPECT_EQ(h.num_buffers, 1u);
    EXPECT_EQ(h.gso_type, kGsoNone);
    EXPECT_EQ(first.substr(kNetHdrBytes), a);
    EXPECT_EQ(d.rx_bytes(uint16_t(d.used_id(0, 1)), kNetHdrBytes + b.size()).substr(kNetHdrBytes),
              b);
    EXPECT_EQ(d.dev().stats().rx_packets, 2u);
}

TEST_F(VirtioNetTest, FramesWaitInTheTapUntilTheDriverGivesBuffers) {
    NetDriver& d = attach(kBasic);
    host_->send(test_frame("early"));
    d.serve(50);
    std::array<pollfd, VirtioBackend::kMaxWaitFds> fds{};
    EXPECT_EQ(d.dev().wait_fds(fds), 0u);  // no buffers: the TAP is not polled (no spinning)
    EXPECT_EQ(d.used_idx(0), 0u);
    d.give_rx(0);
    ASSERT_TRUE(d.serve_until(0, 1));
    EXPECT_EQ(d.rx_bytes(0, d.used_len(0, 0)).substr(kNetHdrBytes), test_frame("early"));
}

TEST_F(VirtioNetTest, AFrameLargerThanTheBufferIsDroppedAndTheBufferKept) {
    NetDriver& d = attach(kBasic);
    d.give_rx(0, 100);
    d.serve(10);
    host_->send(test_frame(std::string(500, 'L')));
    host_->send(test_frame("fits"));
    ASSERT_TRUE(d.serve_until(0, 1));
    EXPECT_EQ(d.rx_bytes(0, d.used_len(0, 0)).substr(kNetHdrBytes), test_frame("fits"));
    EXPECT_EQ(d.dev().stats().rx_dropped, 1u);
    EXPECT_FALSE(needs_reset());
}

TEST_F(VirtioNetTest, BadTransmitHeadersAreDroppedAndCounted) {
    NetDriver& d = attach(kBasic);  // no CSUM, no TSO negotiated
    NetHdr data_valid;
    data_valid.flags = kNetHdrDataValid;
    NetHdr csum;
    csum.flags = kNetHdrNeedsCsum;
    NetHdr tso;
    tso.gso_type = kGsoTcpV4;
    tso.gso_size = 1448;
    d.send(0, data_valid, test_frame("a"));
    d.send(1, csum, test_frame("b"));
    d.send(2, tso, test_frame("c"));
    d.send(3, NetHdr{}, "short");  // below an Ethernet header
    d.send(4, NetHdr{}, test_frame("good"));
    ASSERT_TRUE(d.serve_until(1, 5));
    EXPECT_EQ(host_->receive(1000), test_frame("good"));
    const NetStats s = d.dev().stats();
    EXPECT_EQ(s.tx_dropped, 4u);
    EXPECT_EQ(s.tx_packets, 1u);
    EXPECT_FALSE(needs_reset());
}

TEST_F(VirtioNetTest, AWritableTransmitBufferBreaksTheQueue) {
    NetDriver& d = attach(kBasic);
    d.desc(1, 0, NetDriver::tx_buf(0), 64, kDescWrite, 0);
    d.publish(1, 0);
    d.dev().process(d.mem());
    EXPECT_TRUE(needs_reset());
    // A reset and a fresh start serve again.
    d.bring_up(kBasic);
    EXPECT_FALSE(needs_reset());
    d.send(0, NetHdr{}, test_frame("after reset"));
    ASSERT_TRUE(d.serve_until(1, 1));
    EXPECT_EQ(host_->receive(1000), test_frame("after reset"));
}

TEST_F(VirtioNetTest, AReadableOrTinyReceiveBufferBreaksTheQueue) {
    NetDriver& d = attach(kBasic);
    d.desc(0, 0, NetDriver::rx_buf(0), 2048, 0, 0);  // device-readable
    d.publish(0, 0);
    d.dev().process(d.mem());
    EXPECT_TRUE(needs_reset());
    d.bring_up(kBasic);
    d.give_rx(0, 8);  // shorter than the header
    d.dev().process(d.mem());
    EXPECT_TRUE(needs_reset());
}

TEST_F(VirtioNetTest, OffloadFeaturesNeedTheirChecksumFeature) {
    NetDriver& d = attach(kBasic | VirtioNet::kFeatureHostTso4);
    EXPECT_TRUE(needs_reset());
    d.bring_up(kBasic | VirtioNet::kFeatureGuestTso4);
    EXPECT_TRUE(needs_reset());
    d.bring_up(kOffloads);
    EXPECT_FALSE(needs_reset());
}

// An IPv4/TCP frame of `payload` bytes (the checksum field holds the pseudo-header sum when
// offloaded: any value does for the TAP).
std::string tcp_frame(size_t payload) {
    std::string f = std::string("\x00\x16\x3e\x12\x34\x56\x02\x00\x00\x00\x00\x09\x08\x00", 14);
    const size_t ip_len = 20 + 20 + payload;
    const uint8_t ip[20] = {0x45,
                            0,
                            uint8_t(ip_len >> 8),
                            uint8_t(ip_len),
                            0,
                            1,
                            0x40,
                            0,
                            64,
                            6,
                            0,
                            0,
                            10,
                            0,
                            0,
                            2,
                            10,
                            0,
                            0,
                            1};
    f.append(reinterpret_cast<const char*>(ip), 20);
    const uint8_t tcp[20] = {0x30, 0x39, 0x00, 0x50, 0,    0,    0, 1, 0, 0,
                             0,    0,    0x50, 0x18, 0xff, 0xff, 0, 0, 0, 0};
    f.append(reinterpret_cast<const char*>(tcp), 20);
    return f + std::string(payload, 'T');
}

TEST_F(VirtioNetTest, ATsoSegmentCrossesTheTapWhole) {
    NetDriver& d = attach(kOffloads);
    ASSERT_FALSE(needs_reset());
    NetHdr h;
    h.flags = kNetHdrNeedsCsum;
    h.gso_type = kGsoTcpV4;
    h.gso_size = 1448;
    h.hdr_len = 54;
    h.csum_start = 34;
    h.csum_offset = 16;
    const std::string frame = tcp_frame(60000);
    d.send(0, h, frame);
    ASSERT_TRUE(d.serve_until(1, 1));
    const NetStats s = d.dev().stats();
    EXPECT_EQ(s.tx_dropped, 0u);
    EXPECT_EQ(s.tx_packets, 1u);
    EXPECT_EQ(s.tx_bytes, frame.size());
    // The host sees the segment (whole, or as the kernel cut it): its first bytes at least.
    const std::string seen = host_->receive(1000, 0x0800);
    ASSERT_FALSE(seen.empty());
    EXPECT_EQ(seen.substr(14 + 40, 100), std::string(100, 'T'));
}

TEST_F(VirtioNetTest, TheTransmitRateLimiterHoldsFramesBack) {
    NetDriver& d = attach(kBasic, NetLimits{0, 20000});
    const std::string frame = test_frame(std::string(15000 - 14, 'r'));
    for (uint16_t i = 0; i < 3; ++i) d.send(i, NetHdr{}, frame);
    d.serve(100);
    EXPECT_EQ(d.used_idx(1), 1u);  // 20000 tokens: one frame, then a wait
    EXPECT_GE(d.dev().stats().throttled, 1u);
    ASSERT_TRUE(d.serve_until(1, 3, 3000));  // 15000 more bytes each: ~0.75 s apart
    EXPECT_EQ(d.dev().stats().tx_packets, 3u);
}

TEST_F(VirtioNetTest, TheReceiveRateLimiterPacesFramesToTheGuest) {
    NetDriver& d = attach(kBasic, NetLimits{3000, 0});
    for (uint16_t i = 0; i < 8; ++i) d.give_rx(i);
    d.serve(10);
    const std::string frame = test_frame(std::string(1400 - 14, 'p'));
    for (int i = 0; i < 5; ++i) host_->send(frame);
    d.serve(100);
    EXPECT_LE(d.used_idx(0), 3u);  // 3000 tokens: about two frames, then a wait
    EXPECT_GE(d.used_idx(0), 1u);
    EXPECT_GE(d.dev().stats().throttled, 1u);
    ASSERT_TRUE(d.serve_until(0, 5, 4000));  // 1400 more bytes each: ~0.47 s apart
    EXPECT_EQ(d.dev().stats().rx_packets, 5u);
}

// The TAP deleted on the host under a running device: the back end stops polling it (no
// spinning on the error) and drops what the driver sends; the queues stay healthy.
TEST_F(VirtioNetTest, ATapDeletedOnTheHostIsDroppedFromThePoll) {
    NetDriver& d = attach(kBasic);
    d.give_rx(0);
    d.serve(20);
    ASSERT_EQ(std::system("ip link del dtap0"), 0);
    d.serve(50);
    std::array<pollfd, VirtioBackend::kMaxWaitFds> fds{};
    EXPECT_EQ(d.dev().wait_fds(fds), 0u);
    d.send(0, NetHdr{}, test_frame("into the void"));
    ASSERT_TRUE(d.serve_until(1, 1));
    EXPECT_EQ(d.dev().stats().tx_dropped, 1u);
    EXPECT_FALSE(needs_reset());
}

TEST(Tap, RefusalsNameTheDevice) {
    if (::access("/dev/net/tun", R_OK | W_OK) != 0) GTEST_SKIP() << "no /dev/net/tun";
    if (!enter_private_netns()) GTEST_SKIP() << "cannot make a network namespace (not root)";
    auto lo = Tap::open("lo");
    ASSERT_FALSE(lo.ok());
    EXPECT_NE(lo.error().message.find("TAP device 'lo': an interface of that name exists and is "
                                      "not a TAP device"),
              std::string::npos)
        << lo.error().message;
    auto first = Tap::open("dtap1");
    ASSERT_TRUE(first.ok()) << first.error().message;
    EXPECT_TRUE(first->created());
    EXPECT_NE(::if_nametoindex("dtap1"), 0u);
    auto second = Tap::open("dtap1");
    ASSERT_FALSE(second.ok());
    EXPECT_NE(second.error().message.find("in use by another process"), std::string::npos)
        << second.error().message;
    first = Tap::open("dtap2");  // the first one's descriptor closes: its TAP goes away
    EXPECT_EQ(::if_nametoindex("dtap1"), 0u);
    auto too_long = Tap::open("0123456789abcdef");
    ASSERT_FALSE(too_long.ok());
    EXPECT_NE(too_long.error().message.find("is not 1..15 bytes"), std::string::npos);
}

TEST(Tap, APersistentTapIsAttachedAndOutlivesUs) {
    if (::access("/dev/net/tun", R_OK | W_OK) != 0) GTEST_SKIP() << "no /dev/net/tun";
    if (!enter_private_netns()) GTEST_SKIP() << "cannot make a network namespace (not root)";
    {
        const int fd = ::open("/dev/net/tun", O_RDWR | O_CLOEXEC);
        ASSERT_GE(fd, 0);
        ifreq ifr{};
        std::strcpy(ifr.ifr_name, "vif7.0");
        ifr.ifr_flags = IFF_TAP | IFF_NO_PI | IFF_VNET_HDR;
        ASSERT_EQ(::ioctl(fd, TUNSETIFF, &ifr), 0);
        ASSERT_EQ(::ioctl(fd, TUNSETPERSIST, 1), 0);
        ::close(fd);
    }
    {
        auto tap = Tap::open("vif7.0");
        ASSERT_TRUE(tap.ok()) << tap.error().message;
        EXPECT_FALSE(tap->created());
    }
    EXPECT_NE(::if_nametoindex("vif7.0"), 0u);
}

TEST(NetHeader, EncodeDecodeAndTransmitChecks) {
    NetHdr h{1, kGsoTcpV4, 54, 1448, 34, 16, 7};
    std::array<uint8_t, kNetHdrBytes> raw{};
    encode_net_hdr(h, raw);
    EXPECT_EQ(decode_net_hdr(raw), h);
    const TxOffloads all{true, true, true}, none{};
    auto ok = check_tx_frame(h, 60054, all);
    ASSERT_TRUE(ok.ok()) << ok.error().message;
    EXPECT_EQ(ok->num_buffers, 0u);
    auto msg = [](const NetHdr& x, uint64_t len, const TxOffloads& o) {
        auto r = check_tx_frame(x, len, o);
        return r.ok() ? std::string() : r.error().message;
    };
    EXPECT_NE(msg(NetHdr{}, 13, none).find("13 bytes are shorter than an Ethernet header"),
              std::string::npos);
    EXPECT_NE(msg(NetHdr{}, kMaxNetFrame + 1, none).find("bytes are more than"), std::string::npos);
    EXPECT_EQ(msg(NetHdr{}, kMaxNetFrame, none), "");
    EXPECT_NE(msg(h, 60054, none).find("NEEDS_CSUM without the CSUM feature"), std::string::npos);
    EXPECT_NE(msg(NetHdr{4, 0, 0, 0, 0, 0, 0}, 64, all).find("flags 4"), std::string::npos);
    EXPECT_NE(msg(NetHdr{1, 0, 0, 0, 60, 3, 0}, 64, all).find("checksum at 60+3 is outside"),
              std::string::npos);
    EXPECT_EQ(msg(NetHdr{1, 0, 0, 0, 60, 2, 0}, 64, all), "");
    EXPECT_NE(msg(NetHdr{1, 0xffff & 0xff, 0, 0, 0, 0, 0}, 64, all).find("ECN"), std::string::npos);
    EXPECT_NE(msg(NetHdr{1, kGsoUdp, 0, 100, 0, 0, 0}, 64, all).find("gso_type 3 was not"),
              std::string::npos);
    EXPECT_NE(msg(NetHdr{1, kGsoTcpV4, 0, 100, 0, 0, 0}, 64, TxOffloads{true, false, false})
                  .find("gso_type 1 was not"),
              std::string::npos);
    EXPECT_NE(msg(NetHdr{0, kGsoTcpV4, 0, 100, 0, 0, 0}, 64, all).find("without NEEDS_CSUM"),
              std::string::npos);
    EXPECT_NE(msg(NetHdr{1, kGsoTcpV4, 0, 0, 0, 0, 0}, 64, all).find("gso_size 0"),
              std::string::npos);
    EXPECT_NE(msg(NetHdr{1, kGsoTcpV4, 65, 100, 0, 0, 0}, 64, all).find("hdr_len 65 exceeds"),
              std::string::npos);
}

}  // namespace
}  // namespace domus
