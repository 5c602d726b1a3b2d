// Checksums and the pure parsers of untrusted bytes: valid input, every truncation, lies.
#include <gtest/gtest.h>

#include <random>
#include <vector>

#include "net/arp.hpp"
#include "net/checksum.hpp"
#include "net/ether.hpp"
#include "net/icmp.hpp"
#include "net/ipv4.hpp"
#include "net/tcp.hpp"
#include "net/udp.hpp"

using namespace net;

namespace {

uint16_t naive(const std::vector<uint8_t>& d) {
    uint32_t s = 0;
    for (size_t i = 0; i < d.size(); i += 2) {
        s += uint32_t(d[i]) << 8;
        if (i + 1 < d.size()) s += d[i + 1];
    }
    while (s >> 16) s = (s & 0xffff) + (s >> 16);
    return uint16_t(s);
}

std::vector<uint8_t> ip_packet(uint8_t proto, const std::vector<uint8_t>& l4) {
    std::vector<uint8_t> p(20 + l4.size());
    write_ipv4(p.data(), ip4(10, 0, 0, 1), ip4(10, 0, 0, 2), proto, uint16_t(p.size()), 7, 64);
    memcpy(p.data() + 20, l4.data(), l4.size());
    return p;
}

}  // namespace

TEST(Checksum, Rfc1071Example) {
    std::vector<uint8_t> d = {0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7};
    EXPECT_EQ(csum_partial(d.data(), d.size(), 0), 0xddf2);
}

TEST(Checksum, MatchesNaiveForAllLengthsAndSplits) {
    std::mt19937 r(7);
    for (size_t len = 0; len < 300; ++len) {
        std::vector<uint8_t> d(len);
        for (auto& b : d) b = uint8_t(r());
        auto norm = [](uint16_t x) { return x == 0xffff ? 0 : x; };
        EXPECT_EQ(norm(csum_partial(d.data(), d.size(), 0)), norm(naive(d))) << len;
        for (size_t cut = 0; cut <= len; cut += 7) {
            Csum c;
            c.add(d.data(), cut);
            size_t cut2 = cut + (len - cut) / 2;
            c.add(d.data() + cut, cut2 - cut);
            c.add(d.data() + cut2, len - cut2);
            EXPECT_EQ(norm(c.sum), norm(naive(d)));
        }
    }
}

TEST(Checksum, PseudoHeaderAndIncrementalUpdate) {
    std::vector<uint8_t> ph = {10, 0, 0, 1, 10, 0, 0, 2, 0, 6, 0, 40};
    EXPECT_EQ(pseudo_sum(ip4(10, 0, 0, 1), ip4(10, 0, 0, 2), 6, 40), naive(ph));
    std::vector<uint8_t> hdr(20);
    write_ipv4(hdr.data(), ip4(192, 168, 1, 1), ip4(8, 8, 8, 8), 17, 100, 1, 64);
    EXPECT_EQ(csum_partial(hdr.data(), 20, 0), 0xffff);
    // Change the TTL/protocol word and update the checksum incrementally.
    uint16_t old_word = load16(&hdr[8]);
    hdr[8] = 63;
    uint16_t check = csum_replace16(load16(&hdr[10]), old_word, load16(&hdr[8]));
    store16(&hdr[10], check);
    EXPECT_EQ(csum_partial(hdr.data(), 20, 0), 0xffff);
}

TEST(Ether, Truncated) {
    uint8_t f[14] = {};
    EthFrame e;
    for (size_t n = 0; n < 14; ++n) EXPECT_EQ(parse_ether(f, n, &e), EthError::Truncated);
    EXPECT_EQ(parse_ether(f, 14, &e), EthError::Ok);
    EXPECT_EQ(e.payload_len, 0u);
}

