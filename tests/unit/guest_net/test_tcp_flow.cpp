// TCP flow control and performance features: zero window and persist, window scaling, Nagle
// and delayed ACK, TSO send and aggregate receive, checksum offload, listen backlog, SYN
// flood, keep-alive, hostile segments.
#include <gtest/gtest.h>

#include "host_shims.hpp"
#include "net/ether.hpp"
#include "net/icmp.hpp"
#include "tcp_fixture.hpp"

using namespace net;
using sim::Pair;
using sim::World;

namespace {

constexpr uint64_t kSec = 1'000'000'000ull;

// A TCP segment from (src, sport) to node `to` of world `w`.
std::vector<uint8_t> forge(World& w, int to, uint32_t src, uint16_t sport, uint16_t dport,
                           uint32_t seq, uint32_t ack, uint8_t flags,
                           const std::vector<uint8_t>& opts = {}, size_t payload = 0) {
    size_t thl = 20 + opts.size();
    std::vector<uint8_t> f(34 + thl + payload, 0);
    MacAddr dst, s{{0x52, 0x54, 0, 0, 0, 0x99}};
    memcpy(dst.b, w.dev(to).mac, 6);
    write_ether(f.data(), dst, s, kEtherTypeIpv4);
    write_ipv4(&f[14], src, w.addr(to), kProtoTcp, uint16_t(20 + thl + payload), 1, 64);
    uint8_t* t = &f[34];
    store16(t, sport);
    store16(t + 2, dport);
    store32(t + 4, seq);
    store32(t + 8, ack);
    t[12] = uint8_t((thl / 4) << 4);
    t[13] = flags;
    store16(t + 14, 65535);
    if (!opts.empty()) memcpy(t + 20, opts.data(), opts.size());
    uint16_t ps = pseudo_sum(src, w.addr(to), kProtoTcp, uint32_t(thl + payload));
    store16(t + 16, uint16_t(~csum_partial(t, thl + payload, ps)));
    return f;
}

}  // namespace

TEST(TcpFlow, ZeroWindowPersistThenResume) {
    World w;
    Pair p;
    ASSERT_TRUE(sim::connect_pair(w, p));
    tcpt::Xfer x(p.client, p.server, 2 << 20, 11);
    x.read = false;
    w.run(
        [&] {
            x.step();
            return false;
        },
        30 * kSec);
    // The receiver's buffer is full (up to the window scale's granularity, 8 bytes).
    EXPECT_GE(tcp_readable(p.server), kTcpDefaultBuf - 8);
    EXPECT_EQ(p.client->snd_wnd, 0u);
    EXPECT_GT(w.stack(0).stats.tcp.persist_probes, 3u);
    EXPECT_LT(w.stack(0).stats.tcp.persist_probes, 40u);  // backed off
    EXPECT_EQ(p.client->state, TcpState::Established);
    x.read = true;
    ASSERT_TRUE(w.run([&] { return x.step(); }, 120 * kSec));
    EXPECT_TRUE(x.intact());
    sim::close_pair(p);
}

TEST(TcpFlow, WindowScalingLetsMoreThan64KInFlight) {
    World w;
    Pair p;
    ASSERT_TRUE(sim::connect_pair(w, p));
    EXPECT_TRUE(p.client->ws_ok);
    EXPECT_EQ(p.client->rcv_wscale, 3);  // 256 KiB buffers: 262144 >> 3 <= 65535
    tcpt::Xfer x(p.client, p.server, 1 << 20, 12);
    uint32_t max_flight = 0;
    ASSERT_TRUE(w.run(
        [&] {
            bool d = x.step();
            uint32_t f = p.client->snd_max - p.client->snd_una;
            if (f > max_flight) max_flight = f;
            return d;
        },
        60 * kSec));
    EXPECT_TRUE(x.intact());
    EXPECT_GT(p.client->max_sndwnd, 65535u);
    EXPECT_GT(max_flight, 65535u);
    sim::close_pair(p);
}

