// TCP through the simulated network: handshakes, data, close, TIME_WAIT, resets, loss.
#include <gtest/gtest.h>

#include "host_shims.hpp"
#include "tcp_fixture.hpp"

using namespace net;
using sim::Pair;
using sim::World;

namespace {

constexpr uint64_t kSec = 1'000'000'000ull;

int so_error(TcpSock* t) {
    int v = -1;
    tcp_getsockopt(t, kSolSocket, kSoError, &v);
    return v;
}

TcpState state_of(TcpSock* t) {
    return t->state;
}

}  // namespace

TEST(Tcp, HandshakeDataCloseTimeWaitNoLeak) {
    size_t blocks = guest_net_test::live_blocks();
    {
        World w;
        Pair p;
        ASSERT_TRUE(sim::connect_pair(w, p));
        EXPECT_EQ(state_of(p.client), TcpState::Established);
        EXPECT_EQ(state_of(p.server), TcpState::Established);
        SockAddr a;
        ASSERT_EQ(tcp_getpeername(p.server, &a), 0);
        EXPECT_EQ(a.addr, w.addr(0));
        ASSERT_EQ(tcp_getsockname(p.client, &a), 0);
        EXPECT_EQ(a.addr, w.addr(0));
        EXPECT_GE(a.port, kEphemeralLow);
        EXPECT_EQ(sim::send_bytes(p.client, "ping", 4), 4);
        w.run([&] { return tcp_readable(p.server) == 4; }, kSec);
        EXPECT_EQ(sim::recv_all(p.server), "ping");
        EXPECT_EQ(sim::send_bytes(p.server, "pong!", 5), 5);
        w.run([&] { return tcp_readable(p.client) == 5; }, kSec);
        char peek[8] = {};
        EXPECT_EQ(sim::recv_bytes(p.client, peek, 8, kMsgPeek), 5);
        EXPECT_EQ(sim::recv_all(p.client), "pong!");
        EXPECT_EQ(sim::recv_bytes(p.client, peek, 8), -err::kEAGAIN);
        // Active close by the client: FIN_WAIT -> TIME_WAIT; the server sees EOF.
        tcp_shutdown(p.client, kShutWr);
        EXPECT_EQ(sim::send_bytes(p.client, "x", 1), -err::kEPIPE);
        w.run([&] { return (tcp_poll(p.server) & kPollRdHup) != 0; }, kSec);
        EXPECT_EQ(sim::recv_bytes(p.server, peek, 8), 0);
        EXPECT_EQ(state_of(p.server), TcpState::CloseWait);
        tcp_close(p.server);
        p.server = nullptr;
        w.run([&] { return state_of(p.client) == TcpState::TimeWait; }, kSec);
        EXPECT_EQ(state_of(p.client), TcpState::TimeWait);
        EXPECT_EQ(tcp_poll(p.client) & (kPollHup | kPollIn), kPollHup | kPollIn);
        TcpSock* c = p.client;
        tcp_get(c);  // observe it after the handle is gone
        tcp_close(p.client);
        p.client = nullptr;
        w.run_for(59 * kSec);
        EXPECT_EQ(c->state, TcpState::TimeWait);
        EXPECT_EQ(w.stack(0).time_wait_count, 1u);
        w.run_for(2 * kSec);
        EXPECT_EQ(c->state, TcpState::Closed);
        EXPECT_EQ(w.stack(0).time_wait_count, 0u);
        tcp_put(c);
        EXPECT_EQ(w.stack(0).tcp_count, 0u);
        EXPECT_EQ(w.stack(1).tcp_count, 1u);  // the listener
        sim::close_pair(p);
    }
    EXPECT_EQ(guest_net_test::live_blocks(), blocks);
}

TEST(Tcp, BulkBothWaysChecksummed) {
    World w;
    Pair p;
    ASSERT_TRUE(sim::connect_pair(w, p));
    tcpt::Xfer up(p.client, p.server, 4 << 20, 1), down(p.server, p.client, 4 << 20, 2);
    ASSERT_TRUE(w.run([&] { return up.step() & down.step(); }, 120 * kSec));
    EXPECT_TRUE(up.intact());
    EXPECT_TRUE(down.intact());
    EXPECT_EQ(w.stack(0).stats.tcp.retrans_segs, 0u);
    sim::close_pair(p);
}