TEST(Arp, ParseValidAndHostile) {
    uint8_t p[28];
    MacAddr a{{1, 2, 3, 4, 5, 6}};
    write_arp(p, kArpRequest, a, ip4(1, 2, 3, 4), MacAddr{}, ip4(5, 6, 7, 8));
    ArpPacket out;
    ASSERT_EQ(parse_arp(p, 28, &out), ArpError::Ok);
    EXPECT_EQ(out.spa, ip4(1, 2, 3, 4));
    EXPECT_EQ(out.tpa, ip4(5, 6, 7, 8));
    for (size_t n = 0; n < 28; ++n) EXPECT_EQ(parse_arp(p, n, &out), ArpError::Truncated);
    p[5] = 16;  // plen lie
    EXPECT_EQ(parse_arp(p, 28, &out), ArpError::Unsupported);
    p[5] = 4;
    store16(p + 6, 9);
    EXPECT_EQ(parse_arp(p, 28, &out), ArpError::Unsupported);
}

TEST(Ipv4, ValidAndEveryLie) {
    auto p = ip_packet(17, std::vector<uint8_t>(12, 0xab));
    Ipv4Packet ip;
    ASSERT_EQ(parse_ipv4(p.data(), p.size(), &ip), IpError::Ok);
    EXPECT_EQ(ip.payload_len, 12u);
    // Ethernet padding after total length is fine.
    auto padded = p;
    padded.resize(60);
    ASSERT_EQ(parse_ipv4(padded.data(), padded.size(), &ip), IpError::Ok);
    EXPECT_EQ(ip.payload_len, 12u);
    for (size_t n = 0; n < 20; ++n) EXPECT_EQ(parse_ipv4(p.data(), n, &ip), IpError::Truncated);
    EXPECT_EQ(parse_ipv4(p.data(), p.size() - 1, &ip), IpError::BadLength);
    auto v = p;
    v[0] = 0x65;
    EXPECT_EQ(parse_ipv4(v.data(), v.size(), &ip), IpError::BadVersion);
    v = p;
    v[0] = 0x44;
    EXPECT_EQ(parse_ipv4(v.data(), v.size(), &ip), IpError::BadIhl);
    v = p;
    v[0] = 0x4f;  // IHL 60 > 32 bytes
    EXPECT_EQ(parse_ipv4(v.data(), v.size(), &ip), IpError::Truncated);
    v = p;
    store16(&v[2], 10);  // total < IHL
    EXPECT_EQ(parse_ipv4(v.data(), v.size(), &ip), IpError::BadLength);
    v = p;
    v[12] ^= 1;
    EXPECT_EQ(parse_ipv4(v.data(), v.size(), &ip), IpError::BadChecksum);
    for (uint16_t frag : {0x2000, 0x0001, 0x3fff}) {
        v = p;
        store16(&v[6], frag);
        store16(&v[10], 0);
        store16(&v[10], ip_checksum(v.data(), 20));
        EXPECT_EQ(parse_ipv4(v.data(), v.size(), &ip), IpError::Fragment);
    }
}

TEST(Udp, LengthAndChecksum) {
    std::vector<uint8_t> u = {0x12, 0x34, 0x00, 0x35, 0x00, 0x0b, 0, 0, 'a', 'b', 'c'};
    UdpDatagram d;
    uint32_t s = ip4(10, 0, 0, 1), t = ip4(10, 0, 0, 2);
    ASSERT_EQ(parse_udp(u.data(), u.size(), s, t, true, &d), UdpError::Ok);  // no checksum
    EXPECT_EQ(d.payload_len, 3u);
    uint16_t c = uint16_t(~csum_partial(u.data(), u.size(), pseudo_sum(s, t, 17, 11)));
    store16(&u[6], c);
    ASSERT_EQ(parse_udp(u.data(), u.size(), s, t, true, &d), UdpError::Ok);
    u[9] ^= 0xff;
    EXPECT_EQ(parse_udp(u.data(), u.size(), s, t, true, &d), UdpError::BadChecksum);
    EXPECT_EQ(parse_udp(u.data(), u.size(), s, t, false, &d), UdpError::Ok);
    store16(&u[4], 12);  // longer than the packet
    EXPECT_EQ(parse_udp(u.data(), u.size(), s, t, false, &d), UdpError::BadLength);
    store16(&u[4], 7);
    EXPECT_EQ(parse_udp(u.data(), u.size(), s, t, false, &d), UdpError::BadLength);
    for (size_t n = 0; n < 8; ++n) {
        EXPECT_EQ(parse_udp(u.data(), n, s, t, false, &d), UdpError::Truncated);
    }
}