// The side that connects never offers more window than its receive buffer holds, whatever the
// peer's initial sequence number: the right edge of the SYN's window was once kept relative to
// the rcv_nxt of before the SYN-ACK (zero), so for about half of all peer ISNs the first ACK
// offered the largest scaled window (512 KiB for a 256 KiB buffer); a peer filling it lost the
// excess, retransmitted by timeouts and backed off for tens of seconds (a Go client in a domain
// downloading 2 MB stalled until its 30 s timeout).
TEST(TcpFlow, ConnectingSideNeverOffersMoreThanItsBuffer) {
    World w;
    w.record = true;
    int over = 0, bytes_checked = 0;
    for (uint16_t port = 1000; port < 1016; ++port) {
        Pair p;
        ASSERT_TRUE(sim::connect_pair(w, p, port));
        tcpt::Xfer x(p.server, p.client, 600 << 10, port);  // more than the client's buffer
        x.read = false;
        w.run(
            [&] {
                x.step();
                return false;
            },
            2 * kSec);
        EXPECT_LE(tcp_readable(p.client), p.client->rcvq.cap);
        // Every window the client offered, from its first ACK on, fits what it can hold.
        for (const sim::Frame& f : w.sent) {
            sim::TcpView v = sim::view_tcp(f.bytes);
            if (!v.ok || f.from != 0 || v.sport != p.client->local.port || (v.flags & kTcpSyn)) {
                continue;
            }
            uint32_t offered = uint32_t(v.window) << p.client->rcv_wscale;
            if (offered > p.client->rcvq.cap) ++over;
        }
        w.sent.clear();
        // Nothing the server sent was lost to the full buffer: once the client reads, the rest
        // arrives without a retransmission timeout.
        uint32_t rtos = w.stack(1).stats.tcp.timeouts;
        x.read = true;
        ASSERT_TRUE(w.run([&] { return x.step(); }, 10 * kSec)) << "port " << port;
        EXPECT_TRUE(x.intact());
        EXPECT_EQ(w.stack(1).stats.tcp.timeouts, rtos) << "port " << port;
        bytes_checked += int(x.got.size());
        sim::close_pair(p);
    }
    EXPECT_EQ(over, 0);
    EXPECT_EQ(bytes_checked, 16 * (600 << 10));
}

TEST(TcpFlow, NoWindowScalingWhenPeerDoesNotOffer) {
    World w;
    w.record = true;
    TcpSock* l;
    tcp_create(w.stack(1), &l);
    tcp_bind(l, SockAddr{0, 80});
    tcp_listen(l, 4);
    icmp_send_echo(w.stack(0), w.addr(1), 1, 1, "", 0);  // node 1 learns node 0's MAC
    w.run_for(10'000'000);
    w.sent.clear();
    // A SYN with MSS 1000 and no window scale.
    w.inject(1, forge(w, 1, w.addr(0), 4000, 80, 1000, 0, kTcpSyn, {2, 4, 0x03, 0xe8}));
    ASSERT_FALSE(w.sent.empty());
    auto v = sim::view_tcp(w.sent.back().bytes);
    ASSERT_TRUE(v.ok);
    EXPECT_EQ(v.flags, kTcpSyn | kTcpAck);
    EXPECT_EQ(v.ack, 1001u);
    const auto& b = w.sent.back().bytes;
    EXPECT_EQ(b[46] >> 4, 6);  // MSS only: 24-byte header
    TcpSock* child = l->synq_head;
    ASSERT_NE(child, nullptr);
    EXPECT_FALSE(child->ws_ok);
    EXPECT_EQ(child->mss, 1000u);
    tcp_close(l);
}