class TcpLoss : public ::testing::TestWithParam<double> {};

TEST_P(TcpLoss, SurvivesLossReorderDuplication) {
    World w(2, 0, 7);
    Pair p;
    ASSERT_TRUE(sim::connect_pair(w, p));
    w.loss = GetParam();
    w.dup = 0.02;
    w.reorder = 0.05;
    tcpt::Xfer up(p.client, p.server, 1 << 20, 3), down(p.server, p.client, 1 << 20, 4);
    ASSERT_TRUE(w.run([&] { return up.step() & down.step(); }, 600 * kSec));
    EXPECT_TRUE(up.intact());
    EXPECT_TRUE(down.intact());
    EXPECT_GT(w.stack(0).stats.tcp.retrans_segs + w.stack(1).stats.tcp.retrans_segs, 0u);
    sim::close_pair(p);
}

INSTANTIATE_TEST_SUITE_P(Loss, TcpLoss, ::testing::Values(0.05, 0.10, 0.20));

TEST(Tcp, FastRetransmitOnThreeDupAcks) {
    World w;
    Pair p;
    ASSERT_TRUE(sim::connect_pair(w, p));
    int data_segments = 0;
    w.filter = [&](const sim::Frame& f) {
        auto v = sim::view_tcp(f.bytes);
        if (v.ok && f.from == 0 && v.payload_len > 0 && ++data_segments == 5) return false;
        return true;
    };
    tcpt::Xfer up(p.client, p.server, 200000, 5);
    ASSERT_TRUE(w.run([&] { return up.step(); }, 30 * kSec));
    EXPECT_TRUE(up.intact());
    EXPECT_EQ(w.stack(0).stats.tcp.fast_retransmits, 1u);
    EXPECT_EQ(w.stack(0).stats.tcp.timeouts, 0u);
    sim::close_pair(p);
}

TEST(Tcp, RtoBacksOffExponentially) {
    World w;
    Pair p;
    ASSERT_TRUE(sim::connect_pair(w, p));
    std::vector<uint64_t> times;
    w.filter = [&](const sim::Frame& f) {
        auto v = sim::view_tcp(f.bytes);
        if (v.ok && f.from == 0 && v.payload_len > 0) {
            times.push_back(sim::g_now);
            return false;  // every data segment lost
        }
        return true;
    };
    EXPECT_EQ(sim::send_bytes(p.client, "lost", 4), 4);
    w.run_for(40 * kSec);
    ASSERT_GE(times.size(), 5u);
    for (size_t i = 2; i + 1 < times.size(); ++i) {
        double r = double(times[i + 1] - times[i]) / double(times[i] - times[i - 1]);
        EXPECT_NEAR(r, 2.0, 0.05) << i;
    }
    EXPECT_GE(times[1] - times[0], 200'000'000u);  // RTO >= 200 ms
    w.filter = nullptr;
    w.run([&] { return tcp_readable(p.server) == 4; }, 120 * kSec);
    EXPECT_EQ(sim::recv_all(p.server), "lost");
    sim::close_pair(p);
}

TEST(Tcp, GivesUpAfterRetriesWithEtimedout) {
    World w;
    Pair p;
    ASSERT_TRUE(sim::connect_pair(w, p));
    w.filter = [](const sim::Frame& f) { return f.from != 0; };
    sim::send_bytes(p.client, "x", 1);
    w.run([&] { return state_of(p.client) == TcpState::Closed; }, 3600 * kSec);
    EXPECT_EQ(state_of(p.client), TcpState::Closed);
    EXPECT_EQ(tcp_poll(p.client) & (kPollErr | kPollHup), kPollErr | kPollHup);
    EXPECT_EQ(so_error(p.client), err::kETIMEDOUT);
    EXPECT_EQ(so_error(p.client), 0);  // SO_ERROR clears
    sim::close_pair(p);
}

