// A test playing the virtio-net driver against VirtioNet over a GuestMemory (queue 0 receives,
// queue 1 transmits), and the host side of its TAP device through a packet socket, all inside
// a network namespace of the test's own (nothing touches the machine's interfaces).
#pragma once

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <poll.h>
#include <sched.h>
#include <sys/socket.h>

#include <cstring>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "devices/virtio_net.hpp"

namespace domus::net_test {

using namespace virtio;

inline constexpr uint64_t kRam = 16 << 20;
inline constexpr uint32_t kSize = 64;
inline constexpr uint64_t kRing[2][3] = {{0x1000, 0x2000, 0x3000}, {0x4000, 0x5000, 0x6000}};
inline constexpr uint64_t kBufBytes = 0x11000;  // 68 KiB: a 64 KiB TSO frame and its header
inline constexpr uint64_t kRxBufs = 0x100000;
inline constexpr uint64_t kTxBufs = 0x800000;
inline constexpr uint16_t kTestEtherType = 0x88b5;  // IEEE "local experimental"

// A private network namespace with IPv6 off (no router solicitations on the TAP). false when
// the test cannot have one (not root).
inline bool enter_private_netns() {
    if (::unshare(CLONE_NEWNET) != 0) return false;
    std::ofstream("/proc/sys/net/ipv6/conf/default/disable_ipv6") << "1";
    std::ofstream("/proc/sys/net/ipv6/conf/all/disable_ipv6") << "1";
    return true;
}

class NetDriver {
  public:
    explicit NetDriver(std::unique_ptr<VirtioNet> net) : net_(std::move(net)) {
        auto m = GuestMemory::create(kRam);
        EXPECT_TRUE(m.ok());
        mem_ = std::move(m.value());
    }
    VirtioNet& dev() { return *net_; }
    GuestMemory& mem() { return mem_; }

    uint32_t reg(uint32_t offset) {
        uint8_t b[4];
        net_->transport().read(offset, b);
        uint32_t v;
        std::memcpy(&v, b, 4);
        return v;
    }
    void set(uint32_t offset, uint32_t value) {
        uint8_t b[4];
        std::memcpy(b, &value, 4);
        net_->transport().write(offset, b);
    }
    void bring_up(uint64_t features) {
        set(kRegStatus, 0);
        const std::vector<uint8_t> zeros(0x1000, 0);
        for (auto& q : kRing) {
            EXPECT_TRUE(mem_.write(q[1], zeros).ok());
            EXPECT_TRUE(mem_.write(q[2], zeros).ok());
        }
        set(kRegStatus, kStatusAcknowledge | kStatusDriver);
        set(kRegDriverFeaturesSel, 0);
        set(kRegDriverFeatures, uint32_t(features));
        set(kRegDriverFeaturesSel, 1);
        set(kRegDriverFeatures, uint32_t(features >> 32));
        set(kRegStatus, kStatusAcknowledge | kStatusDriver | kStatusFeaturesOk);
        for (uint32_t q = 0; q < 2; ++q) {
            set(kRegQueueSel, q);
            set(kRegQueueNum, kSize);
            set(kRegQueueDescLow, uint32_t(kRing[q][0]));
            set(kRegQueueDriverLow, uint32_t(kRing[q][1]));
            set(kRegQueueDeviceLow, uint32_t(kRing[q][2]));
            set(kRegQueueReady, 1);
        }
        set(kRegStatus, kStatusAcknowledge | kStatusDriver | kStatusFeaturesOk | kStatusDriverOk);
        next_avail_[0] = next_avail_[1] = 0;
    }
    void desc(uint32_t q, uint16_t i, uint64_t gpa, uint32_t len, uint16_t flags, uint16_t next) {
        uint8_t raw[16];
        std::memcpy(raw, &gpa, 8);
        std::memcpy(raw + 8, &len, 4);
        std::memcpy(raw + 12, &flags, 2);
        std::memcpy(raw + 14, &next, 2);
        ASSERT_TRUE(mem_.write(kRing[q][0] + i * 16ull, raw).ok());
    }
    void publish(uint32_t q, uint16_t head) {
        const uint16_t idx = next_avail_[q]++;
        ASSERT_TRUE(mem_.write_obj<uint16_t>(kRing[q][1] + 4 + 2 * (idx % kSize), head).ok());
        ASSERT_TRUE(mem_.write_obj<uint16_t>(kRing[q][1] + 2, uint16_t(idx + 1)).ok());
    }
    // Receive buffer `i`: descriptor i of queue 0, `len` bytes at rx_buf(i).
    void give_rx(uint16_t i, uint32_t len = uint32_t(kBufBytes)) {
        desc(0, i, rx_buf(i), len, kDescWrite, 0);
        publish(0, i);
    }
    // Transmit slot `i`: virtio-net header + frame in one descriptor (or split after the
    // header when `split`).
    void send(uint16_t i, const NetHdr& h, const std::string& frame, bool split = false) {
        std::array<uint8_t, kNetHdrBytes> raw{};
        encode_net_hdr(h, raw);
        ASSERT_TRUE(mem_.write(tx_buf(i), raw).ok());
        ASSERT_TRUE(mem_.write(tx_buf(i) + kNetHdrBytes,
                               {reinterpret_cast<const uint8_t*>(frame.data()), frame.size()})
                        .ok());
        if (split) {
            const uint16_t d = uint16_t(2 * i);
            desc(1, d, tx_buf(i), kNetHdrBytes, kDescNext, uint16_t(d + 1));
            desc(1, uint16_t(d + 1), tx_buf(i) + kNetHdrBytes, uint32_t(frame.size()), 0, 0);
            publish(1, d);
        } else {
            desc(1, i, tx_buf(i), uint32_t(kNetHdrBytes + frame.size()), 0, 0);
            publish(1, i);
        }
    }
    static uint64_t rx_buf(uint16_t i) { return kRxBufs + i * kBufBytes; }
    static uint64_t tx_buf(uint16_t i) { return kTxBufs + i * kBufBytes; }
    uint16_t used_idx(uint32_t q) { return mem_.read_obj<uint16_t>(kRing[q][2] + 2).value(); }
    uint32_t used_len(uint32_t q, uint16_t i) {
        return mem_.read_obj<uint32_t>(kRing[q][2] + 8 + 8 * (i % kSize)).value();
    }
    uint32_t used_id(uint32_t q, uint16_t i) {
        return mem_.read_obj<uint32_t>(kRing[q][2] + 4 + 8 * (i % kSize)).value();
    }
    std::string rx_bytes(uint16_t i, size_t len) {
        std::string s(len, '\0');
        EXPECT_TRUE(mem_.read(rx_buf(i), {reinterpret_cast<uint8_t*>(s.data()), len}).ok());
        return s;
    }
    // The back end's thread, played: waits on what it asks for and serves.
    void serve(int ms) {
        net_->process(mem_);
        for (int waited = 0; waited < ms; waited += 5) {
            std::array<pollfd, VirtioBackend::kMaxWaitFds> fds{};
            const size_t n = net_->wait_fds(fds);
            if (n == 0) {
                ::poll(nullptr, 0, 5);
                continue;
            }
            if (::poll(fds.data(), nfds_t(n), 5) > 0) {
                net_->on_ready(mem_, std::span<const pollfd>(fds.data(), n));
            }
        }
    }
    // Serves until queue q has `used` entries or `ms` pass.
    bool serve_until(uint32_t q, uint16_t used, int ms = 3000) {
        net_->process(mem_);
        for (int waited = 0; used_idx(q) != used && waited < ms; waited += 5) serve(5);
        return used_idx(q) == used;
    }

