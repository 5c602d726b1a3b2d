// AF_UNIX records: SOCK_DGRAM (connect to set or clear a default destination, sendto any
// bound socket) and the record queue SOCK_SEQPACKET shares.
#include "abi/errno.hpp"
#include "kernel/string.hpp"
#include "mm/kheap.hpp"
#include "sock/unix_internal.hpp"

namespace sock::unix_impl {

using namespace linux_errno;

int64_t send_record(Socket* s, SendMsg* m) {
    UnixSock* u = unix_of(s);
    if (m->flags & msg::OOB) return -EOPNOTSUPP;
    uint32_t sndbuf;
    bool passcred;
    {
        LockGuard guard(s->lock);
        sndbuf = s->sndbuf;
        passcred = s->passcred;
    }
    if (m->len > sndbuf - 32 || m->len > kMaxDgram) return -EMSGSIZE;
    UnixSock* other = nullptr;
    int r;
    if (m->addr_len) {
        UnixAddr a;
        r = parse_unix_addr(m->addr, m->addr_len, &a);
        if (r < 0) return r;
        r = find_bound(a, u->type, &other);
        if (r < 0) return r;
    } else {
        LockGuard guard(unix_lock());
        other = u->peer;
        if (other) unix_get(other);
    }
    if (!other) return -ENOTCONN;
    if (passcred && (r = autobind(u)) < 0) {
        unix_put(other);
        return r;
    }
    Segment* seg = segment_alloc(uint32_t(m->len));
    if (seg && m->rights && m->rights->count) seg->rights = knew<ScmFiles>();
    if (!seg || (m->rights && m->rights->count && !seg->rights)) {
        if (seg) kfree(seg);
        unix_put(other);
        return -ENOBUFS;
    }
    memcpy(seg->data, m->data, m->len);
    seg->creds = m->creds ? *m->creds : m->sender;
    UnixSock* drop = nullptr;
    int64_t result;
    {
        LockGuard guard(unix_lock());
        if (u->bound) {
            seg->has_from = true;
            seg->from = u->addr;
        }
        if (u->shutdown & kSendShutdown) {
            result = -EPIPE;
        } else if (other->dead) {
            result = u->type == type::SEQPACKET ? -EPIPE : -ECONNREFUSED;
            if (u->type == type::DGRAM && u->peer == other) {
                u->peer = nullptr;  // the peer is gone: disconnected, as on Linux
                u->state = State::Unconnected;
                drop = other;
            }
        } else if (u->type == type::DGRAM && other->peer && other->peer != u) {
            result = -EPERM;
        } else if (other->shutdown & kRcvShutdown) {
            result = -EPIPE;
        } else if (u->wmem >= sndbuf) {
            result = -EAGAIN;
        } else if (other->peer != u && other->qlen > other->backlog_max) {
            result = -EAGAIN;
            if (other->sock) {
                sock_get(other->sock);
                m->wait.on = other->sock;
                m->wait.gen = sock_wait_begin(other->sock);
            }
        } else {
            if (seg->rights) {
                *seg->rights = *m->rights;
                m->rights->count = 0;
            }
            enqueue_locked(other, seg, u);
            seg = nullptr;
            result = int64_t(m->len);
        }
    }
    if (seg) {
        kfree(seg->rights);
        kfree(seg);
    }
    unix_put(drop);
    unix_put(other);
    return result;
}

int64_t recv_records_locked(UnixSock* u, RecvMsg* m, Deferred* d) {
    if (m->flags & msg::OOB) return -EOPNOTSUPP;
    Segment* seg = u->head;
    if (!seg) {
        const int err = u->sock ? sock_take_error(u->sock) : 0;
        if (err) return -err;
        if (u->shutdown & kRcvShutdown) return 0;
        return -EAGAIN;
    }
    const size_t n = m->len < seg->len ? m->len : seg->len;
    memcpy(m->data, seg->data, n);
    m->msg_len = seg->len;
    if (seg->len > m->len) m->out_flags |= msg::TRUNC;
    m->addr_len = seg->has_from ? encode_unix_addr(seg->from, m->addr) : 0;
    if (u->sock && u->sock->passcred) {
        m->has_creds = true;
        m->creds = seg->creds;
    }
    const bool peek = m->flags & msg::PEEK;
    take_rights_locked(seg, m->rights, peek);
    const int64_t r = (m->flags & msg::TRUNC) ? int64_t(seg->len) : int64_t(n);
    if (!peek) dequeue_head_locked(u, d);
    return r;
}

namespace {

int dgram_connect(Socket* s, const uint8_t* addr, uint32_t len, WaitTarget*) {
    UnixSock* u = unix_of(s);
    if (len < 2) return -EINVAL;
    uint16_t family;
    memcpy(&family, addr, sizeof(family));
    if (family == af::UNSPEC) {
        UnixSock* old;
        {
            LockGuard guard(unix_lock());
            old = u->peer;
            u->peer = nullptr;
            u->state = State::Unconnected;
        }
        unix_put(old);
        return 0;
    }
    UnixAddr a;
    int r = parse_unix_addr(addr, len, &a);
    if (r < 0) return r;
    if (s->passcred && (r = autobind(u)) < 0) return r;
    UnixSock* other = nullptr;
    r = find_bound(a, u->type, &other);
    if (r < 0) return r;
    {
        LockGuard guard(unix_lock());
        if (other->dead) {
            r = -ECONNREFUSED;
        } else if (other->peer && other->peer != u) {
            r = -EPERM;
        } else {
            UnixSock* old = u->peer;
            u->peer = other;
            u->state = State::Connected;
            other = old;  // put below
        }
    }
    unix_put(other);
    return r;
}

int64_t dgram_send(Socket* s, SendMsg* m) {
    return send_record(s, m);
}

int64_t dgram_recv(Socket* s, RecvMsg* m) {
    Deferred d{};
    int64_t r;
    {
        LockGuard guard(unix_lock());
        r = recv_records_locked(unix_of(s), m, &d);
    }
    run_deferred(&d);
    return r;
}

}  // namespace

const SocketOps kDgramOps = {
    op_bind,    nullptr, nullptr, dgram_connect, op_socketpair, dgram_send, dgram_recv, op_shutdown,
    op_getname, nullptr, nullptr, poll_dgram,    op_ioctl,      op_release, nullptr,    nullptr,
};

}  // namespace sock::unix_impl