TEST(TcpFlow, NagleCoalescesAndNodelaySendsAtOnce) {
    World w;
    w.record = true;
    Pair p;
    ASSERT_TRUE(sim::connect_pair(w, p));
    auto data_segments = [&] {
        int n = 0;
        for (auto& f : w.sent) {
            auto v = sim::view_tcp(f.bytes);
            if (v.ok && f.from == 0 && v.payload_len > 0) ++n;
        }
        return n;
    };
    w.sent.clear();
    for (int i = 0; i < 10; ++i) sim::send_bytes(p.client, "abc", 3);
    EXPECT_EQ(data_segments(), 1);  // the rest waits for the ACK
    w.run([&] { return tcp_readable(p.server) == 30; }, kSec);
    EXPECT_EQ(data_segments(), 2);
    sim::recv_all(p.server);
    // The lone small segment was acknowledged after the delayed-ACK timer (40 ms).
    w.run([&] { return p.client->snd_una == p.client->snd_max; }, kSec);
    w.sent.clear();
    uint64_t t0 = sim::g_now;
    sim::send_bytes(p.client, "z", 1);
    uint64_t acked_at = 0;
    w.run(
        [&] {
            if (p.client->snd_una == p.client->snd_max && acked_at == 0) acked_at = sim::g_now;
            return acked_at != 0;
        },
        kSec);
    EXPECT_GE(acked_at - t0, 40'000'000u);
    EXPECT_LE(acked_at - t0, 42'000'000u);
    // TCP_NODELAY: every write goes at once.
    tcp_setsockopt(p.client, kIpProtoTcp, kTcpNoDelay, 1);
    w.sent.clear();
    for (int i = 0; i < 10; ++i) sim::send_bytes(p.client, "abc", 3);
    EXPECT_EQ(data_segments(), 10);
    sim::close_pair(p);
}

TEST(TcpFlow, DelayedAckEverySecondFullSegment) {
    World w;
    w.record = true;
    Pair p;
    ASSERT_TRUE(sim::connect_pair(w, p));
    tcpt::Xfer x(p.client, p.server, 200 * 1460, 13);
    ASSERT_TRUE(w.run([&] { return x.step(); }, 10 * kSec));
    int data = 0, acks = 0;
    for (auto& f : w.sent) {
        auto v = sim::view_tcp(f.bytes);
        if (!v.ok) continue;
        if (f.from == 0 && v.payload_len > 0) ++data;
        if (f.from == 1 && v.payload_len == 0 && !(v.flags & (kTcpSyn | kTcpFin))) ++acks;
    }
    EXPECT_GE(data, 200);
    EXPECT_LE(acks, data / 2 + 15);  // plus window updates as the reader drains
    EXPECT_GE(acks, data / 2 - 5);
    sim::close_pair(p);
}

TEST(TcpFlow, TsoSendHandsLargeSegmentsWithCorrectHeader) {
    // The sender offers TSO and checksum offload; the receiver takes neither: the "host"
    // segments and completes checksums, and the receiver verifies every one.
    World w(2, 0);
    w.dev(0).offloads = kOffloadTxCsum | kOffloadTso4;
    w.record = true;
    Pair p;
    ASSERT_TRUE(sim::connect_pair(w, p));
    tcpt::Xfer x(p.client, p.server, 4 << 20, 14);
    ASSERT_TRUE(w.run([&] { return x.step(); }, 60 * kSec));
    EXPECT_TRUE(x.intact());
    int gso = 0;
    for (auto& f : w.sent) {
        if (f.from != 0 || f.vh.gso_type != kGsoTcpV4) continue;
        ++gso;
        auto v = sim::view_tcp(f.bytes);
        ASSERT_TRUE(v.ok);
        EXPECT_GT(v.payload_len, 1460u);
        EXPECT_EQ(f.vh.gso_size, 1460);
        EXPECT_EQ(f.vh.hdr_len, 54);
        EXPECT_EQ(f.vh.flags, kHdrNeedsCsum);
        EXPECT_EQ(f.vh.csum_start, 34);
        EXPECT_EQ(f.vh.csum_offset, 16);
        EXPECT_EQ(v.ip_total + 14u, f.bytes.size());
        EXPECT_LE(f.bytes.size(), kMaxGsoFrame);
    }
    EXPECT_GT(gso, 10);
    EXPECT_EQ(w.stack(1).stats.tcp.in_csum_errors, 0u);
    EXPECT_GT(w.stack(1).stats.tcp.in_segs, uint64_t(gso));
    sim::close_pair(p);
}