  private:
    GuestMemory mem_;
    std::unique_ptr<VirtioNet> net_;
    uint16_t next_avail_[2] = {0, 0};
};

// The host's end of the TAP: a packet socket bound to the interface.
class HostSide {
  public:
    explicit HostSide(const std::string& ifname) {
        fd_ = ::socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC | SOCK_NONBLOCK, htons(ETH_P_ALL));
        EXPECT_GE(fd_, 0);
        sockaddr_ll sll{};
        sll.sll_family = AF_PACKET;
        sll.sll_protocol = htons(ETH_P_ALL);
        sll.sll_ifindex = int(::if_nametoindex(ifname.c_str()));
        ifindex_ = sll.sll_ifindex;
        EXPECT_EQ(::bind(fd_, reinterpret_cast<sockaddr*>(&sll), sizeof sll), 0);
    }
    ~HostSide() {
        if (fd_ >= 0) ::close(fd_);
    }
    void send(const std::string& frame) {
        sockaddr_ll sll{};
        sll.sll_family = AF_PACKET;
        sll.sll_ifindex = ifindex_;
        sll.sll_halen = 6;
        ASSERT_EQ(::sendto(fd_, frame.data(), frame.size(), 0, reinterpret_cast<sockaddr*>(&sll),
                           sizeof sll),
                  ssize_t(frame.size()));
    }
    // The next frame of `ether_type` that arrives within `ms` ("" when none).
    std::string receive(int ms, uint16_t ether_type = kTestEtherType) {
        std::string buf(70000, '\0');
        for (int waited = 0; waited <= ms; waited += 5) {
            const ssize_t n = ::recv(fd_, buf.data(), buf.size(), MSG_TRUNC);
            if (n < 0) {
                ::poll(nullptr, 0, 5);
                continue;
            }
            if (n >= 14 && uint8_t(buf[12]) == (ether_type >> 8) &&
                uint8_t(buf[13]) == (ether_type & 0xff)) {
                return buf.substr(0, size_t(n));
            }
        }
        return {};
    }

  private:
    int fd_ = -1;
    int ifindex_ = 0;
};

// An Ethernet frame of the test's EtherType: dst, src, type, then `payload`.
inline std::string test_frame(const std::string& payload,
                              const std::array<uint8_t, 6>& dst = {0x00, 0x16, 0x3e, 1, 2, 3}) {
    std::string f(reinterpret_cast<const char*>(dst.data()), 6);
    f += std::string("\x02\x00\x00\x00\x00\x09", 6);
    f += char(kTestEtherType >> 8);
    f += char(kTestEtherType & 0xff);
    return f + payload;
}

}  // namespace domus::net_test
