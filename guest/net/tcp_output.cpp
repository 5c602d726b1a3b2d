// TCP output: segment building (headers, options, checksum or its offload, TSO), the send
// loop with the congestion and receive windows, Nagle (RFC 896) and sender-side silly window
// avoidance (RFC 1122 4.2.3.4), ACKs, probes and resets.
#include "kernel/string.hpp"
#include "net/checksum.hpp"
#include "net/stack.hpp"
#include "net/tcp.hpp"

namespace net {
namespace {

struct SegSpec {
    uint32_t src, dst;
    uint16_t sport, dport;
    uint32_t seq, ack;
    uint8_t flags;
    uint16_t window;
    const uint8_t* opts;
    uint32_t opt_len;  // a multiple of 4
    const ByteRing* ring;
    uint32_t ring_off;
    uint32_t len;
    uint32_t mss;  // for TSO
};

int xmit(Stack& s, const SegSpec& sp) {
    Route r;
    int rc = ip_route(s, sp.dst, &r);
    if (rc < 0) return rc;
    r.src = sp.src;
    TxFrame f{};
    uint8_t* h = f.head + kL4Off;
    uint32_t hl = kTcpHdrLen + sp.opt_len;
    store16(h, sp.sport);
    store16(h + 2, sp.dport);
    store32(h + 4, sp.seq);
    store32(h + 8, sp.ack);
    h[12] = uint8_t((hl / 4) << 4);
    h[13] = sp.flags;
    store16(h + 14, sp.window);
    store16(h + 16, 0);
    store16(h + 18, 0);
    if (sp.opt_len != 0) memcpy(h + kTcpHdrLen, sp.opts, sp.opt_len);
    f.l4_head_len = hl;
    f.npayload = sp.len != 0 ? sp.ring->pieces(sp.ring_off, sp.len, f.payload) : 0;
    f.payload_len = sp.len;
    uint32_t offloads = r.iface->dev->offloads;
    uint16_t ps = pseudo_sum(sp.src, sp.dst, kProtoTcp, hl + sp.len);
    bool gso = sp.len > sp.mss;
    if (gso && !(offloads & kOffloadTso4)) return -err::kEMSGSIZE;  // a caller's bug
    if (offloads & kOffloadTxCsum) {
        store16(h + 16, ps);
        f.vh.flags = kHdrNeedsCsum;
        f.vh.csum_start = kL4Off;
        f.vh.csum_offset = 16;
    } else {
        Csum c{ps, false};
        c.add(h, hl);
        for (uint32_t i = 0; i < f.npayload; ++i) c.add(f.payload[i].data, f.payload[i].len);
        store16(h + 16, c.finish());
    }
    if (gso) {
        f.vh.gso_type = kGsoTcpV4;
        f.vh.gso_size = uint16_t(sp.mss);
        f.vh.hdr_len = uint16_t(kL4Off + hl);
        ++s.stats.tcp.tso_segments;
    }
    rc = ip_output(s, r, sp.dst, kProtoTcp, f);
    if (rc != -err::kEAGAIN) ++s.stats.tcp.out_segs;
    return rc;
}

uint16_t window_field(Stack&, TcpSock* t, bool syn) {
    uint32_t w = tcp_rcv_window(t);
    if (syn) return uint16_t(w > 0xffff ? 0xffff : w);
    uint32_t edge = t->rcv_nxt + w;
    if (seq_lt(edge, t->rcv_adv)) w = t->rcv_adv - t->rcv_nxt;  // never shrink the window
    uint32_t field = w >> t->rcv_wscale;
    if (field > 0xffff) field = 0xffff;
    uint32_t new_edge = t->rcv_nxt + (field << t->rcv_wscale);
    if (seq_gt(new_edge, t->rcv_adv)) t->rcv_adv = new_edge;
    return uint16_t(field);
}

SegSpec spec_for(Stack& s, TcpSock* t, uint32_t seq, uint8_t flags) {
    SegSpec sp{};
    sp.src = t->local.addr;
    sp.dst = t->remote.addr;
    sp.sport = t->local.port;
    sp.dport = t->remote.port;
    sp.seq = seq;
    sp.ack = (flags & kTcpAck) ? t->rcv_nxt : 0;
    sp.flags = flags;
    sp.window = window_field(s, t, (flags & kTcpSyn) != 0);
    sp.mss = t->mss;
    return sp;
}

void acked_now(TcpSock* t) {
    t->t_delack = 0;
    t->unacked_bytes = 0;
    t->ack_now = false;
}

uint32_t max_segment(Stack& s, TcpSock* t) {
    Route r;
    if (ip_route(s, t->remote.addr, &r) == 0 && (r.iface->dev->offloads & kOffloadTso4) &&
        (r.iface->dev->offloads & kOffloadTxCsum)) {
        uint32_t n = kTcpMaxTso / t->mss;
        return n == 0 ? t->mss : n * t->mss;
    }
    return t->mss;
}

}  // namespace

uint32_t tcp_rcv_window(const TcpSock* t) {
    if (t->rcvq.buf == nullptr) return t->state == TcpState::Closed ? 0 : t->rcvbuf;
    return t->rcvq.space();
}

void tcp_arm_rtx(Stack& s, TcpSock* t) {
    t->t_rtx = s.now + uint64_t(t->rto_us) * 1000;
}

int tcp_send_segment(Stack& s, TcpSock* t, uint32_t seq, uint32_t len, uint8_t flags) {
    SegSpec sp = spec_for(s, t, seq, flags);
    if (len != 0) {
        sp.ring = &t->sndq;
        sp.ring_off = seq - t->snd_una;
        sp.len = len;
    }
    int rc = xmit(s, sp);
    if (rc != -err::kEAGAIN && (flags & kTcpAck)) acked_now(t);
    return rc;
}

void tcp_send_ack(Stack& s, TcpSock* t) {
    tcp_send_segment(s, t, t->snd_nxt, 0, kTcpAck);
}

void tcp_send_syn(Stack& s, TcpSock* t) {
    uint8_t flags = kTcpSyn;
    if (t->state == TcpState::SynRecv) flags |= kTcpAck;
    SegSpec sp = spec_for(s, t, t->iss, flags);
    uint8_t opts[8];
    store16(opts, 0x0204);
    store16(opts + 2, uint16_t(t->adv_mss));
    sp.opts = opts;
    sp.opt_len = 4;
    if (t->state == TcpState::SynSent || t->ws_ok) {
        opts[4] = 1;  // NOP
        opts[5] = 3;
        opts[6] = 3;
        opts[7] = t->rcv_wscale;
        sp.opt_len = 8;
    }
    xmit(s, sp);
    // Connecting, rcv_nxt is not known yet: the edge is set when the peer's SYN arrives.
    if (t->state != TcpState::SynSent) t->rcv_adv = t->rcv_nxt + sp.window;
}

void tcp_send_probe(Stack& s, TcpSock* t) {
    tcp_send_segment(s, t, t->snd_una - 1, 0, kTcpAck);
}

void tcp_send_rst(Stack& s, TcpSock* t) {
    if (t->state == TcpState::Closed || t->state == TcpState::Listen ||
        t->state == TcpState::SynSent || t->state == TcpState::TimeWait) {
        return;
    }
    ++s.stats.tcp.out_rsts;
    tcp_send_segment(s, t, t->snd_nxt, 0, kTcpRst | kTcpAck);
}

void tcp_reset_reply(Stack& s, const Ipv4Packet& ip, const TcpSegment& seg) {
    if (seg.flags & kTcpRst) return;
    SegSpec sp{};
    sp.src = ip.dst;
    sp.dst = ip.src;
    sp.sport = seg.dport;
    sp.dport = seg.sport;
    if (seg.flags & kTcpAck) {
        sp.seq = seg.ack;
        sp.flags = kTcpRst;
    } else {
        sp.ack = seg.seq + seg.payload_len + ((seg.flags & kTcpSyn) ? 1 : 0) +
                 ((seg.flags & kTcpFin) ? 1 : 0);
        sp.flags = kTcpRst | kTcpAck;
    }
    sp.mss = 0xffff;
    ++s.stats.tcp.out_rsts;
    xmit(s, sp);
}

// Sends the first unacknowledged segment again (fast retransmit, RTO, partial ACKs).
void tcp_retransmit_head(Stack& s, TcpSock* t) {
    uint32_t data = t->sndq.len;
    uint32_t len = data < t->mss ? data : t->mss;
    uint8_t flags = kTcpAck;
    uint32_t data_end = t->snd_una + data;
    if (t->fin_queued && len == data && seq_gt(t->snd_max, data_end)) flags |= kTcpFin;
    if (len == 0 && !(flags & kTcpFin)) return;
    if (len != 0 && len == data) flags |= kTcpPsh;
    ++t->retransmits;
    ++s.stats.tcp.retrans_segs;
    tcp_send_segment(s, t, t->snd_una, len, flags);
    uint32_t end = t->snd_una + len + ((flags & kTcpFin) ? 1 : 0);
    if (seq_lt(t->snd_nxt, end)) t->snd_nxt = end;
}

void tcp_output(Stack& s, TcpSock* t) {
    bool can_send = t->state == TcpState::Established || t->state == TcpState::CloseWait ||
                    t->state == TcpState::FinWait1 || t->state == TcpState::Closing ||
                    t->state == TcpState::LastAck;
    if (can_send && t->sndq.buf != nullptr && !t->fin_acked) {
        uint32_t data_end = t->snd_una + t->sndq.len;
        uint32_t max_seg = max_segment(s, t);
        for (;;) {
            uint32_t sent_off = t->snd_nxt - t->snd_una;
            bool fin_pending = t->fin_queued && seq_le(t->snd_nxt, data_end);
            uint32_t unsent = sent_off < t->sndq.len ? t->sndq.len - sent_off : 0;
            if (unsent == 0 && !fin_pending) break;
            uint32_t flight = t->snd_nxt - t->snd_una;
            uint32_t wnd = t->snd_wnd < t->cwnd ? t->snd_wnd : t->cwnd;
            uint32_t room = wnd > flight ? wnd - flight : 0;
            uint32_t len = unsent < room ? unsent : room;
            if (len > max_seg) len = max_seg;
            bool outstanding = t->snd_max != t->snd_una;
            if (len < unsent) {
                if (len < t->mss) {
                    // Sender SWS avoidance: a small segment only when it is at least half of
                    // the largest window the peer offered.
                    if (len == 0 || len < t->max_sndwnd / 2) break;
                } else {
                    len -= len % t->mss;
                }
            } else if (!t->nodelay && outstanding && !fin_pending) {
                // Nagle: a partial segment waits while data is unacknowledged.
                len -= len % t->mss;
                if (len == 0) break;
            }
            bool fin = fin_pending && len == unsent;
            if (len == 0 && !fin) break;
            uint8_t flags = kTcpAck;
            if (len != 0 && len == unsent) flags |= kTcpPsh;
            if (fin) flags |= kTcpFin;
            uint32_t seq = t->snd_nxt;
            bool fresh = seq == t->snd_max;
            int rc = tcp_send_segment(s, t, seq, len, flags);
            if (rc == -err::kEAGAIN) {
                s.tx_blocked = true;
                break;
            }
            if (fresh && !t->rtt_active && len != 0) {
                t->rtt_active = true;
                t->rtt_seq = seq + len;
                t->rtt_start = s.now;
            }
            if (!fresh) {
                ++t->retransmits;
                ++s.stats.tcp.retrans_segs;
            }
            t->snd_nxt = seq + len + (fin ? 1 : 0);
            if (seq_gt(t->snd_nxt, t->snd_max)) t->snd_max = t->snd_nxt;
            if (t->t_rtx == 0) tcp_arm_rtx(s, t);
            t->t_persist = 0;
        }
        // Data waiting, nothing in flight: the window (zero, or too small to be worth a
        // segment) holds it back. The persist timer probes or forces it out.
        uint32_t sent_off = t->snd_nxt - t->snd_una;
        bool waiting = sent_off < t->sndq.len || (t->fin_queued && seq_le(t->snd_nxt, data_end));
        if (waiting && t->snd_max == t->snd_una && t->t_persist == 0) {
            uint64_t iv = uint64_t(t->rto_us) * 1000
                          << (t->persist_backoff < 10 ? t->persist_backoff : 10);
            if (iv > 60'000'000'000ull) iv = 60'000'000'000ull;
            t->t_persist = s.now + iv;
            t->t_rtx = 0;
        }
    }
    if (t->ack_now && t->state != TcpState::Closed && t->state != TcpState::Listen &&
        t->state != TcpState::SynSent) {
        tcp_send_ack(s, t);
    }
}

}  // namespace net