TEST(TcpFlow, TsoAggregatesReceivedWhole) {
    // Both offer everything: 64 KiB segments cross the link unsegmented (as TAP with GRO).
    uint32_t all = kOffloadTxCsum | kOffloadTso4 | kOffloadRxCsum | kOffloadRxTso4;
    World w(2, all);
    Pair p;
    ASSERT_TRUE(sim::connect_pair(w, p));
    tcpt::Xfer up(p.client, p.server, 8 << 20, 15), down(p.server, p.client, 2 << 20, 16);
    uint64_t segs_before = w.stack(1).stats.tcp.in_segs;
    ASSERT_TRUE(w.run([&] { return up.step() & down.step(); }, 60 * kSec));
    EXPECT_TRUE(up.intact());
    EXPECT_TRUE(down.intact());
    // Far fewer than 8 MiB / 1460 segments arrived: each carried many MSS.
    EXPECT_LT(w.stack(1).stats.tcp.in_segs - segs_before, (8u << 20) / 1460 / 4);
    sim::close_pair(p);
}

TEST(TcpFlow, ListenBacklogOverflowThenRecovers) {
    World w;
    TcpSock* l;
    tcp_create(w.stack(1), &l);
    tcp_bind(l, SockAddr{0, 80});
    tcp_listen(l, 2);
    TcpSock* c[5];
    for (auto& t : c) {
        tcp_create(w.stack(0), &t);
        tcp_connect(t, SockAddr{w.addr(1), 80});
    }
    w.run_for(2 * kSec);
    EXPECT_EQ(l->acceptq_len, 2u);
    EXPECT_GT(w.stack(1).stats.tcp.listen_overflows, 0u);
    int accepted = 0;
    w.run(
        [&] {
            TcpSock* s;
            while (tcp_accept(l, &s, nullptr) == 0) {
                ++accepted;
                tcp_close(s);
            }
            return accepted == 5;
        },
        120 * kSec);
    EXPECT_EQ(accepted, 5);
    for (auto& t : c) tcp_close(t);
    tcp_close(l);
}

TEST(TcpFlow, SynFloodBoundedAndServiceContinues) {
    World w;
    TcpSock* l;
    tcp_create(w.stack(1), &l);
    tcp_bind(l, SockAddr{0, 80});
    tcp_listen(l, 128);
    size_t blocks = guest_net_test::live_blocks();
    for (uint32_t i = 0; i < 20000; ++i) {
        uint32_t src = ip4(10, 0, 0, uint8_t(100 + i % 100));
        w.inject(1, forge(w, 1, src, uint16_t(1024 + i), 80, i * 7919u, 0, kTcpSyn));
        ASSERT_LE(l->synq_len, 128u);
    }
    EXPECT_EQ(l->synq_len, 128u);
    EXPECT_GT(w.stack(1).stats.tcp.syn_queue_drops, 19000u);
    // Bounded memory: the SYN queue's sockets plus ARP's bounded queues.
    EXPECT_LT(guest_net_test::live_blocks() - blocks, 128u + 64u * 5u + 10u);
    // A real client still gets in.
    TcpSock *c, *s = nullptr;
    tcp_create(w.stack(0), &c);
    tcp_connect(c, SockAddr{w.addr(1), 80});
    w.run([&] { return tcp_accept(l, &s, nullptr) == 0; }, 10 * kSec);
    ASSERT_NE(s, nullptr);
    // The embryonic connections time out (SYN-ACK retries) and are freed.
    w.run_for(300 * kSec);
    EXPECT_EQ(l->synq_len, 0u);
    tcp_close(s);
    tcp_close(c);
    tcp_close(l);
}

