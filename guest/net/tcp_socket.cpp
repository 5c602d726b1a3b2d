// The TCP socket API (tcp_socket.hpp): user calls on connections, all under the stack's lock.
#include "net/tcp_socket.hpp"

#include "net/stack.hpp"
#include "net/tcp.hpp"

namespace net {
namespace {

uint8_t wscale_for(uint32_t buf) {
    uint8_t ws = 0;
    while ((buf >> ws) > 0xffff && ws < 14) ++ws;
    return ws;
}

int take_error(TcpSock* t) {
    int e = t->error;
    t->error = 0;
    return -e;
}

bool synchronized(TcpState st) {
    return st != TcpState::Closed && st != TcpState::Listen && st != TcpState::SynSent &&
           st != TcpState::SynRecv;
}

// Queues the FIN (SHUT_WR): the state moves on and tcp_output sends it after the data.
void queue_fin(Stack& s, TcpSock* t) {
    if (t->fin_queued) return;
    switch (t->state) {
        case TcpState::Established:
        case TcpState::SynRecv:
            t->fin_queued = true;
            tcp_set_state(s, t, TcpState::FinWait1);
            break;
        case TcpState::CloseWait:
            t->fin_queued = true;
            tcp_set_state(s, t, TcpState::LastAck);
            break;
        default:
            return;
    }
    t->shutdown |= 2;
    tcp_output(s, t);
}

uint32_t poll_locked(TcpSock* t) {
    if (t->state == TcpState::Listen) {
        return t->acceptq_len != 0 ? (kPollIn | kPollRdNorm) : 0;
    }
    uint32_t m = 0;
    if (t->shutdown == 3 || t->state == TcpState::Closed) m |= kPollHup;
    if (t->shutdown & 1) m |= kPollIn | kPollRdNorm | kPollRdHup;
    if (t->state != TcpState::SynSent && t->state != TcpState::SynRecv) {
        if (t->rcvq.len != 0) m |= kPollIn | kPollRdNorm;
        if (!(t->shutdown & 2)) {
            if (synchronized(t->state) && t->sndq.buf != nullptr &&
                2 * t->sndq.space() >= t->sndq.len && t->sndq.space() != 0) {
                m |= kPollOut | kPollWrNorm;
            }
        } else {
            m |= kPollOut | kPollWrNorm;
        }
    }
    if (t->error != 0) m |= kPollErr;
    return m;
}

}  // namespace

int tcp_create(Stack& s, TcpSock** out) {
    StackGuard g(s);
    TcpSock* t = tcp_alloc(s);
    if (t == nullptr) return -err::kENOMEM;
    *out = t;
    return 0;
}

void tcp_set_notify(TcpSock* t, NotifyFn fn, void* ctx) {
    StackGuard g(*t->stack);
    t->notify = fn;
    t->notify_ctx = ctx;
}

int tcp_bind(TcpSock* t, const SockAddr& a) {
    Stack& s = *t->stack;
    StackGuard g(s);
    if (t->bound || t->state != TcpState::Closed) return -err::kEINVAL;
    if (a.addr != 0 && !is_local_addr(s, a.addr)) return -err::kEADDRNOTAVAIL;
    return tcp_bind_port(s, t, a.addr, a.port);
}

int tcp_listen(TcpSock* t, int backlog) {
    Stack& s = *t->stack;
    StackGuard g(s);
    if (t->state != TcpState::Closed && t->state != TcpState::Listen) return -err::kEINVAL;
    if (backlog < 1) backlog = 1;
    if (uint32_t(backlog) > kTcpMaxBacklog) backlog = int(kTcpMaxBacklog);
    if (!t->bound) {
        int rc = tcp_bind_port(s, t, 0, 0);
        if (rc < 0) return rc;
    } else if (!t->listed) {
        tcp_list_add(s, t);
    }
    // Another socket sharing the port through SO_REUSEADDR may not listen beside us.
    for (TcpSock* o = s.tcp_list; o != nullptr; o = o->next) {
        if (o != t && o->state == TcpState::Listen && o->local.port == t->local.port &&
            (o->local.addr == 0 || t->local.addr == 0 || o->local.addr == t->local.addr)) {
            return -err::kEADDRINUSE;
        }
    }
    t->backlog = uint32_t(backlog);
    t->state = TcpState::Listen;
    return 0;
}

int tcp_accept(TcpSock* t, TcpSock** out, SockAddr* peer) {
    StackGuard g(*t->stack);
    if (t->state != TcpState::Listen) return -err::kEINVAL;
    TcpSock* c = t->acceptq_head;
    if (c == nullptr) return -err::kEAGAIN;
    t->acceptq_head = c->qnext;
    if (t->acceptq_head == nullptr) t->acceptq_tail = nullptr;
    --t->acceptq_len;
    c->qnext = nullptr;
    c->parent = nullptr;
    c->in_accept_queue = false;
    if (peer != nullptr) *peer = c->remote;
    *out = c;  // the queue's reference becomes the handle's
    return 0;
}

int tcp_connect(TcpSock* t, const SockAddr& a) {
    Stack& s = *t->stack;
    StackGuard g(s);
    switch (t->state) {
        case TcpState::SynSent:
        case TcpState::SynRecv:
            return -err::kEALREADY;
        case TcpState::Closed:
            break;
        case TcpState::Listen:
            return -err::kEINVAL;
        default:
            return -err::kEISCONN;
    }
    if (t->sndq.buf != nullptr) return -err::kEISCONN;  // a finished connection: no reuse
    if (a.port == 0) return -err::kECONNREFUSED;
    SockAddr dst = a;
    if (dst.addr == 0) dst.addr = ip4(127, 0, 0, 1);  // Linux: INADDR_ANY means this host
    Route r;
    int rc = ip_route(s, dst.addr, &r);
    if (rc < 0) return rc;
    if (r.broadcast) return -err::kENETUNREACH;
    if (!t->bound) {
        rc = tcp_bind_port(s, t, r.src, 0);
        if (rc < 0) return rc;
    } else {
        if (t->local.addr == 0) t->local.addr = r.src;
        if (!t->listed) tcp_list_add(s, t);
    }
    TcpSock* other = tcp_lookup(s, t->local.addr, t->local.port, dst.addr, dst.port);
    if (other != nullptr && other != t && other->state != TcpState::Listen) {
        return -err::kEADDRNOTAVAIL;
    }
    t->remote = dst;
    t->error = 0;
    t->adv_mss = uint32_t(r.iface->dev->mtu) - kIpHdrLen - kTcpHdrLen;
    if (t->user_mss != 0 && t->user_mss < t->adv_mss) t->adv_mss = t->user_mss;
    t->rcv_wscale = wscale_for(t->rcvbuf);
    t->iss = tcp_isn(s, t->local.addr, t->local.port, dst.addr, dst.port);
    t->snd_una = t->iss;
    t->snd_nxt = t->snd_max = t->iss + 1;
    t->retries = 0;
    t->rto_us = kTcpRtoInitUs;
    t->state = TcpState::SynSent;
    ++s.stats.tcp.active_opens;
    tcp_send_syn(s, t);
    t->rtt_start = s.now;
    tcp_arm_rtx(s, t);
    return -err::kEINPROGRESS;
}

long tcp_send(TcpSock* t, CopyIn copy, void* ctx, size_t len, int) {
    Stack& s = *t->stack;
    StackGuard g(s);
    if (t->error != 0) return take_error(t);
    if ((t->shutdown & 2) || t->fin_queued) return -err::kEPIPE;
    if (t->state == TcpState::SynSent || t->state == TcpState::SynRecv) return -err::kEAGAIN;
    if (t->state != TcpState::Established && t->state != TcpState::CloseWait) {
        return -err::kEPIPE;
    }
    uint32_t space = t->sndq.space();
    if (space == 0) return -err::kEAGAIN;
    if (len == 0) return 0;
    uint32_t n = len < space ? uint32_t(len) : space;
    NetSeg p[2];
    uint32_t count = t->sndq.pieces(t->sndq.len, n, p);
    uint32_t done = 0;
    for (uint32_t i = 0; i < count; ++i) {
        int rc = copy(ctx, done, const_cast<void*>(p[i].data), p[i].len);
        if (rc < 0) {
            if (done == 0) return rc;
            break;
        }
        done += p[i].len;
    }
    t->sndq.len += done;
    tcp_output(s, t);
    return long(done);
}

long tcp_recv(TcpSock* t, CopyOut copy, void* ctx, size_t len, int flags) {
    Stack& s = *t->stack;
    StackGuard g(s);
    if (t->state == TcpState::Listen) return -err::kENOTCONN;
    uint32_t avail = t->rcvq.len;
    if (avail == 0) {
        if (t->error != 0) return take_error(t);
        if (t->shutdown & 1) return 0;
        if (t->state == TcpState::Closed) return t->rcvq.buf != nullptr ? 0 : -err::kENOTCONN;
        return -err::kEAGAIN;
    }
    if (len == 0) return 0;
    uint32_t n = len < avail ? uint32_t(len) : avail;
    NetSeg p[2];
    uint32_t count = t->rcvq.pieces(0, n, p);
    uint32_t done = 0;
    for (uint32_t i = 0; i < count; ++i) {
        int rc = copy(ctx, done, p[i].data, p[i].len);
        if (rc < 0) {
            if (done == 0) return rc;
            break;
        }
        done += p[i].len;
    }
    if (!(flags & kMsgPeek)) {
        uint32_t before = seq_gt(t->rcv_adv, t->rcv_nxt) ? t->rcv_adv - t->rcv_nxt : 0;
        t->rcvq.consume(done);
        uint32_t now_wnd = t->rcvq.space();
        uint32_t threshold = 2 * t->adv_mss;
        if (threshold > t->rcvq.cap / 2) threshold = t->rcvq.cap / 2;
        // Window update once the window grew enough to matter (receiver SWS avoidance).
        if (synchronized(t->state) && now_wnd > before && now_wnd - before >= threshold) {
            t->ack_now = true;
            tcp_output(s, t);
        }
    }
    return long(done);
}

int tcp_shutdown(TcpSock* t, int how) {
    Stack& s = *t->stack;
    StackGuard g(s);
    if (how < kShutRd || how > kShutRdWr) return -err::kEINVAL;
    if (t->state == TcpState::Closed || t->state == TcpState::SynSent ||
        t->state == TcpState::Listen) {
        if (t->state == TcpState::Listen && how != kShutWr) {
            tcp_done(s, t);  // Linux: shutting a listener's receive side stops it
            return 0;
        }
        return -err::kENOTCONN;
    }
    if (how != kShutWr) t->shutdown |= 1;
    if (how != kShutRd) queue_fin(s, t);
    tcp_wake(t);
    return 0;
}

void tcp_close(TcpSock* t) {
    Stack& s = *t->stack;
    StackGuard g(s);
    t->notify = nullptr;
    t->user_closed = true;
    if (t->state == TcpState::TimeWait) t->rcvq.release();
    switch (t->state) {
        case TcpState::Closed:
            tcp_list_remove(s, t);
            break;
        case TcpState::Listen:
        case TcpState::SynSent:
            tcp_done(s, t);
            break;
        case TcpState::Established:
        case TcpState::CloseWait:
        case TcpState::SynRecv:
            if (t->rcvq.len != 0 || (t->linger && t->linger_s == 0)) {
                tcp_send_rst(s, t);
                tcp_done(s, t);
                break;
            }
            queue_fin(s, t);
            break;
        case TcpState::FinWait2:
            if (t->linger && t->linger_s == 0) {
                tcp_send_rst(s, t);
                tcp_done(s, t);
                break;
            }
            t->t_wait = s.now + kTcpFinTimeoutNs;
            break;
        default:
            if (t->linger && t->linger_s == 0 && t->state != TcpState::TimeWait) {
                tcp_send_rst(s, t);
                tcp_done(s, t);
            }
            break;
    }
    tcp_put(t);
}

int tcp_getsockname(TcpSock* t, SockAddr* out) {
    StackGuard g(*t->stack);
    *out = t->bound ? t->local : SockAddr{0, 0};
    return 0;
}

int tcp_getpeername(TcpSock* t, SockAddr* out) {
    StackGuard g(*t->stack);
    if (t->state == TcpState::Closed || t->state == TcpState::Listen ||
        t->state == TcpState::SynSent) {
        return -err::kENOTCONN;
    }
    *out = t->remote;
    return 0;
}

int tcp_setsockopt(TcpSock* t, int level, int name, int value) {
    Stack& s = *t->stack;
    StackGuard g(s);
    if (level == kSolSocket) {
        switch (name) {
            case kSoReuseAddr:
                t->reuseaddr = value != 0;
                return 0;
            case kSoKeepAlive:
                t->keepalive = value != 0;
                if (t->keepalive && synchronized(t->state) && t->t_keepalive == 0) {
                    t->t_keepalive = s.now + uint64_t(t->keep_idle_s) * 1'000'000'000ull;
                } else if (!t->keepalive) {
                    t->t_keepalive = 0;
                }
                return 0;
            case kSoSndBuf:
            case kSoRcvBuf: {
                uint64_t v = value < 0 ? 0 : uint64_t(value) * 2;  // Linux doubles it
                if (v < kTcpMinBuf) v = kTcpMinBuf;
                if (v > kTcpMaxBuf) v = kTcpMaxBuf;
                // The rings are sized when the connection is established; later changes only
                // show in getsockopt.
                (name == kSoSndBuf ? t->sndbuf : t->rcvbuf) = uint32_t(v);
                return 0;
            }
            default:
                return -err::kENOPROTOOPT;
        }
    }
    if (level != kIpProtoTcp) return -err::kENOPROTOOPT;
    switch (name) {
        case kTcpNoDelay:
            t->nodelay = value != 0;
            if (t->nodelay) tcp_output(s, t);
            return 0;
        case kTcpMaxSeg:
            if (value != 0 && (value < 88 || value > 32767)) return -err::kEINVAL;
            t->user_mss = uint32_t(value);
            return 0;
        case kTcpKeepIdle:
        case kTcpKeepIntvl:
            if (value < 1 || value > 32767) return -err::kEINVAL;
            (name == kTcpKeepIdle ? t->keep_idle_s : t->keep_intvl_s) = uint32_t(value);
            return 0;
        case kTcpKeepCnt:
            if (value < 1 || value > 127) return -err::kEINVAL;
            t->keep_cnt = uint32_t(value);
            return 0;
        default:
            return -err::kENOPROTOOPT;
    }
}

int tcp_getsockopt(TcpSock* t, int level, int name, int* value) {
    StackGuard g(*t->stack);
    if (level == kSolSocket) {
        switch (name) {
            case kSoReuseAddr:
                *value = t->reuseaddr;
                return 0;
            case kSoKeepAlive:
                *value = t->keepalive;
                return 0;
            case kSoSndBuf:
                *value = int(t->sndbuf);
                return 0;
            case kSoRcvBuf:
                *value = int(t->rcvbuf);
                return 0;
            case kSoType:
                *value = 1;  // SOCK_STREAM
                return 0;
            case kSoError:
                *value = t->error;
                t->error = 0;
                return 0;
            default:
                return -err::kENOPROTOOPT;
        }
    }
    if (level != kIpProtoTcp) return -err::kENOPROTOOPT;
    switch (name) {
        case kTcpNoDelay:
            *value = t->nodelay;
            return 0;
        case kTcpMaxSeg:
            *value =
                int(synchronized(t->state) ? t->mss : (t->user_mss ? t->user_mss : kTcpDefaultMss));
            return 0;
        case kTcpKeepIdle:
            *value = int(t->keep_idle_s);
            return 0;
        case kTcpKeepIntvl:
            *value = int(t->keep_intvl_s);
            return 0;
        case kTcpKeepCnt:
            *value = int(t->keep_cnt);
            return 0;
        default:
            return -err::kENOPROTOOPT;
    }
}

int tcp_set_linger(TcpSock* t, bool on, int seconds) {
    StackGuard g(*t->stack);
    if (seconds < 0) seconds = 0;
    t->linger = on;
    t->linger_s = uint32_t(seconds);
    return 0;
}

int tcp_get_info(TcpSock* t, TcpInfo* out) {
    StackGuard g(*t->stack);
    *out = TcpInfo{};
    out->state = tcp_state_linux(t->state);
    out->rto_us = t->rto_us;
    out->snd_mss = t->mss;
    out->rcv_mss = t->adv_mss;
    out->rtt_us = t->srtt_us;
    out->rttvar_us = t->rttvar_us;
    out->snd_ssthresh = t->ssthresh;
    out->snd_cwnd = t->mss ? t->cwnd / t->mss : 0;
    out->retransmits = t->retries;
    out->snd_wnd = t->snd_wnd;
    out->rcv_wnd = tcp_rcv_window(t);
    out->bytes_acked = t->bytes_acked;
    out->bytes_received = t->bytes_received;
    out->total_retrans = t->retransmits;
    return 0;
}

uint32_t tcp_poll(TcpSock* t) {
    StackGuard g(*t->stack);
    return poll_locked(t);
}

uint32_t tcp_readable(TcpSock* t) {
    StackGuard g(*t->stack);
    return t->rcvq.len;
}

uint32_t tcp_unsent(TcpSock* t) {
    StackGuard g(*t->stack);
    return t->sndq.len;
}

}  // namespace net
