// TCP connection objects: allocation and reference counts, the connection list, lookup, state
// changes, TIME_WAIT, ISNs and port binding.
#include "kernel/string.hpp"
#include "mm/kheap.hpp"
#include "net/stack.hpp"
#include "net/tcp.hpp"
#include "net/udp.hpp"

namespace net {

TcpSock* tcp_alloc(Stack& s) {
    auto* t = knew<TcpSock>();
    if (t == nullptr) return nullptr;
    t->stack = &s;
    t->refs = 1;
    t->state = TcpState::Closed;
    t->sndbuf = kTcpDefaultBuf;
    t->rcvbuf = kTcpDefaultBuf;
    t->rto_us = kTcpRtoInitUs;
    t->mss = kTcpDefaultMss;
    t->keep_idle_s = 7200;
    t->keep_intvl_s = 75;
    t->keep_cnt = 9;
    return t;
}

void tcp_get(TcpSock* t) {
    ++t->refs;
}

void tcp_put(TcpSock* t) {
    if (--t->refs != 0) return;
    t->sndq.release();
    t->rcvq.release();
    kfree(t);
}

void tcp_list_add(Stack& s, TcpSock* t) {
    if (t->listed) return;
    t->listed = true;
    tcp_get(t);
    t->prev = nullptr;
    t->next = s.tcp_list;
    if (s.tcp_list != nullptr) s.tcp_list->prev = t;
    s.tcp_list = t;
    ++s.tcp_count;
}

void tcp_list_remove(Stack& s, TcpSock* t) {
    if (!t->listed) return;
    if (t->prev != nullptr) {
        t->prev->next = t->next;
    } else {
        s.tcp_list = t->next;
    }
    if (t->next != nullptr) t->next->prev = t->prev;
    t->next = t->prev = nullptr;
    t->listed = false;
    --s.tcp_count;
    tcp_put(t);
}

TcpSock* tcp_lookup(Stack& s, uint32_t laddr, uint16_t lport, uint32_t raddr, uint16_t rport) {
    TcpSock* listener = nullptr;
    for (TcpSock* t = s.tcp_list; t != nullptr; t = t->next) {
        if (t->local.port != lport) continue;
        if (t->state == TcpState::Listen) {
            if (t->local.addr == laddr || (t->local.addr == 0 && listener == nullptr)) {
                listener = t;
            }
            continue;
        }
        if (t->state == TcpState::Closed) continue;
        if (t->remote.port == rport && t->remote.addr == raddr && t->local.addr == laddr) {
            return t;
        }
    }
    return listener;
}

void tcp_wake(TcpSock* t) {
    if (t->notify != nullptr) t->notify(t->notify_ctx);
}

void tcp_set_state(Stack& s, TcpSock* t, TcpState st) {
    if (t->state == TcpState::TimeWait && s.time_wait_count != 0) --s.time_wait_count;
    if (st == TcpState::TimeWait) ++s.time_wait_count;
    t->state = st;
    tcp_wake(t);
}

void tcp_queue_append(TcpSock*& head, TcpSock*& tail, uint32_t& len, TcpSock* child) {
    child->qnext = nullptr;
    if (tail != nullptr) {
        tail->qnext = child;
    } else {
        head = child;
    }
    tail = child;
    ++len;
}

void tcp_synq_remove(TcpSock* parent, TcpSock* child) {
    TcpSock* prev = nullptr;
    for (TcpSock* c = parent->synq_head; c != nullptr; prev = c, c = c->qnext) {
        if (c != child) continue;
        if (prev != nullptr) {
            prev->qnext = c->qnext;
        } else {
            parent->synq_head = c->qnext;
        }
        if (parent->synq_tail == c) parent->synq_tail = prev;
        --parent->synq_len;
        c->qnext = nullptr;
        c->parent = nullptr;
        tcp_put(c);
        return;
    }
}

namespace {

void drain_queue(Stack& s, TcpSock*& head, TcpSock*& tail, uint32_t& len) {
    while (head != nullptr) {
        TcpSock* c = head;
        head = c->qnext;
        c->qnext = nullptr;
        c->parent = nullptr;
        c->in_accept_queue = false;
        if (c->state != TcpState::Closed) {
            tcp_send_rst(s, c);
            tcp_done(s, c);
        }
        tcp_put(c);
    }
    tail = nullptr;
    len = 0;
}

}  // namespace

void tcp_done(Stack& s, TcpSock* t) {
    tcp_get(t);
    if (t->state == TcpState::Listen) {
        drain_queue(s, t->synq_head, t->synq_tail, t->synq_len);
        drain_queue(s, t->acceptq_head, t->acceptq_tail, t->acceptq_len);
    }
    tcp_set_state(s, t, TcpState::Closed);
    t->shutdown = 3;
    t->t_rtx = t->t_persist = t->t_delack = t->t_keepalive = t->t_wait = 0;
    if (t->parent != nullptr && !t->in_accept_queue) tcp_synq_remove(t->parent, t);
    tcp_list_remove(s, t);
    tcp_put(t);
}

void tcp_abort(Stack& s, TcpSock* t, int error) {
    t->error = error;
    tcp_done(s, t);
}

void tcp_enter_time_wait(Stack& s, TcpSock* t) {
    if (s.time_wait_count >= kTcpMaxTimeWait) {
        tcp_done(s, t);  // Linux's tcp_max_tw_buckets: close without TIME_WAIT
        return;
    }
    tcp_set_state(s, t, TcpState::TimeWait);
    t->t_rtx = t->t_persist = t->t_delack = t->t_keepalive = 0;
    t->t_wait = s.now + 2 * kTcpMslNs;
    // Everything sent was acknowledged; received data stays until the user reads it or
    // closes (an orphan in TIME_WAIT costs only the object).
    t->sndq.release();
    if (t->user_closed) t->rcvq.release();
}

namespace {

uint64_t rotl(uint64_t x, int b) {
    return (x << b) | (x >> (64 - b));
}

// SipHash-2-4 of two 64-bit words.
uint64_t siphash2(const uint64_t key[2], uint64_t m0, uint64_t m1) {
    uint64_t v0 = key[0] ^ 0x736f6d6570736575ull, v1 = key[1] ^ 0x646f72616e646f6dull;
    uint64_t v2 = key[0] ^ 0x6c7967656e657261ull, v3 = key[1] ^ 0x7465646279746573ull;
    auto round = [&] {
        v0 += v1;
        v1 = rotl(v1, 13);
        v1 ^= v0;
        v0 = rotl(v0, 32);
        v2 += v3;
        v3 = rotl(v3, 16);
        v3 ^= v2;
        v0 += v3;
        v3 = rotl(v3, 21);
        v3 ^= v0;
        v2 += v1;
        v1 = rotl(v1, 17);
        v1 ^= v2;
        v2 = rotl(v2, 32);
    };
    uint64_t words[3] = {m0, m1, uint64_t(16) << 56};
    for (uint64_t m : words) {
        v3 ^= m;
        round();
        round();
        v0 ^= m;
    }
    v2 ^= 0xff;
    round();
    round();
    round();
    round();
    return v0 ^ v1 ^ v2 ^ v3;
}

bool conflicts(const TcpSock* o, const TcpSock* self, uint32_t addr, uint16_t port) {
    if (o == self || !o->bound || o->local.port != port) return false;
    if (o->local.addr != 0 && addr != 0 && o->local.addr != addr) return false;
    // Linux: both sides must ask for SO_REUSEADDR (a TIME_WAIT socket counts as asking), and
    // a listener is never shared.
    bool other_reuse = o->reuseaddr || o->state == TcpState::TimeWait;
    if (self->reuseaddr && other_reuse && o->state != TcpState::Listen) return false;
    return true;
}

}  // namespace

uint32_t tcp_isn(Stack& s, uint32_t laddr, uint16_t lport, uint32_t raddr, uint16_t rport) {
    // RFC 6528: a keyed hash of the connection's identity plus a clock ticking every 4 us.
    uint64_t h =
        siphash2(s.isn_key, (uint64_t(laddr) << 32) | raddr, (uint64_t(lport) << 16) | rport);
    return uint32_t(h) + uint32_t(s.now / 4000);
}

int tcp_bind_port(Stack& s, TcpSock* t, uint32_t addr, uint16_t port) {
    if (port == 0) {
        uint32_t range = kEphemeralHigh - kEphemeralLow + 1;
        uint32_t start = s.port_cursor + random_u32(s) % range;
        for (uint32_t i = 0; i < range; ++i) {
            uint16_t p = uint16_t(kEphemeralLow + (start + i) % range);
            bool used = false;
            for (TcpSock* o = s.tcp_list; o != nullptr && !used; o = o->next) {
                used = o != t && o->bound && o->local.port == p;
            }
            if (!used) {
                s.port_cursor = (start + i + 1) % range;
                port = p;
                break;
            }
        }
        if (port == 0) return -err::kEADDRNOTAVAIL;
    } else {
        for (TcpSock* o = s.tcp_list; o != nullptr; o = o->next) {
            if (conflicts(o, t, addr, port)) return -err::kEADDRINUSE;
        }
    }
    t->local = SockAddr{addr, port};
    t->bound = true;
    tcp_list_add(s, t);
    return 0;
}

bool tcp_alloc_buffers(TcpSock* t) {
    if (t->rcvq.buf == nullptr && !t->rcvq.alloc(t->rcvbuf)) return false;
    if (t->sndq.buf == nullptr && !t->sndq.alloc(t->sndbuf)) {
        t->rcvq.release();
        return false;
    }
    return true;
}

void tcp_shutdown_all(Stack& s) {
    while (s.tcp_list != nullptr) {
        TcpSock* t = s.tcp_list;
        tcp_get(t);
        if (t->state == TcpState::Listen) tcp_done(s, t);  // its children first
        if (t->listed) tcp_done(s, t);
        tcp_put(t);
    }
}

}  // namespace net