TEST(Icmp, ChecksumChecked) {
    std::vector<uint8_t> m = {8, 0, 0, 0, 0, 1, 0, 2, 'x'};
    store16(&m[2], uint16_t(~csum_partial(m.data(), m.size(), 0)));
    IcmpMessage out;
    ASSERT_EQ(parse_icmp(m.data(), m.size(), true, &out), IcmpError::Ok);
    EXPECT_EQ(out.id, 1);
    EXPECT_EQ(out.seq, 2);
    m[8] = 'y';
    EXPECT_EQ(parse_icmp(m.data(), m.size(), true, &out), IcmpError::BadChecksum);
    EXPECT_EQ(parse_icmp(m.data(), 7, true, &out), IcmpError::Truncated);
}

TEST(Tcp, DataOffsetLiesAndAbsurdOptions) {
    std::vector<uint8_t> h(40, 0);
    store16(&h[0], 1000);
    store16(&h[2], 80);
    h[12] = 0xa0;  // 40-byte header
    h[13] = kTcpSyn;
    // MSS 1460, NOP, WS 20 (clamped), SACK-permitted, then a zero-length option (a lie).
    uint8_t opts[] = {2, 4, 0x05, 0xb4, 1, 3, 3, 20, 4, 2, 8, 0};
    memcpy(&h[20], opts, sizeof(opts));
    TcpSegment s;
    ASSERT_EQ(parse_tcp(h.data(), h.size(), 0, 0, false, &s), TcpError::Ok);
    EXPECT_TRUE(s.opt.has_mss);
    EXPECT_EQ(s.opt.mss, 1460);
    EXPECT_TRUE(s.opt.has_wscale);
    EXPECT_EQ(s.opt.wscale, 14);
    EXPECT_TRUE(s.opt.sack_ok);
    EXPECT_FALSE(s.opt.has_ts);
    EXPECT_EQ(s.payload_len, 0u);
    // Offset below 5 words, beyond the packet.
    h[12] = 0x40;
    EXPECT_EQ(parse_tcp(h.data(), h.size(), 0, 0, false, &s), TcpError::BadOffset);
    h[12] = 0xf0;
    EXPECT_EQ(parse_tcp(h.data(), h.size(), 0, 0, false, &s), TcpError::BadOffset);
    for (size_t n = 0; n < 20; ++n) {
        EXPECT_EQ(parse_tcp(h.data(), n, 0, 0, false, &s), TcpError::Truncated);
    }
    // Options running past the header: a length byte missing, a length past the end, len 1.
    for (auto o : {std::vector<uint8_t>{1, 1, 1, 2}, std::vector<uint8_t>{2, 40, 0, 0},
                   std::vector<uint8_t>{3, 1, 9, 9}, std::vector<uint8_t>{8, 10, 0, 0}}) {
        TcpOptions to;
        parse_tcp_options(o.data(), o.size(), &to);
        EXPECT_FALSE(to.has_mss);
        EXPECT_FALSE(to.has_wscale);
        EXPECT_FALSE(to.has_ts);
    }
    // Random option bytes never read past the buffer (ASan proves it).
    std::mt19937 r(3);
    for (int i = 0; i < 20000; ++i) {
        std::vector<uint8_t> o(r() % 41);
        for (auto& b : o) b = uint8_t(r() % 12);
        TcpOptions to;
        parse_tcp_options(o.data(), o.size(), &to);
        EXPECT_LE(to.wscale, 14);
    }
}