TEST(Tcp, ConnectRefusedAndSynTimeout) {
    World w;
    TcpSock* c;
    tcp_create(w.stack(0), &c);
    EXPECT_EQ(tcp_connect(c, SockAddr{w.addr(1), 81}), -err::kEINPROGRESS);
    EXPECT_EQ(tcp_connect(c, SockAddr{w.addr(1), 81}), -err::kEALREADY);
    w.run([&] { return (tcp_poll(c) & kPollErr) != 0; }, kSec);
    EXPECT_EQ(so_error(c), err::kECONNREFUSED);
    tcp_close(c);
    // Nobody answers at all: SYN retries, then ETIMEDOUT.
    tcp_create(w.stack(0), &c);
    w.filter = [](const sim::Frame& f) { return f.from != 0; };
    tcp_connect(c, SockAddr{w.addr(1), 81});
    w.run([&] { return (tcp_poll(c) & kPollErr) != 0; }, 600 * kSec);
    EXPECT_EQ(so_error(c), err::kETIMEDOUT);
    EXPECT_EQ(w.stack(0).stats.tcp.attempt_fails, 2u);
    tcp_close(c);
}

TEST(Tcp, CloseWithUnreadDataResetsPeer) {
    World w;
    Pair p;
    ASSERT_TRUE(sim::connect_pair(w, p));
    sim::send_bytes(p.client, "unread", 6);
    w.run([&] { return tcp_readable(p.server) == 6; }, kSec);
    tcp_close(p.server);
    p.server = nullptr;
    w.run([&] { return state_of(p.client) == TcpState::Closed; }, kSec);
    EXPECT_EQ(sim::send_bytes(p.client, "x", 1), -err::kECONNRESET);
    EXPECT_EQ(sim::send_bytes(p.client, "x", 1), -err::kEPIPE);
    EXPECT_EQ(sim::recv_bytes(p.client, nullptr, 0), 0);
    sim::close_pair(p);
}

TEST(Tcp, LingerZeroResets) {
    World w;
    Pair p;
    ASSERT_TRUE(sim::connect_pair(w, p));
    tcp_set_linger(p.client, true, 0);
    tcp_close(p.client);
    p.client = nullptr;
    w.run([&] { return state_of(p.server) == TcpState::Closed; }, kSec);
    char b[4];
    EXPECT_EQ(sim::recv_bytes(p.server, b, 4), -err::kECONNRESET);
    EXPECT_EQ(w.stack(0).time_wait_count, 0u);
    sim::close_pair(p);
}

TEST(Tcp, SimultaneousClose) {
    World w;
    Pair p;
    ASSERT_TRUE(sim::connect_pair(w, p));
    tcp_shutdown(p.client, kShutWr);
    tcp_shutdown(p.server, kShutWr);  // both FINs cross on the wire
    w.run_for(kSec);
    EXPECT_EQ(state_of(p.client), TcpState::TimeWait);
    EXPECT_EQ(state_of(p.server), TcpState::TimeWait);
    sim::close_pair(p);
    w.run_for(61 * kSec);
    EXPECT_EQ(w.stack(0).tcp_count, 0u);
    EXPECT_EQ(w.stack(1).tcp_count, 0u);
}

