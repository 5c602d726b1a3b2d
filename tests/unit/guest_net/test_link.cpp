// ARP, IPv4 routing and input checks, ICMP echo and UDP through the simulated network.
#include <gtest/gtest.h>

#include "host_shims.hpp"
#include "net/arp.hpp"
#include "net/checksum.hpp"
#include "net/ether.hpp"
#include "net/icmp.hpp"
#include "net/net_proc.hpp"
#include "net/raw.hpp"
#include "sim.hpp"

using namespace net;

namespace {

long udp_send(UdpSock* u, const SockAddr* to, const std::string& s) {
    sim::Src src{reinterpret_cast<const uint8_t*>(s.data())};
    return udp_sendto(u, to, sim::copy_in, &src, s.size(), 0);
}

std::string udp_recv(UdpSock* u, SockAddr* from, size_t cap = 2048, int* flags = nullptr) {
    std::string out(cap, '\0');
    sim::Dst d{reinterpret_cast<uint8_t*>(out.data())};
    long n = udp_recvfrom(u, sim::copy_out, &d, cap, 0, from, flags);
    if (n < 0) return "<" + std::to_string(n) + ">";
    out.resize(size_t(n));
    return out;
}

// A frame from 10.0.0.9 (MAC ...:09) to node 0 carrying `ip` (IPv4 packet).
std::vector<uint8_t> frame_to(sim::World& w, const std::vector<uint8_t>& ip) {
    std::vector<uint8_t> f(14);
    MacAddr dst;
    memcpy(dst.b, w.dev(0).mac, 6);
    write_ether(f.data(), dst, MacAddr{{0x52, 0x54, 0, 0, 0, 9}}, kEtherTypeIpv4);
    f.insert(f.end(), ip.begin(), ip.end());
    return f;
}

std::vector<uint8_t> echo_request(uint32_t src, uint32_t dst, size_t payload) {
    std::vector<uint8_t> p(20 + 8 + payload);
    write_ipv4(p.data(), src, dst, kProtoIcmp, uint16_t(p.size()), 1, 64);
    uint8_t* m = p.data() + 20;
    m[0] = kIcmpEcho;
    store16(m + 4, 0x77);
    store16(m + 6, 3);
    for (size_t i = 0; i < payload; ++i) m[8 + i] = uint8_t(i);
    store16(m + 2, uint16_t(~csum_partial(m, 8 + payload, 0)));
    return p;
}

}  // namespace

