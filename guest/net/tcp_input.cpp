// TCP input: demultiplexing, LISTEN (SYN queue, accept queue), SYN_SENT, and the synchronized
// states with RFC 9293's segment processing order, RFC 5961's RST/SYN/ACK checks, ACK
// processing with RTT sampling and NewReno (RFC 5681/6582), out-of-order placement into the
// receive ring, delayed ACKs and FIN handling.
#include "kernel/string.hpp"
#include "net/stack.hpp"
#include "net/tcp.hpp"

namespace net {
namespace {

constexpr uint32_t kMaxCwnd = 64u << 20;

uint8_t wscale_for(uint32_t buf) {
    uint8_t ws = 0;
    while ((buf >> ws) > 0xffff && ws < 14) ++ws;
    return ws;
}

uint32_t route_mss(Stack& s, uint32_t dst) {
    Route r;
    if (ip_route(s, dst, &r) < 0) return kTcpDefaultMss;
    return uint32_t(r.iface->dev->mtu) - kIpHdrLen - kTcpHdrLen;
}

// MSS and window scaling from the peer's SYN (RFC 9293 3.7.1, RFC 7323 2.2).
void take_syn_options(Stack& s, TcpSock* t, const TcpSegment& seg, bool we_offered_ws) {
    uint32_t peer = seg.opt.has_mss ? seg.opt.mss : kTcpDefaultMss;
    if (peer < 48) peer = 48;
    t->adv_mss = route_mss(s, t->remote.addr);
    if (t->user_mss != 0 && t->user_mss < t->adv_mss) t->adv_mss = t->user_mss;
    t->mss = peer < t->adv_mss ? peer : t->adv_mss;
    if (seg.opt.has_wscale && we_offered_ws) {
        t->ws_ok = true;
        t->snd_wscale = seg.opt.wscale;
    } else {
        t->ws_ok = false;
        t->snd_wscale = 0;
        t->rcv_wscale = 0;
    }
}

void init_congestion(TcpSock* t) {
    t->cwnd = kTcpInitCwndSegs * t->mss;
    t->ssthresh = 0x7fffffff;
    t->recover = t->snd_una;
    t->dupacks = 0;
    t->in_recovery = false;
}

void keepalive_rearm(Stack& s, TcpSock* t) {
    t->keep_probes = 0;
    if (t->keepalive && (t->state == TcpState::Established || t->state == TcpState::CloseWait)) {
        t->t_keepalive = s.now + uint64_t(t->keep_idle_s) * 1'000'000'000ull;
    }
}

void listen_input(Stack& s, TcpSock* l, const Ipv4Packet& ip, const TcpSegment& seg) {
    if (seg.flags & kTcpRst) return;
    if (seg.flags & kTcpAck) {
        tcp_reset_reply(s, ip, seg);
        return;
    }
    if (!(seg.flags & kTcpSyn)) return;
    uint32_t synq_max = l->backlog < kTcpSynQueueMin ? kTcpSynQueueMin : l->backlog;
    if (synq_max > kTcpSynQueueMax) synq_max = kTcpSynQueueMax;
    if (l->acceptq_len >= l->backlog) {
        ++s.stats.tcp.listen_overflows;
        ++s.stats.tcp.listen_drops;
        return;
    }
    if (l->synq_len >= synq_max) {
        // SYN flood: drop the oldest embryonic connection (bounded memory, no cookies).
        ++s.stats.tcp.syn_queue_drops;
        tcp_done(s, l->synq_head);
    }
    TcpSock* c = tcp_alloc(s);
    if (c == nullptr) {
        ++s.stats.tcp.listen_drops;
        return;
    }
    c->keepalive = l->keepalive;
    c->nodelay = l->nodelay;
    c->sndbuf = l->sndbuf;
    c->rcvbuf = l->rcvbuf;
    c->user_mss = l->user_mss;
    c->keep_idle_s = l->keep_idle_s;
    c->keep_intvl_s = l->keep_intvl_s;
    c->keep_cnt = l->keep_cnt;
    c->linger = l->linger;
    c->linger_s = l->linger_s;
    c->local = SockAddr{ip.dst, seg.dport};
    c->remote = SockAddr{ip.src, seg.sport};
    c->bound = true;
    c->parent = l;
    c->irs = seg.seq;
    c->rcv_nxt = seg.seq + 1;
    c->rcv_wscale = wscale_for(c->rcvbuf);
    take_syn_options(s, c, seg, true);
    c->snd_wnd = seg.window;  // never scaled in a SYN
    c->max_sndwnd = c->snd_wnd;
    c->snd_wl1 = seg.seq;
    c->iss = tcp_isn(s, ip.dst, seg.dport, ip.src, seg.sport);
    c->snd_una = c->iss;
    c->snd_nxt = c->snd_max = c->iss + 1;
    c->snd_wl2 = c->iss;
    c->state = TcpState::SynRecv;
    tcp_list_add(s, c);
    tcp_queue_append(l->synq_head, l->synq_tail, l->synq_len, c);  // takes alloc's reference
    ++s.stats.tcp.passive_opens;
    tcp_send_syn(s, c);
    c->rtt_start = s.now;
    tcp_arm_rtx(s, c);
}

void establish(Stack& s, TcpSock* t, uint32_t ack, const TcpSegment& seg, bool scaled_window) {
    t->snd_una = ack;
    if (seq_lt(t->snd_nxt, ack)) t->snd_nxt = ack;
    t->snd_wnd = uint32_t(seg.window) << (scaled_window ? t->snd_wscale : 0);
    t->max_sndwnd = t->snd_wnd;
    t->snd_wl1 = seg.seq;
    t->snd_wl2 = ack;
    t->t_rtx = 0;
    if (t->retries == 0) tcp_rtt_sample(t, uint32_t((s.now - t->rtt_start) / 1000));
    t->retries = 0;
    init_congestion(t);
    tcp_set_state(s, t, TcpState::Established);
    keepalive_rearm(s, t);
}

void synsent_input(Stack& s, TcpSock* t, const Ipv4Packet& ip, const TcpSegment& seg) {
    bool ack = (seg.flags & kTcpAck) != 0;
    if (ack && (seq_le(seg.ack, t->iss) || seq_gt(seg.ack, t->snd_max))) {
        tcp_reset_reply(s, ip, seg);
        return;
    }
    if (seg.flags & kTcpRst) {
        if (ack) {
            ++s.stats.tcp.attempt_fails;
            tcp_abort(s, t, err::kECONNREFUSED);
        }
        return;
    }
    if (!(seg.flags & kTcpSyn)) return;
    t->irs = seg.seq;
    t->rcv_nxt = seg.seq + 1;
    // The window our SYN offered starts here (it was sent before rcv_nxt was known, so its
    // right edge could not be kept then): never more than the buffer, as the SYN said.
    const uint32_t syn_window = tcp_rcv_window(t);
    t->rcv_adv = t->rcv_nxt + (syn_window > 0xffff ? 0xffff : syn_window);
    take_syn_options(s, t, seg, true);
    if (ack) {
        if (!tcp_alloc_buffers(t)) {
            tcp_send_segment(s, t, seg.ack, 0, kTcpRst);
            ++s.stats.tcp.attempt_fails;
            tcp_abort(s, t, err::kENOMEM);
            return;
        }
        establish(s, t, seg.ack, seg, false);
        t->ack_now = true;
        tcp_output(s, t);
        return;
    }
    // Simultaneous open (RFC 9293 figure 7): SYN_RECEIVED, our SYN again with an ACK.
    t->snd_wnd = seg.window;
    t->snd_wl1 = seg.seq;
    t->state = TcpState::SynRecv;
    tcp_send_syn(s, t);
}

void ooo_add(TcpSock* t, uint32_t start, uint32_t end) {
    // Merge with every overlapping or touching range.
    for (uint32_t i = 0; i < t->ooo_count;) {
        OooRange& r = t->ooo[i];
        if (seq_le(start, r.end) && seq_le(r.start, end)) {
            if (seq_lt(r.start, start)) start = r.start;
            if (seq_gt(r.end, end)) end = r.end;
            r = t->ooo[--t->ooo_count];
            i = 0;
            continue;
        }
        ++i;
    }
    if (t->ooo_count < kTcpMaxOoo) t->ooo[t->ooo_count++] = OooRange{start, end};
}

// Takes in-order bytes that out-of-order ranges already hold. True if any range was used.
bool ooo_advance(TcpSock* t) {
    bool used = false;
    for (uint32_t i = 0; i < t->ooo_count;) {
        OooRange& r = t->ooo[i];
        if (seq_le(r.start, t->rcv_nxt)) {
            if (seq_gt(r.end, t->rcv_nxt)) {
                uint32_t n = r.end - t->rcv_nxt;
                t->rcvq.len += n;
                t->rcv_nxt = r.end;
                t->bytes_received += n;
            }
            r = t->ooo[--t->ooo_count];
            used = true;
            i = 0;
            continue;
        }
        ++i;
    }
    return used;
}

void deliver(Stack& s, TcpSock* t, uint32_t seq, const uint8_t* data, uint32_t len) {
    if (t->rcvq.buf == nullptr) return;
    uint32_t off = seq - t->rcv_nxt;
    uint32_t space = t->rcvq.space();
    if (off >= space) return;
    if (len > space - off) len = space - off;
    t->rcvq.write_at(t->rcvq.len + off, data, len);
    if (off == 0) {
        t->rcvq.len += len;
        t->rcv_nxt += len;
        t->bytes_received += len;
        if (ooo_advance(t)) t->ack_now = true;
        t->unacked_bytes += len;
        if (t->unacked_bytes >= 2 * t->adv_mss) {
            t->ack_now = true;
        } else if (t->t_delack == 0) {
            t->t_delack = s.now + kTcpDelAckNs;
            ++s.stats.tcp.delayed_acks;
        }
    } else {
        ++s.stats.tcp.ooo_segments;
        ooo_add(t, seq, seq + len);
        t->ack_now = true;  // a duplicate ACK tells the sender about the hole
    }
}

void on_new_ack(Stack& s, TcpSock* t, uint32_t ack) {
    uint32_t acked = ack - t->snd_una;
    uint32_t data = t->sndq.len;
    uint32_t data_acked = acked < data ? acked : data;
    if (t->fin_queued && acked > data) t->fin_acked = true;
    t->sndq.consume(data_acked);
    t->snd_una = ack;
    t->bytes_acked += data_acked;
    if (seq_lt(t->snd_nxt, ack)) t->snd_nxt = ack;
    if (t->rtt_active && seq_ge(ack, t->rtt_seq)) {
        tcp_rtt_sample(t, uint32_t((s.now - t->rtt_start) / 1000));
        t->rtt_active = false;
    }
    t->retries = 0;
    t->persist_backoff = 0;
    if (t->in_recovery) {
        if (seq_ge(ack, t->recover)) {
            // Full acknowledgement (RFC 6582 3.2 step 3).
            uint32_t flight = t->snd_max - t->snd_una;
            uint32_t f = (flight > t->mss ? flight : t->mss) + t->mss;
            t->cwnd = f < t->ssthresh ? f : t->ssthresh;
            t->in_recovery = false;
            t->dupacks = 0;
        } else {
            // Partial acknowledgement: the next hole is lost too.
            tcp_retransmit_head(s, t);
            t->cwnd = t->cwnd > acked ? t->cwnd - acked : 0;
            if (acked >= t->mss) t->cwnd += t->mss;
            if (t->cwnd < t->mss) t->cwnd = t->mss;
        }
    } else {
        t->dupacks = 0;
        if (t->cwnd < t->ssthresh) {
            t->cwnd += acked;  // slow start, counting every acknowledged byte (stretch ACKs)
        } else {
            t->ca_acked += acked;
            if (t->ca_acked >= t->cwnd) {
                t->ca_acked -= t->cwnd;
                t->cwnd += t->mss;
            }
        }
        if (t->cwnd > kMaxCwnd) t->cwnd = kMaxCwnd;
    }
    if (t->snd_una == t->snd_max) {
        t->t_rtx = 0;
    } else {
        tcp_arm_rtx(s, t);
    }
}

void on_dup_ack(Stack& s, TcpSock* t, uint32_t ack) {
    ++t->dupacks;
    if (t->in_recovery) {
        t->cwnd += t->mss;  // each duplicate means a segment left the network
        return;
    }
    if (t->dupacks == 3 && (seq_gt(ack - 1, t->recover) || t->recover == t->snd_una)) {
        uint32_t flight = t->snd_max - t->snd_una;
        t->ssthresh = flight / 2 > 2 * t->mss ? flight / 2 : 2 * t->mss;
        t->recover = t->snd_max;
        t->in_recovery = true;
        t->rtt_active = false;
        ++s.stats.tcp.fast_retransmits;
        tcp_retransmit_head(s, t);
        t->cwnd = t->ssthresh + 3 * t->mss;
        tcp_arm_rtx(s, t);
    }
}

// An ACK in answer to an invalid segment, at most one per 500 ms per connection for pure ACKs
// (RFC 5961 section 7; Linux's tcp_oow_rate_limited): two stacks that disagree about the
// sequence space would otherwise answer each other's ACKs forever.
void oow_ack(Stack& s, TcpSock* t, const TcpSegment& seg, bool challenge) {
    bool pure = seg.payload_len == 0 && !(seg.flags & (kTcpSyn | kTcpFin));
    if ((pure || challenge) && t->last_oow_ack != 0 &&
        s.now - t->last_oow_ack < kTcpInvalidRateNs) {
        return;
    }
    t->last_oow_ack = s.now;
    if (challenge) ++s.stats.tcp.challenge_acks;
    tcp_send_ack(s, t);
}

void synchronized_input(Stack& s, TcpSock* t, const Ipv4Packet& ip, TcpSegment seg) {
    const uint32_t orig_seq = seg.seq;
    uint32_t seglen =
        seg.payload_len + ((seg.flags & kTcpSyn) ? 1 : 0) + ((seg.flags & kTcpFin) ? 1 : 0);
    uint32_t wnd = seq_gt(t->rcv_adv, t->rcv_nxt) ? t->rcv_adv - t->rcv_nxt : 0;
    uint32_t avail = tcp_rcv_window(t);
    if (avail > wnd) wnd = avail;
    bool acceptable;
    if (seglen == 0) {
        acceptable = wnd == 0 ? seg.seq == t->rcv_nxt
                              : seq_ge(seg.seq, t->rcv_nxt) && seq_lt(seg.seq, t->rcv_nxt + wnd);
    } else if (wnd == 0) {
        acceptable = false;
        if (seg.seq == t->rcv_nxt) {  // RFC 9293: still take its ACK and RST
            acceptable = true;
            seg.payload_len = 0;
            seg.flags &= uint8_t(~(kTcpFin | kTcpSyn));
        }
    } else {
        uint32_t last = seg.seq + seglen - 1;
        acceptable = (seq_ge(seg.seq, t->rcv_nxt) && seq_lt(seg.seq, t->rcv_nxt + wnd)) ||
                     (seq_ge(last, t->rcv_nxt) && seq_lt(last, t->rcv_nxt + wnd));
    }
    if (!acceptable) {
        if (t->state == TcpState::SynRecv && (seg.flags & kTcpSyn) && seg.seq == t->irs) {
            tcp_send_syn(s, t);  // our SYN-ACK was lost
            return;
        }
        if (!(seg.flags & kTcpRst)) {
            if (t->state == TcpState::TimeWait && (seg.flags & kTcpFin)) {
                t->t_wait = s.now + 2 * kTcpMslNs;  // the peer did not get our last ACK
            }
            oow_ack(s, t, seg, false);
        }
        return;
    }
    // Trim what is before rcv_nxt and beyond the window.
    if (seq_lt(seg.seq, t->rcv_nxt)) {
        uint32_t d = t->rcv_nxt - seg.seq;
        if (seg.flags & kTcpSyn) {
            seg.flags &= uint8_t(~kTcpSyn);
            --d;
            ++seg.seq;
        }
        if (d > seg.payload_len) {
            seg.flags &= uint8_t(~kTcpFin);  // an old FIN
            d = seg.payload_len;
        }
        seg.payload += d;
        seg.payload_len -= d;
        seg.seq += d;
    }
    if (seq_gt(seg.seq + seg.payload_len, t->rcv_nxt + wnd)) {
        seg.payload_len = t->rcv_nxt + wnd - seg.seq;
        seg.flags &= uint8_t(~kTcpFin);
    }
    if (seg.flags & kTcpRst) {
        if (orig_seq != t->rcv_nxt) {  // RFC 5961 3.2: in the window but not exact
            oow_ack(s, t, seg, true);
            return;
        }
        switch (t->state) {
            case TcpState::SynRecv:
                if (t->parent != nullptr) {
                    tcp_done(s, t);
                } else {
                    tcp_abort(s, t, err::kECONNREFUSED);
                }
                return;
            case TcpState::Established:
            case TcpState::CloseWait:
                ++s.stats.tcp.estab_resets;
                tcp_abort(s, t, err::kECONNRESET);
                return;
            case TcpState::FinWait1:
            case TcpState::FinWait2:
                tcp_abort(s, t, err::kECONNRESET);
                return;
            default:
                tcp_done(s, t);
                return;
        }
    }
    if (seg.flags & kTcpSyn) {  // RFC 5961 4.2: a SYN in a synchronized state
        oow_ack(s, t, seg, true);
        return;
    }
    if (!(seg.flags & kTcpAck)) return;
    t->last_rcv = s.now;
    if (t->state == TcpState::SynRecv) {
        if (!seq_gt(seg.ack, t->snd_una) || seq_gt(seg.ack, t->snd_max)) {
            tcp_reset_reply(s, ip, seg);
            return;
        }
        TcpSock* parent = t->parent;
        if (parent != nullptr && parent->acceptq_len >= parent->backlog) {
            ++s.stats.tcp.listen_overflows;  // Linux: drop the ACK, the SYN-ACK is resent
            return;
        }
        if (!tcp_alloc_buffers(t)) {
            tcp_send_rst(s, t);
            tcp_done(s, t);
            return;
        }
        establish(s, t, seg.ack, seg, true);
        if (parent != nullptr) {
            // From the SYN queue to the accept queue: the queue's reference moves along.
            tcp_get(t);
            tcp_synq_remove(parent, t);
            t->parent = parent;
            t->in_accept_queue = true;
            tcp_queue_append(parent->acceptq_head, parent->acceptq_tail, parent->acceptq_len, t);
            tcp_wake(parent);
        }
    }
    if (seq_gt(seg.ack, t->snd_max)) {  // acknowledges what we never sent
        oow_ack(s, t, seg, false);
        return;
    }
    if (t->max_sndwnd != 0 && seq_lt(seg.ack, t->snd_una - t->max_sndwnd)) {
        oow_ack(s, t, seg, true);  // RFC 5961 5.2: far too old
        return;
    }
    keepalive_rearm(s, t);
    uint32_t new_wnd = uint32_t(seg.window) << t->snd_wscale;
    if (seq_gt(seg.ack, t->snd_una)) {
        on_new_ack(s, t, seg.ack);
        tcp_wake(t);
    } else if (seg.ack == t->snd_una && seg.payload_len == 0 && !(seg.flags & kTcpFin) &&
               new_wnd == t->snd_wnd && t->snd_max != t->snd_una) {
        on_dup_ack(s, t, seg.ack);
    }
    if (seq_lt(t->snd_wl1, seg.seq) || (t->snd_wl1 == seg.seq && seq_le(t->snd_wl2, seg.ack))) {
        t->snd_wnd = new_wnd;
        t->snd_wl1 = seg.seq;
        t->snd_wl2 = seg.ack;
        if (new_wnd > t->max_sndwnd) t->max_sndwnd = new_wnd;
        if (new_wnd != 0 && t->t_persist != 0) {
            t->t_persist = 0;
            t->persist_backoff = 0;
        }
    }
    switch (t->state) {
        case TcpState::FinWait1:
            if (t->fin_acked) {
                tcp_set_state(s, t, TcpState::FinWait2);
                if (t->user_closed) t->t_wait = s.now + kTcpFinTimeoutNs;
            }
            break;
        case TcpState::Closing:
            if (t->fin_acked) {
                tcp_enter_time_wait(s, t);
                return;
            }
            break;
        case TcpState::LastAck:
            if (t->fin_acked) {
                tcp_done(s, t);
                return;
            }
            break;
        case TcpState::TimeWait:
            if (seg.flags & kTcpFin) {
                t->t_wait = s.now + 2 * kTcpMslNs;
                tcp_send_ack(s, t);
            }
            return;
        default:
            break;
    }
    bool receiving = t->state == TcpState::Established || t->state == TcpState::FinWait1 ||
                     t->state == TcpState::FinWait2;
    if (seg.payload_len != 0 && receiving) {
        if (t->user_closed) {
            // Data for a closed socket: nobody will read it (Linux resets).
            tcp_send_rst(s, t);
            tcp_abort(s, t, err::kECONNRESET);
            return;
        }
        deliver(s, t, seg.seq, seg.payload, seg.payload_len);
        tcp_wake(t);
    }
    if ((seg.flags & kTcpFin) && receiving && seg.seq + seg.payload_len == t->rcv_nxt) {
        t->rcv_nxt += 1;
        t->fin_received = true;
        t->shutdown |= 1;
        t->ack_now = true;
        if (t->state == TcpState::Established) {
            tcp_set_state(s, t, TcpState::CloseWait);
            t->t_keepalive = 0;
            keepalive_rearm(s, t);
        } else if (t->state == TcpState::FinWait1) {
            tcp_set_state(s, t, TcpState::Closing);
        } else {
            tcp_send_ack(s, t);
            tcp_enter_time_wait(s, t);
            return;
        }
    }
    tcp_output(s, t);
}

}  // namespace

void tcp_rtt_sample(TcpSock* t, uint32_t r) {
    if (r == 0) r = 1;
    if (t->srtt_us == 0) {
        t->srtt_us = r;
        t->rttvar_us = r / 2;
    } else {
        uint32_t diff = t->srtt_us > r ? t->srtt_us - r : r - t->srtt_us;
        t->rttvar_us = (3 * t->rttvar_us + diff) / 4;
        t->srtt_us = (7 * t->srtt_us + r) / 8;
    }
    uint32_t var = 4 * t->rttvar_us;
    if (var < 1000) var = 1000;  // clock granularity G: 1 ms
    uint64_t rto = uint64_t(t->srtt_us) + var;
    if (rto < kTcpRtoMinUs) rto = kTcpRtoMinUs;
    if (rto > kTcpRtoMaxUs) rto = kTcpRtoMaxUs;
    t->rto_us = uint32_t(rto);
}

void tcp_input(Stack& s, const Ipv4Packet& ip, bool csum_ok) {
    ++s.stats.tcp.in_segs;
    TcpSegment seg;
    TcpError e = parse_tcp(ip.payload, ip.payload_len, ip.src, ip.dst, !csum_ok, &seg);
    if (e != TcpError::Ok) {
        ++s.stats.tcp.in_errs;
        if (e == TcpError::BadChecksum) ++s.stats.tcp.in_csum_errors;
        return;
    }
    TcpSock* t = tcp_lookup(s, ip.dst, seg.dport, ip.src, seg.sport);
    if (t == nullptr) {
        tcp_reset_reply(s, ip, seg);
        return;
    }
    tcp_get(t);
    switch (t->state) {
        case TcpState::Listen:
            listen_input(s, t, ip, seg);
            break;
        case TcpState::SynSent:
            synsent_input(s, t, ip, seg);
            break;
        default:
            synchronized_input(s, t, ip, seg);
            break;
    }
    tcp_put(t);
}

}  // namespace net