TEST(TcpFlow, KeepAliveDetectsDeadPeer) {
    World w;
    Pair p;
    ASSERT_TRUE(sim::connect_pair(w, p));
    tcp_setsockopt(p.client, kIpProtoTcp, kTcpKeepIdle, 10);
    tcp_setsockopt(p.client, kIpProtoTcp, kTcpKeepIntvl, 2);
    tcp_setsockopt(p.client, kIpProtoTcp, kTcpKeepCnt, 3);
    tcp_setsockopt(p.client, kSolSocket, kSoKeepAlive, 1);
    // A live peer answers the probes: the connection stays.
    w.run_for(30 * kSec);
    EXPECT_EQ(p.client->state, TcpState::Established);
    EXPECT_GT(w.stack(0).stats.tcp.keepalive_probes, 0u);
    // The peer vanishes.
    w.filter = [](const sim::Frame& f) { return f.from != 1; };
    w.run([&] { return p.client->state == TcpState::Closed; }, 60 * kSec);
    EXPECT_EQ(p.client->state, TcpState::Closed);
    int e = 0;
    tcp_getsockopt(p.client, kSolSocket, kSoError, &e);
    EXPECT_EQ(e, err::kETIMEDOUT);
    sim::close_pair(p);
}

TEST(TcpFlow, HostileSegmentsNeverCrashNorLeak) {
    size_t blocks = guest_net_test::live_blocks();
    {
        World w;
        Pair p;
        ASSERT_TRUE(sim::connect_pair(w, p));
        std::mt19937 r(5);
        TcpSock* s = p.server;
        for (int i = 0; i < 20000; ++i) {
            uint8_t flags = uint8_t(r() & 0x3f);
            uint32_t seq = (r() & 1) ? s->rcv_nxt + (r() % 100000) - 50000 : r();
            uint32_t ack = (r() & 1) ? s->snd_nxt + (r() % 1000) - 500 : r();
            std::vector<uint8_t> opts;
            size_t on = (r() % 11) * 4;
            for (size_t k = 0; k < on; ++k) opts.push_back(uint8_t(r() % 10));
            uint16_t dport = (r() & 3) ? s->local.port : uint16_t(r());
            w.inject(
                1, forge(w, 1, w.addr(0), s->remote.port, dport, seq, ack, flags, opts, r() % 300));
            if (s->state == TcpState::Closed) break;
        }
        w.run_for(200 * kSec);
        sim::close_pair(p);
        w.run_for(200 * kSec);
    }
    EXPECT_EQ(guest_net_test::live_blocks(), blocks);
}

TEST(TcpFlow, OutOfMemoryDropsNeverCrashes) {
    World w;
    Pair p;
    ASSERT_TRUE(sim::connect_pair(w, p));
    tcpt::Xfer x(p.client, p.server, 1 << 20, 17);
    for (int round = 0; round < 20; ++round) {
        guest_net_test::fail_after(size_t(round % 3));
        w.run([&] { return x.step(); }, 100'000'000ull);
        guest_net_test::fail_never();
    }
    ASSERT_TRUE(w.run([&] { return x.step(); }, 300 * kSec));
    EXPECT_TRUE(x.intact());
    sim::close_pair(p);
    // New sockets fail cleanly.
    guest_net_test::fail_after(0);
    TcpSock* t = nullptr;
    EXPECT_EQ(tcp_create(w.stack(0), &t), -err::kENOMEM);
    UdpSock* u = nullptr;
    EXPECT_EQ(udp_create(w.stack(0), &u), -err::kENOMEM);
    guest_net_test::fail_never();
}