TEST(Arp, ResolvesAnswersAndQueuesBounded) {
    sim::World w;
    w.record = true;
    // Gratuitous ARP at configuration: node 1 learnt nothing about node 0 from it (not for it),
    // but a request is answered and both sides cache each other.
    MacAddr m;
    EXPECT_FALSE(arp_lookup(w.stack(0), w.addr(1), &m));
    EXPECT_EQ(icmp_send_echo(w.stack(0), w.addr(1), 1, 1, "hi", 2), 0);
    w.run_for(10'000'000);
    ASSERT_TRUE(arp_lookup(w.stack(0), w.addr(1), &m));
    EXPECT_EQ(m.b[5], 2);
    ASSERT_TRUE(arp_lookup(w.stack(1), w.addr(0), &m));
    EXPECT_EQ(w.stack(0).stats.icmp.in_echo_reps, 1u);
    EXPECT_EQ(w.stack(1).stats.icmp.in_echos, 1u);
    // An address nobody has: requests retried 3 times, the queue holds 4 frames at most, then
    // the entry fails and the frames are freed.
    size_t before = guest_net_test::live_blocks();
    for (int i = 0; i < 10; ++i) icmp_send_echo(w.stack(0), net::ip4(10, 0, 0, 77), 1, 1, "x", 1);
    EXPECT_EQ(w.stack(0).stats.arp.queue_drops, 6u);
    EXPECT_EQ(guest_net_test::live_blocks(), before + 4);
    w.run_for(5'000'000'000ull);
    EXPECT_EQ(w.stack(0).stats.arp.failed, 1u);
    EXPECT_EQ(guest_net_test::live_blocks(), before);
    EXPECT_EQ(icmp_send_echo(w.stack(0), net::ip4(10, 0, 0, 77), 1, 1, "x", 1),
              -err::kEHOSTUNREACH);
    // Entries expire after 60 s.
    w.run_for(61'000'000'000ull);
    EXPECT_FALSE(arp_lookup(w.stack(0), w.addr(1), &m));
}

TEST(Arp, GratuitousAtConfiguration) {
    sim::World w;
    w.record = true;
    sim::g_now += 1;
    stack_configure(w.stack(0), "eth0", net::ip4(10, 0, 0, 50), 0xffffff00u, 0);
    ASSERT_FALSE(w.sent.empty());
    const auto& f = w.sent.back().bytes;
    ASSERT_GE(f.size(), 42u);
    EXPECT_EQ(load16(&f[12]), kEtherTypeArp);
    ArpPacket a;
    ASSERT_EQ(parse_arp(&f[14], f.size() - 14, &a), ArpError::Ok);
    EXPECT_EQ(a.spa, net::ip4(10, 0, 0, 50));
    EXPECT_EQ(a.tpa, net::ip4(10, 0, 0, 50));
    EXPECT_EQ(stack_configure(w.stack(0), "eth9", net::ip4(10, 0, 0, 50), 0xffffff00u, 0),
              -err::kENODEV);
    EXPECT_EQ(stack_configure(w.stack(0), "eth0", net::ip4(10, 0, 0, 50), 0xffffff00u,
                              net::ip4(10, 1, 0, 1)),
              -err::kEINVAL);
}

TEST(Ipv4, RoutingOnLinkGatewayLoopback) {
    sim::World w;
    Route r;
    ASSERT_EQ(ip_route(w.stack(0), w.addr(1), &r), 0);
    EXPECT_EQ(r.nexthop, w.addr(1));
    EXPECT_EQ(r.src, w.addr(0));
    ASSERT_EQ(ip_route(w.stack(0), net::ip4(8, 8, 8, 8), &r), 0);
    EXPECT_EQ(r.nexthop, net::ip4(10, 0, 0, 254));
    ASSERT_EQ(ip_route(w.stack(0), net::ip4(127, 1, 2, 3), &r), 0);
    EXPECT_EQ(r.iface->dev, &w.stack(0).lo);
    ASSERT_EQ(ip_route(w.stack(0), w.addr(0), &r), 0);
    EXPECT_EQ(r.iface->dev, &w.stack(0).lo);
    // No gateway: unreachable.
    stack_configure(w.stack(0), "eth0", w.addr(0), 0xffffff00u, 0);
    EXPECT_EQ(ip_route(w.stack(0), net::ip4(8, 8, 8, 8), &r), -err::kENETUNREACH);
}

TEST(Icmp, PingAnsweredAndHostileIpDropped) {
    sim::World w;
    w.record = true;
    // Teach node 0 the sender's MAC through its request path: a ping from 10.0.0.9.
    auto req = echo_request(net::ip4(10, 0, 0, 9), w.addr(0), 56);
    w.inject(0, frame_to(w, req));
    w.run_for(1'000'000);
    EXPECT_EQ(w.stack(0).stats.icmp.in_echos, 1u);
    EXPECT_EQ(w.stack(0).stats.icmp.out_echo_reps, 1u);
    // The reply waits for ARP (10.0.0.9 unknown): an ARP request went out.
    bool asked = false;
    for (auto& f : w.sent) asked |= load16(&f.bytes[12]) == kEtherTypeArp;
    EXPECT_TRUE(asked);
    // Fragments, bad checksums, lies: counted, never answered.
    auto frag = req;
    store16(&frag[6], 0x2000);
    store16(&frag[10], 0);
    store16(&frag[10], ip_checksum(frag.data(), 20));
    w.inject(0, frame_to(w, frag));
    EXPECT_EQ(w.stack(0).stats.ip.reasm_fails, 1u);
    auto bad = req;
    bad[10] ^= 1;
    w.inject(0, frame_to(w, bad));
    EXPECT_EQ(w.stack(0).stats.ip.in_hdr_errors, 1u);
    auto badicmp = req;
    badicmp[30] ^= 1;
    w.inject(0, frame_to(w, badicmp));
    EXPECT_EQ(w.stack(0).stats.icmp.in_csum_errors, 1u);
    for (size_t n = 0; n < req.size(); ++n) {
        std::vector<uint8_t> cut(req.begin(), req.begin() + long(n));
        w.inject(0, frame_to(w, cut));
    }
    auto other = echo_request(net::ip4(10, 0, 0, 9), net::ip4(10, 0, 0, 99), 8);
    w.inject(0, frame_to(w, other));
    EXPECT_GE(w.stack(0).stats.ip.in_addr_errors, 1u);
    auto martian = echo_request(net::ip4(127, 0, 0, 1), w.addr(0), 8);
    w.inject(0, frame_to(w, martian));
    EXPECT_GE(w.stack(0).stats.ip.in_addr_errors, 2u);
    EXPECT_EQ(w.stack(0).stats.icmp.in_echos, 1u);
    // Ping over loopback.
    EXPECT_EQ(icmp_send_echo(w.stack(0), net::ip4(127, 0, 0, 1), 5, 1, "lo", 2), 0);
    EXPECT_EQ(w.stack(0).stats.icmp.in_echo_reps, 1u);
}

TEST(Udp, SendRecvConnectBindRules) {
    sim::World w;
    UdpSock *a, *b, *c;
    ASSERT_EQ(udp_create(w.stack(0), &a), 0);
    ASSERT_EQ(udp_create(w.stack(1), &b), 0);
    ASSERT_EQ(udp_bind(b, SockAddr{0, 5000}), 0);
    ASSERT_EQ(udp_create(w.stack(1), &c), 0);
    EXPECT_EQ(udp_bind(c, SockAddr{0, 5000}), -err::kEADDRINUSE);
    EXPECT_EQ(udp_bind(c, SockAddr{net::ip4(10, 9, 9, 9), 0}), -err::kEADDRNOTAVAIL);
    SockAddr to{w.addr(1), 5000};
    EXPECT_EQ(udp_send(a, nullptr, "x"), -err::kEDESTADDRREQ);
    EXPECT_EQ(udp_send(a, &to, "hello"), 5);
    SockAddr local;
    udp_getsockname(a, &local);
    EXPECT_GE(local.port, kEphemeralLow);
    EXPECT_LE(local.port, kEphemeralHigh);
    EXPECT_EQ(udp_poll(b) & kPollIn, 0u);
    w.run_for(10'000'000);
    EXPECT_EQ(udp_poll(b) & kPollIn, kPollIn);
    SockAddr from;
    EXPECT_EQ(udp_recv(b, &from), "hello");
    EXPECT_EQ(from.addr, w.addr(0));
    EXPECT_EQ(from.port, local.port);
    EXPECT_EQ(udp_recv(b, &from), "<-11>");
    // Truncation reported; MSG_PEEK keeps the datagram.
    udp_send(a, &to, "0123456789");
    w.run_for(10'000'000);
    std::string buf(4, '\0');
    sim::Dst d{reinterpret_cast<uint8_t*>(buf.data())};
    int flags = 0;
    EXPECT_EQ(udp_recvfrom(b, sim::copy_out, &d, 4, kMsgPeek, nullptr, &flags), 4);
    EXPECT_EQ(udp_pending(b), 10u);
    EXPECT_EQ(udp_recvfrom(b, sim::copy_out, &d, 4, kMsgTrunc, nullptr, &flags), 10);
    EXPECT_EQ(flags, kMsgTrunc);
    EXPECT_EQ(buf, "0123");
    // Too big for one frame (no fragmentation).
    EXPECT_EQ(udp_send(a, &to, std::string(1473, 'x')), -err::kEMSGSIZE);
    EXPECT_EQ(udp_send(a, &to, std::string(1472, 'x')), 1472);
    // Connected: datagrams from elsewhere are not delivered to it.
    SockAddr peer{w.addr(0), local.port};
    ASSERT_EQ(udp_connect(b, &peer), 0);
    w.run_for(10'000'000);
    EXPECT_EQ(udp_recv(b, &from).size(), 1472u);
    // Port unreachable for a closed port.
    SockAddr closed{w.addr(1), 9};
    udp_send(a, &closed, "?");
    w.run_for(10'000'000);
    EXPECT_EQ(w.stack(1).stats.udp.no_ports, 1u);
    EXPECT_EQ(w.stack(0).stats.icmp.in_dest_unreachs, 1u);
    udp_close(a);
    udp_close(b);
    udp_close(c);
}

TEST(Udp, ReceiveQueueBoundedAndChecksumsVerified) {
    sim::World w;
    UdpSock *a, *b;
    udp_create(w.stack(0), &a);
    udp_create(w.stack(1), &b);
    udp_setsockopt(b, kSolSocket, kSoRcvBuf, 4096);  // 8192 after Linux's doubling
    int v = 0;
    udp_getsockopt(b, kSolSocket, kSoRcvBuf, &v);
    EXPECT_EQ(v, 8192);
    udp_bind(b, SockAddr{0, 7});
    SockAddr to{w.addr(1), 7};
    SockAddr from;
    udp_send(a, &to, "resolve");  // ARP first: its queue holds only 4 frames
    w.run_for(10'000'000);
    EXPECT_EQ(udp_recv(b, &from), "resolve");
    for (int i = 0; i < 50; ++i) udp_send(a, &to, std::string(1000, char('a' + i % 26)));
    w.run_for(50'000'000);
    EXPECT_GT(w.stack(1).stats.udp.rcvbuf_errors, 0u);
    int got = 0;
    while (udp_recv(b, &from)[0] != '<') ++got;
    EXPECT_EQ(got, 6);  // 6 * (1000 + 256) <= 8192
    // A corrupted datagram is dropped by its checksum.
    w.filter = [](const sim::Frame& f) {
        auto& bytes = const_cast<std::vector<uint8_t>&>(f.bytes);
        if (bytes.size() > 50 && bytes[23] == kProtoUdp) bytes[45] ^= 0x55;
        return true;
    };
    udp_send(a, &to, "corrupt me");
    w.run_for(10'000'000);
    EXPECT_EQ(w.stack(1).stats.udp.in_csum_errors, 1u);
    udp_close(a);
    udp_close(b);
}

TEST(Udp, LoopbackAndOffloadedChecksums) {
    sim::World w(2, kOffloadTxCsum | kOffloadRxCsum);
    UdpSock *a, *b;
    udp_create(w.stack(0), &a);
    udp_create(w.stack(0), &b);
    udp_bind(b, SockAddr{net::ip4(127, 0, 0, 1), 53});
    SockAddr to{net::ip4(127, 0, 0, 1), 53};
    EXPECT_EQ(udp_send(a, &to, std::string(30000, 'L')), 30000);  // lo: MTU 65535
    SockAddr from;
    EXPECT_EQ(udp_recv(b, &from, 65536).size(), 30000u);
    EXPECT_EQ(from.addr, net::ip4(127, 0, 0, 1));
    // Across the link with checksum offload: the frame carries NEEDS_CSUM and the peer (also
    // offloading) accepts it; a peer without offload gets it completed by the "host".
    UdpSock* c;
    udp_create(w.stack(1), &c);
    udp_bind(c, SockAddr{0, 99});
    w.record = true;
    SockAddr far{w.addr(1), 99};
    udp_send(a, &far, "offloaded");
    w.run_for(10'000'000);
    ASSERT_FALSE(w.sent.empty());
    EXPECT_EQ(w.sent.back().vh.flags, kHdrNeedsCsum);
    EXPECT_EQ(w.sent.back().vh.csum_start, 34);
    EXPECT_EQ(w.sent.back().vh.csum_offset, 6);
    EXPECT_EQ(udp_recv(c, &from), "offloaded");
    w.dev(1).offloads = 0;
    udp_send(a, &far, "completed");
    w.run_for(10'000'000);
    EXPECT_EQ(udp_recv(c, &from), "completed");
    EXPECT_EQ(w.stack(1).stats.udp.in_csum_errors, 0u);
    udp_close(a);
    udp_close(b);
    udp_close(c);
}

TEST(Proc, SnmpDevAndSocketTables) {
    sim::World w;
    UdpSock* u;
    udp_create(w.stack(0), &u);
    udp_bind(u, SockAddr{net::ip4(127, 0, 0, 1), 0x35});
    char buf[8192];
    proc_net_udp(w.stack(0), buf, sizeof(buf));
    EXPECT_NE(strstr(buf, "0100007F:0035 00000000:0000 07"), nullptr) << buf;
    proc_net_snmp(w.stack(0), buf, sizeof(buf));
    EXPECT_NE(strstr(buf, "Tcp: RtoAlgorithm RtoMin RtoMax MaxConn"), nullptr);
    EXPECT_NE(strstr(buf, "Tcp: 1 200 120000 -1 "), nullptr) << buf;
    EXPECT_NE(strstr(buf, "Udp: InDatagrams"), nullptr);
    proc_net_dev(w.stack(0), buf, sizeof(buf));
    EXPECT_NE(strstr(buf, "    lo:"), nullptr) << buf;
    EXPECT_NE(strstr(buf, "  eth0:"), nullptr) << buf;
    // Truncation is safe.
    size_t n = proc_net_snmp(w.stack(0), buf, 10);
    EXPECT_LT(n, 10u);
    EXPECT_EQ(buf[n], '\0');
    udp_close(u);
}

// Raw ICMP sockets (ping): a message the caller built goes out in an IPv4 header; every ICMP
// datagram received is copied, header included, into each raw socket's bounded queue.
TEST(Raw, IcmpEchoThroughARawSocketAndABoundedQueue) {
    sim::World w;
    RawSock* r = nullptr;
    EXPECT_EQ(raw_create(w.stack(0), 17, &r), -err::kEPROTONOSUPPORT);
    ASSERT_EQ(raw_create(w.stack(0), kProtoIcmp, &r), 0);
    // An echo request with its checksum, as ping builds it.
    std::string msg = std::string("\x08\x00\x00\x00\x12\x34\x00\x01", 8) + "payload!";
    Csum c;
    c.add(msg.data(), msg.size());
    const uint16_t sum = c.finish();
    msg[2] = char(sum >> 8);
    msg[3] = char(sum & 0xff);
    sim::Src src{reinterpret_cast<const uint8_t*>(msg.data())};
    const SockAddr to{w.addr(1), 0};
    EXPECT_EQ(raw_sendto(r, nullptr, sim::copy_in, &src, msg.size()), -err::kEDESTADDRREQ);
    EXPECT_EQ(raw_sendto(r, &to, sim::copy_in, &src, 4), -err::kEINVAL);
    EXPECT_EQ(raw_sendto(r, &to, sim::copy_in, &src, msg.size()), long(msg.size()));
    w.run_for(10'000'000);
    EXPECT_EQ(w.stack(1).stats.icmp.in_echos, 1u);
    ASSERT_EQ(raw_poll(r) & kPollIn, kPollIn);
    std::string buf(256, '\0');
    sim::Dst d{reinterpret_cast<uint8_t*>(buf.data())};
    SockAddr from{};
    int flags = 0;
    const long n = raw_recvfrom(r, sim::copy_out, &d, buf.size(), 0, &from, &flags);
    ASSERT_EQ(n, long(20 + msg.size()));  // IP header + the echo reply
    EXPECT_EQ(from.addr, w.addr(1));
    EXPECT_EQ(uint8_t(buf[0]), 0x45);
    EXPECT_EQ(uint8_t(buf[9]), kProtoIcmp);
    EXPECT_EQ(uint8_t(buf[20]), kIcmpEchoReply);
    EXPECT_EQ(buf.substr(24, 4), std::string("\x12\x34\x00\x01", 4));
    EXPECT_EQ(buf.substr(28, 8), "payload!");
    EXPECT_EQ(raw_recvfrom(r, sim::copy_out, &d, buf.size(), 0, &from, &flags), -err::kEAGAIN);
    // More replies than the queue holds: 64 kept, the rest dropped, nothing leaks.
    for (int i = 0; i < 80; ++i) raw_sendto(r, &to, sim::copy_in, &src, msg.size());
    w.run_for(50'000'000);
    EXPECT_EQ(r->rxq.count, kRawQueueMax);
    EXPECT_EQ(r->drops, 16u);
    // Truncation: the datagram's length with MSG_TRUNC.
    EXPECT_EQ(raw_recvfrom(r, sim::copy_out, &d, 10, kMsgTrunc, &from, &flags),
              long(20 + msg.size()));
    EXPECT_EQ(flags, kMsgTrunc);
    const size_t before = guest_net_test::live_blocks();
    raw_close(r);
    EXPECT_LT(guest_net_test::live_blocks(), before);
}
