// AF_UNIX connections: SOCK_STREAM and SOCK_SEQPACKET listen, connect, accept, and the byte
// stream's send and receive (SOCK_SEQPACKET records go through unix_dgram.cpp's queue code).
#include "abi/errno.hpp"
#include "kernel/string.hpp"
#include "mm/kheap.hpp"
#include "sock/unix_internal.hpp"

namespace sock::unix_impl {

namespace {

using namespace linux_errno;

int op_listen(Socket* s, int backlog) {
    UnixSock* u = unix_of(s);
    if ((unsigned)backlog > kMaxBacklog) backlog = int(kMaxBacklog);
    const Ucred cred = current_cred();
    {
        LockGuard guard(unix_lock());
        if (!u->bound) return -EINVAL;
        if (u->state == State::Connected) return -EINVAL;
        if (uint32_t(backlog) > u->backlog_max) wake(u);  // connectors waiting for room
        u->backlog_max = uint32_t(backlog);
        u->state = State::Listening;
        u->listen_cred = cred;
    }
    LockGuard guard(s->lock);
    s->listening = true;
    return 0;
}

int op_accept(Socket* s, Socket** out) {
    UnixSock* u = unix_of(s);
    Socket* ns = sock_alloc(af::UNIX, s->type, s->protocol);
    if (!ns) return -ENOMEM;
    int r = 0;
    {
        LockGuard guard(unix_lock());
        UnixSock* e = u->backlog_head;
        if (u->state != State::Listening) {
            r = -EINVAL;
        } else if (!e) {
            r = -EAGAIN;
        } else {
            u->backlog_head = e->backlog_next;
            if (!u->backlog_head) u->backlog_tail = nullptr;
            e->backlog_next = nullptr;
            --u->backlog_len;
            e->embryo = false;
            // The backlog's reference becomes the Socket's.
            ns->ops = s->ops;
            ns->priv = e;
            e->sock = ns;
            ns->peer_cred = e->peer_cred;
            ns->peer_cred_set = true;
            wake(u);  // room in the backlog
        }
    }
    if (r < 0) {
        sock_free(ns);
        return r;
    }
    *out = ns;
    return 0;
}

int op_connect(Socket* s, const uint8_t* addr, uint32_t len, WaitTarget* wait) {
    UnixSock* u = unix_of(s);
    UnixAddr a;
    int r = parse_unix_addr(addr, len, &a);
    if (r < 0) return r;
    {
        LockGuard guard(unix_lock());
        if (u->state == State::Connected) return -EISCONN;
        if (u->state == State::Listening) return -EINVAL;
    }
    if (s->passcred) {
        r = autobind(u);
        if (r < 0) return r;
    }
    UnixSock* other = nullptr;
    r = find_bound(a, u->type, &other);
    if (r < 0) return r;
    UnixSock* embryo = unix_new(u->type);
    if (!embryo) {
        unix_put(other);
        return -ENOMEM;
    }
    const Ucred cred = current_cred();
    Ucred listener_cred{};
    {
        LockGuard guard(unix_lock());
        if (u->state == State::Connected) {
            r = -EISCONN;
        } else if (u->state == State::Listening) {
            r = -EINVAL;
        } else if (other->dead || other->state != State::Listening ||
                   (other->shutdown & kRcvShutdown)) {
            r = -ECONNREFUSED;
        } else if (other->backlog_len > other->backlog_max) {
            r = -EAGAIN;
            if (other->sock) {
                sock_get(other->sock);
                wait->on = other->sock;
                wait->gen = sock_wait_begin(other->sock);
            }
        } else {
            embryo->state = State::Connected;
            embryo->embryo = true;
            embryo->peer_cred = cred;
            embryo->addr = other->addr;
            embryo->bound = other->bound;
            embryo->backlog_max = kMaxDgramQlen;
            unix_get(u);
            embryo->peer = u;
            unix_get(embryo);
            u->peer = embryo;
            u->state = State::Connected;
            u->peer_cred = other->listen_cred;
            listener_cred = other->listen_cred;
            // The backlog takes the creation reference.
            if (other->backlog_tail)
                other->backlog_tail->backlog_next = embryo;
            else
                other->backlog_head = embryo;
            other->backlog_tail = embryo;
            ++other->backlog_len;
            embryo = nullptr;
            wake(other);
            r = 0;
        }
    }
    unix_put(embryo);
    unix_put(other);
    if (r == 0) {
        LockGuard guard(s->lock);
        s->peer_cred = listener_cred;
        s->peer_cred_set = true;
    }
    return r;
}

int64_t stream_send(Socket* s, SendMsg* m) {
    UnixSock* u = unix_of(s);
    if (m->flags & msg::OOB) return -EOPNOTSUPP;
    uint32_t sndbuf;
    {
        LockGuard guard(s->lock);
        sndbuf = s->sndbuf;
    }
    {
        LockGuard guard(unix_lock());
        if (m->addr_len) return u->state == State::Connected ? -EISCONN : -EOPNOTSUPP;
        if (u->state != State::Connected || !u->peer) return -ENOTCONN;
        if (u->shutdown & kSendShutdown) return -EPIPE;
        if (m->len == 0) return 0;
    }
    uint32_t n = m->len < kSegmentMax ? uint32_t(m->len) : kSegmentMax;
    const uint32_t half = sndbuf / 2 > 64 ? sndbuf / 2 - 64 : 64;
    if (n > half) n = half;
    Segment* seg = segment_alloc(n);
    if (!seg) return -ENOMEM;
    if (m->rights && m->rights->count) {
        seg->rights = knew<ScmFiles>();
        if (!seg->rights) {
            kfree(seg);
            return -ENOMEM;
        }
    }
    memcpy(seg->data, m->data, n);
    seg->creds = m->creds ? *m->creds : m->sender;
    int64_t r;
    {
        LockGuard guard(unix_lock());
        UnixSock* p = u->peer;
        if (u->state != State::Connected || !p) {
            r = -ENOTCONN;
        } else if ((u->shutdown & kSendShutdown) || p->dead || (p->shutdown & kRcvShutdown)) {
            r = -EPIPE;
        } else if (u->wmem >= sndbuf) {
            r = -EAGAIN;
        } else {
            if (seg->rights) {
                *seg->rights = *m->rights;
                m->rights->count = 0;
            }
            enqueue_locked(p, seg, u);
            seg = nullptr;
            r = n;
        }
    }
    if (seg) {
        kfree(seg->rights);
        kfree(seg);
    }
    return r;
}

int64_t stream_recv(Socket* s, RecvMsg* m) {
    UnixSock* u = unix_of(s);
    if (m->flags & msg::OOB) return -EINVAL;  // no urgent data is ever queued
    const bool peek = m->flags & msg::PEEK;
    const bool passcred = s->passcred;
    Deferred d{};
    int64_t r = 0;
    {
        LockGuard guard(unix_lock());
        if (u->state != State::Connected) {
            r = -EINVAL;
        } else if (!u->head) {
            const int err = sock_take_error(s);
            if (err)
                r = -err;
            else if (u->shutdown & kRcvShutdown)
                r = 0;
            else
                r = m->len ? -EAGAIN : 0;
        } else {
            size_t done = 0;
            Segment* seg = u->head;
            if (passcred) {
                m->has_creds = true;
                m->creds = seg->creds;
            }
            while (seg && done < m->len) {
                if (passcred && done && memcmp(&seg->creds, &m->creds, sizeof(Ucred)) != 0) break;
                const uint32_t avail = seg->len - seg->off;
                const size_t n = m->len - done < avail ? m->len - done : avail;
                memcpy(static_cast<uint8_t*>(m->data) + done, seg->data + seg->off, n);
                done += n;
                const bool had_rights = seg->rights && seg->rights->count;
                take_rights_locked(seg, m->rights, peek);
                Segment* next = seg->next;
                if (!peek) {
                    seg->off += uint32_t(n);
                    u->rcv_bytes -= n;
                    // dequeue_head_locked subtracts what is left (0) and uncharges.
                    if (seg->off == seg->len) dequeue_head_locked(u, &d);
                }
                if (had_rights) break;
                seg = next;
            }
            r = int64_t(done);
        }
    }
    run_deferred(&d);
    return r;
}

int64_t seqpacket_send(Socket* s, SendMsg* m) {
    UnixSock* u = unix_of(s);
    if (const int err = sock_take_error(s)) return -err;
    {
        LockGuard guard(unix_lock());
        if (u->state != State::Connected) return -ENOTCONN;
    }
    SendMsg copy = *m;
    copy.addr = nullptr;
    copy.addr_len = 0;
    const int64_t r = send_record(s, &copy);
    m->wait = copy.wait;
    return r;
}

int64_t seqpacket_recv(Socket* s, RecvMsg* m) {
    UnixSock* u = unix_of(s);
    Deferred d{};
    int64_t r;
    {
        LockGuard guard(unix_lock());
        if (u->state != State::Connected) {
            r = -ENOTCONN;
        } else {
            r = recv_records_locked(u, m, &d);
            m->addr_len = 0;  // connected: no source address
        }
    }
    run_deferred(&d);
    return r;
}

}  // namespace

const SocketOps kStreamOps = {
    op_bind,     op_listen,   op_accept,  op_connect, op_socketpair, stream_send,
    stream_recv, op_shutdown, op_getname, nullptr,    nullptr,       poll_stream,
    op_ioctl,    op_release,  nullptr,    nullptr,
};

const SocketOps kSeqpacketOps = {
    op_bind,        op_listen,   op_accept,  op_connect, op_socketpair, seqpacket_send,
    seqpacket_recv, op_shutdown, op_getname, nullptr,    nullptr,       poll_dgram,
    op_ioctl,       op_release,  nullptr,    nullptr,
};

}  // namespace sock::unix_impl
