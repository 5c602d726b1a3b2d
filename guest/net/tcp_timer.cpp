// TCP timers, all driven by stack_tick: retransmission (RFC 6298 with exponential backoff;
// SYN and SYN-ACK retries), persist (zero-window probes with backoff), delayed ACK, keep-alive,
// and the end of TIME_WAIT and of an orphaned FIN_WAIT2. Each connection keeps absolute
// deadlines; the tick walks the connection list (O(connections) per tick).
#include "net/stack.hpp"
#include "net/tcp.hpp"

namespace net {
namespace {

constexpr uint64_t kNsPerS = 1'000'000'000ull;

bool due(const TcpSock* t, uint64_t now) {
    auto d = [now](uint64_t x) { return x != 0 && x <= now; };
    return d(t->t_rtx) || d(t->t_persist) || d(t->t_delack) || d(t->t_keepalive) || d(t->t_wait);
}

void backoff(TcpSock* t) {
    uint64_t rto = uint64_t(t->rto_us) * 2;
    t->rto_us = uint32_t(rto > kTcpRtoMaxUs ? kTcpRtoMaxUs : rto);
}

void on_rto(Stack& s, TcpSock* t) {
    t->t_rtx = 0;
    switch (t->state) {
        case TcpState::SynSent:
            if (++t->retries > kTcpSynRetries) {
                ++s.stats.tcp.attempt_fails;
                tcp_abort(s, t, err::kETIMEDOUT);
                return;
            }
            backoff(t);
            tcp_send_syn(s, t);
            tcp_arm_rtx(s, t);
            return;
        case TcpState::SynRecv:
            if (++t->retries > kTcpSynAckRetries) {
                if (t->parent != nullptr) {
                    tcp_done(s, t);
                } else {
                    tcp_abort(s, t, err::kETIMEDOUT);
                }
                return;
            }
            backoff(t);
            tcp_send_syn(s, t);
            tcp_arm_rtx(s, t);
            return;
        case TcpState::Established:
        case TcpState::CloseWait:
        case TcpState::FinWait1:
        case TcpState::Closing:
        case TcpState::LastAck:
            break;
        default:
            return;
    }
    if (t->snd_una == t->snd_max) return;
    if (++t->retries > kTcpRetries2) {
        tcp_abort(s, t, err::kETIMEDOUT);
        return;
    }
    ++s.stats.tcp.timeouts;
    uint32_t flight = t->snd_max - t->snd_una;
    t->ssthresh = flight / 2 > 2 * t->mss ? flight / 2 : 2 * t->mss;
    t->cwnd = t->mss;  // RFC 5681: the loss window
    t->ca_acked = 0;
    t->in_recovery = false;
    t->dupacks = 0;
    t->recover = t->snd_max;
    t->rtt_active = false;  // Karn: no sample from retransmitted data
    t->snd_nxt = t->snd_una;
    backoff(t);
    tcp_retransmit_head(s, t);  // even into a closed window: it doubles as a probe
    tcp_arm_rtx(s, t);
}

void on_persist(Stack& s, TcpSock* t) {
    t->t_persist = 0;
    if (t->sndq.buf == nullptr) return;
    uint32_t sent_off = t->snd_nxt - t->snd_una;
    uint32_t unsent = sent_off < t->sndq.len ? t->sndq.len - sent_off : 0;
    if (t->snd_wnd == 0 || unsent == 0) {
        ++s.stats.tcp.persist_probes;
        tcp_send_probe(s, t);
        ++t->persist_backoff;
    } else {
        // A window too small for the SWS rules: send what fits (RFC 1122's override timer).
        uint32_t len = unsent < t->snd_wnd ? unsent : t->snd_wnd;
        if (len > t->mss) len = t->mss;
        uint32_t seq = t->snd_nxt;
        if (tcp_send_segment(s, t, seq, len, kTcpAck | kTcpPsh) != -err::kEAGAIN) {
            t->snd_nxt = seq + len;
            if (seq_gt(t->snd_nxt, t->snd_max)) t->snd_max = t->snd_nxt;
            tcp_arm_rtx(s, t);
        }
    }
    tcp_output(s, t);
}

void on_keepalive(Stack& s, TcpSock* t) {
    t->t_keepalive = 0;
    if (!t->keepalive || (t->state != TcpState::Established && t->state != TcpState::CloseWait)) {
        return;
    }
    if (t->snd_max != t->snd_una) {  // retransmission watches the connection
        t->t_keepalive = s.now + uint64_t(t->keep_intvl_s) * kNsPerS;
        return;
    }
    if (t->keep_probes >= t->keep_cnt) {
        tcp_send_rst(s, t);
        tcp_abort(s, t, err::kETIMEDOUT);
        return;
    }
    ++t->keep_probes;
    ++s.stats.tcp.keepalive_probes;
    tcp_send_probe(s, t);
    t->t_keepalive = s.now + uint64_t(t->keep_intvl_s) * kNsPerS;
}

void run_timers(Stack& s, TcpSock* t) {
    uint64_t now = s.now;
    if (t->t_wait != 0 && t->t_wait <= now) {
        t->t_wait = 0;
        if (t->state == TcpState::TimeWait || t->state == TcpState::FinWait2) {
            tcp_done(s, t);
            return;
        }
    }
    if (t->t_rtx != 0 && t->t_rtx <= now) on_rto(s, t);
    if (!t->listed) return;
    if (t->t_persist != 0 && t->t_persist <= now) on_persist(s, t);
    if (t->t_delack != 0 && t->t_delack <= now) {
        t->t_delack = 0;
        t->ack_now = true;
        tcp_output(s, t);
    }
    if (t->t_keepalive != 0 && t->t_keepalive <= now) on_keepalive(s, t);
}

}  // namespace

void tcp_tick(Stack& s) {
    TcpSock* t = s.tcp_list;
    while (t != nullptr) {
        if (!due(t, s.now)) {
            t = t->next;
            continue;
        }
        tcp_get(t);
        run_timers(s, t);
        TcpSock* next = t->listed ? t->next : s.tcp_list;  // unlinked: start over
        tcp_put(t);
        t = next;
    }
}

uint64_t tcp_deadline(const Stack& s) {
    uint64_t d = UINT64_MAX;
    for (const TcpSock* t = s.tcp_list; t != nullptr; t = t->next) {
        const uint64_t timers[] = {t->t_rtx, t->t_persist, t->t_delack, t->t_keepalive, t->t_wait};
        for (uint64_t x : timers) {
            if (x != 0 && x < d) d = x;
        }
    }
    return d;
}

}  // namespace net