TEST(Tcp, RstChecksRfc5961) {
    World w;
    w.record = true;
    Pair p;
    ASSERT_TRUE(sim::connect_pair(w, p));
    TcpSock* s = p.server;
    // Forge segments from the client to the server with in-window but inexact RST, a SYN.
    auto forge = [&](uint32_t seq, uint8_t flags) {
        std::vector<uint8_t> f(54, 0);
        MacAddr dst, src;
        memcpy(dst.b, w.dev(1).mac, 6);
        memcpy(src.b, w.dev(0).mac, 6);
        memcpy(&f[0], dst.b, 6);
        memcpy(&f[6], src.b, 6);
        store16(&f[12], 0x0800);
        write_ipv4(&f[14], w.addr(0), w.addr(1), kProtoTcp, 40, 1, 64);
        uint8_t* t = &f[34];
        store16(t, s->remote.port);
        store16(t + 2, s->local.port);
        store32(t + 4, seq);
        store32(t + 8, s->snd_nxt);
        t[12] = 0x50;
        t[13] = flags;
        store16(t + 14, 1000);
        uint16_t ps = pseudo_sum(w.addr(0), w.addr(1), kProtoTcp, 20);
        store16(t + 16, uint16_t(~csum_partial(t, 20, ps)));
        w.inject(1, f);
    };
    forge(s->rcv_nxt + 100, kTcpRst);
    EXPECT_EQ(state_of(s), TcpState::Established);
    forge(s->rcv_nxt + 200, kTcpRst);  // within 500 ms: no second challenge (rate limit)
    EXPECT_EQ(w.stack(1).stats.tcp.challenge_acks, 1u);
    sim::g_now += kSec;
    forge(s->rcv_nxt, kTcpSyn);
    EXPECT_EQ(state_of(s), TcpState::Established);
    forge(s->rcv_nxt + 0x40000000u, kTcpRst);  // outside the window: ignored
    EXPECT_EQ(state_of(s), TcpState::Established);
    EXPECT_EQ(w.stack(1).stats.tcp.challenge_acks, 2u);
    forge(s->rcv_nxt, kTcpRst);  // exact: the connection is reset
    EXPECT_EQ(state_of(s), TcpState::Closed);
    EXPECT_EQ(so_error(s), err::kECONNRESET);
    sim::close_pair(p);
}

TEST(Tcp, BindReuseAddrAndTimeWait) {
    World w;
    TcpSock *a, *b;
    tcp_create(w.stack(1), &a);
    tcp_create(w.stack(1), &b);
    ASSERT_EQ(tcp_bind(a, SockAddr{0, 8080}), 0);
    EXPECT_EQ(tcp_bind(b, SockAddr{0, 8080}), -err::kEADDRINUSE);
    EXPECT_EQ(tcp_bind(b, SockAddr{ip4(10, 0, 0, 99), 8081}), -err::kEADDRNOTAVAIL);
    tcp_close(a);
    tcp_close(b);
    // A server that closes first leaves TIME_WAIT on its port: a new listener needs
    // SO_REUSEADDR.
    Pair p;
    ASSERT_TRUE(sim::connect_pair(w, p, 8080));
    tcp_close(p.listener);
    p.listener = nullptr;
    tcp_shutdown(p.server, kShutWr);
    w.run_for(kSec);
    sim::recv_all(p.client);
    tcp_close(p.client);
    p.client = nullptr;
    w.run_for(kSec);
    EXPECT_EQ(state_of(p.server), TcpState::TimeWait);
    tcp_create(w.stack(1), &a);
    EXPECT_EQ(tcp_bind(a, SockAddr{0, 8080}), -err::kEADDRINUSE);
    tcp_setsockopt(a, kSolSocket, kSoReuseAddr, 1);
    EXPECT_EQ(tcp_bind(a, SockAddr{0, 8080}), 0);
    EXPECT_EQ(tcp_listen(a, 5), 0);
    tcp_close(a);
    sim::close_pair(p);
}

TEST(Tcp, LoopbackBulk) {
    World w;
    TcpSock *l, *c, *s = nullptr;
    tcp_create(w.stack(0), &l);
    tcp_bind(l, SockAddr{ip4(127, 0, 0, 1), 7000});
    tcp_listen(l, 4);
    tcp_create(w.stack(0), &c);
    EXPECT_EQ(tcp_connect(c, SockAddr{0, 7000}), -err::kEINPROGRESS);  // 0.0.0.0 -> lo
    ASSERT_EQ(tcp_accept(l, &s, nullptr), 0);  // the handshake ran inside connect
    tcpt::Xfer up(c, s, 8 << 20, 9), down(s, c, 1 << 20, 10);
    ASSERT_TRUE(w.run([&] { return up.step() & down.step(); }, 60 * kSec));
    EXPECT_TRUE(up.intact()) << up.got.size() << " " << up.data.size();
    EXPECT_TRUE(down.intact()) << down.got.size() << " " << down.data.size();
    size_t first_diff = 0;
    while (first_diff < up.got.size() && up.got[first_diff] == up.data[first_diff]) ++first_diff;
    EXPECT_EQ(first_diff, up.got.size());
    EXPECT_EQ(c->mss, 65535u - 40u);
    tcp_close(c);
    tcp_close(s);
    tcp_close(l);
}
