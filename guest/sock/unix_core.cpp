// AF_UNIX: the family's objects, receive queues, names, release, poll and the operations every
// socket type shares; the family registration and /proc/net/unix.
#include "abi/errno.hpp"
#include "abi/linux_types.hpp"
#include "fs/vfs.hpp"
#include "kernel/format.hpp"
#include "kernel/string.hpp"
#include "mm/kheap.hpp"
#include "proc/process.hpp"
#include "proc/task.hpp"
#include "sock/unix.hpp"
#include "sock/unix_internal.hpp"

namespace sock::unix_impl {

namespace {

using namespace linux_errno;
namespace pe = linux_abi::poll_event;
constexpr uint32_t EPOLLRDHUP = 0x2000;

constinit SpinLock g_lock;
UnixSock* g_all = nullptr;    // every live socket (/proc/net/unix)
UnixSock* g_names = nullptr;  // bound sockets connect() can find
uint32_t g_autobind = 0;

void all_remove_locked(UnixSock* u) {
    if (!u->all_prev && g_all != u) return;
    if (u->all_prev)
        u->all_prev->all_next = u->all_next;
    else
        g_all = u->all_next;
    if (u->all_next) u->all_next->all_prev = u->all_prev;
    u->all_prev = u->all_next = nullptr;
}

void names_remove_locked(UnixSock* u) {
    if (!u->in_names) return;
    for (UnixSock** p = &g_names; *p; p = &(*p)->name_next) {
        if (*p == u) {
            *p = u->name_next;
            break;
        }
    }
    u->in_names = false;
    u->name_next = nullptr;
}

bool same_abstract(const UnixAddr& a, const UnixAddr& b) {
    return a.abstract && b.abstract && a.len == b.len && memcmp(a.bytes, b.bytes, a.len) == 0;
}

bool connection_based(int type) {
    return type == type::STREAM || type == type::SEQPACKET;
}

// Tears down a socket whose Socket is gone (or an embryo nobody accepted). Lock held.
void release_locked(UnixSock* u, Deferred* d) {
    u->dead = true;
    u->shutdown = kShutdownMask;
    all_remove_locked(u);
    if (u->in_names) {
        names_remove_locked(u);
        d->inode = u->inode;  // at most one per release
        u->inode = nullptr;
    }
    if (UnixSock* p = u->peer) {
        u->peer = nullptr;
        if (connection_based(u->type)) {
            if (u->head || u->embryo) {
                if (p->sock) sock_set_error(p->sock, ECONNRESET);
            }
            p->shutdown = kShutdownMask;
            wake(p);
        }
        defer_put(d, p);
    }
    while (u->head) dequeue_head_locked(u, d);
    // Embryos waiting in the backlog: torn down after the lock is dropped.
    if (u->backlog_head) {
        u->backlog_tail->backlog_next = d->embryos;
        d->embryos = u->backlog_head;
        u->backlog_head = u->backlog_tail = nullptr;
        u->backlog_len = 0;
    }
    u->state = State::Unconnected;
}

}  // namespace

SpinLock& unix_lock() {
    return g_lock;
}

UnixSock* unix_new(int type) {
    UnixSock* u = knew<UnixSock>();
    if (!u) return nullptr;
    u->refs = 1;
    u->type = type;
    u->peer_cred = Ucred{0, ~0u, ~0u};
    u->backlog_max = kMaxDgramQlen;
    LockGuard guard(g_lock);
    u->all_next = g_all;
    if (g_all) g_all->all_prev = u;
    g_all = u;
    return u;
}

void unix_get(UnixSock* u) {
    __atomic_add_fetch(&u->refs, 1, __ATOMIC_RELAXED);
}

void unix_put(UnixSock* u) {
    if (!u || __atomic_sub_fetch(&u->refs, 1, __ATOMIC_ACQ_REL) != 0) return;
    // Nobody can reach it any more: it was released (or never attached) and no peer points
    // to it. An embryo freed without release still needs its state torn down.
    Deferred d{};
    {
        LockGuard guard(g_lock);
        release_locked(u, &d);
    }
    run_deferred(&d);
    kfree(u);
}

UnixSock* unix_of(Socket* s) {
    return static_cast<UnixSock*>(s->priv);
}

void unix_attach(Socket* s, UnixSock* u) {
    LockGuard guard(g_lock);
    s->priv = u;
    u->sock = s;
}

void defer_put(Deferred* d, UnixSock* u) {
    if (d->nsocks == Deferred::kMax) {
        // Never more than a peer and a sender or two per call; keep the invariant loud.
        for (;;) cpu::pause();
    }
    d->socks[d->nsocks++] = u;
}

void run_deferred(Deferred* d) {
    while (Segment* seg = d->garbage) {
        d->garbage = seg->next;
        segment_free(seg);
    }
    while (UnixSock* e = d->embryos) {
        d->embryos = e->backlog_next;
        e->backlog_next = nullptr;
        Deferred inner{};
        {
            LockGuard guard(g_lock);
            release_locked(e, &inner);
        }
        run_deferred(&inner);
        unix_put(e);
    }
    for (uint32_t i = 0; i < d->nsocks; ++i) unix_put(d->socks[i]);
    d->nsocks = 0;
    fs::inode_put(d->inode);
    d->inode = nullptr;
}

Segment* segment_alloc(uint32_t len) {
    Segment* seg = static_cast<Segment*>(kmalloc(sizeof(Segment) + len));
    if (!seg) return nullptr;
    memset(seg, 0, sizeof(Segment));
    seg->len = len;
    return seg;
}

void segment_free(Segment* seg) {
    if (seg->rights) {
        for (uint32_t i = 0; i < seg->rights->count; ++i) fs::file_put(seg->rights->files[i]);
        kfree(seg->rights);
    }
    unix_put(seg->sender);
    kfree(seg);
}

void enqueue_locked(UnixSock* to, Segment* seg, UnixSock* from) {
    unix_get(from);
    seg->sender = from;
    seg->charge = seg->len + kSegmentCharge;
    from->wmem += seg->charge;
    from->wdata += seg->len;
    seg->next = nullptr;
    if (to->tail)
        to->tail->next = seg;
    else
        to->head = seg;
    to->tail = seg;
    ++to->qlen;
    to->rcv_bytes += seg->len - seg->off;
    wake(to);
}

void dequeue_head_locked(UnixSock* u, Deferred* d) {
    Segment* seg = u->head;
    u->head = seg->next;
    if (!u->head) u->tail = nullptr;
    --u->qlen;
    u->rcv_bytes -= seg->len - seg->off;
    UnixSock* sender = seg->sender;
    sender->wmem -= seg->charge;
    sender->wdata -= seg->len;
    wake(sender);
    wake(u);  // senders waiting for room in this queue
    seg->next = d->garbage;
    d->garbage = seg;
}

void take_rights_locked(Segment* seg, ScmFiles* out, bool peek) {
    if (!seg->rights) return;
    for (uint32_t i = 0; i < seg->rights->count && out->count < scm::kMaxFd; ++i) {
        if (peek) fs::file_get(seg->rights->files[i]);
        out->files[out->count++] = seg->rights->files[i];
    }
    if (!peek) seg->rights->count = 0;
}

void wake(UnixSock* u) {
    if (u->sock) sock_wake(u->sock);
}

int find_bound(const UnixAddr& a, int type, UnixSock** out) {
    fs::Inode* inode = nullptr;
    if (!a.abstract) {
        const int r = fs::vfs_lookup(current()->proc->cwd, reinterpret_cast<const char*>(a.bytes),
                                     0, false, &inode);
        if (r < 0) return r;
        if (fs::inode_type(inode) != linux_abi::smode::IFSOCK) {
            fs::inode_put(inode);
            return -ECONNREFUSED;
        }
    }
    int r = -ECONNREFUSED;
    {
        LockGuard guard(g_lock);
        for (UnixSock* u = g_names; u; u = u->name_next) {
            if (u->dead) continue;
            if (inode ? u->inode == inode : same_abstract(u->addr, a)) {
                if (u->type != type) {
                    r = -EPROTOTYPE;
                } else {
                    unix_get(u);
                    *out = u;
                    r = 0;
                }
                break;
            }
        }
    }
    fs::inode_put(inode);
    return r;
}

int bind_addr(UnixSock* u, const UnixAddr& a) {
    if (a.abstract) {
        LockGuard guard(g_lock);
        if (u->bound) return -EINVAL;
        for (UnixSock* v = g_names; v; v = v->name_next) {
            if (same_abstract(v->addr, a)) return -EADDRINUSE;
        }
        u->addr = a;
        u->bound = true;
        u->in_names = true;
        u->name_next = g_names;
        g_names = u;
        return 0;
    }
    // Linux makes the node first: an existing name is EADDRINUSE even for a bound socket.
    Process* p = current()->proc;
    fs::Inode* inode = nullptr;
    const uint32_t mode = linux_abi::smode::IFSOCK | (0777 & ~p->umask);
    int r = fs::vfs_mknod_get(p->cwd, reinterpret_cast<const char*>(a.bytes), mode, &inode);
    if (r == -EEXIST) return -EADDRINUSE;
    if (r < 0) return r;
    {
        LockGuard guard(g_lock);
        if (!u->bound) {
            u->addr = a;
            u->bound = true;
            u->inode = inode;
            u->in_names = true;
            u->name_next = g_names;
            g_names = u;
            return 0;
        }
    }
    // Already bound: the new node goes again, as on Linux.
    fs::inode_put(inode);
    (void)fs::vfs_unlink(p->cwd, reinterpret_cast<const char*>(a.bytes));
    return -EINVAL;
}

int autobind(UnixSock* u) {
    LockGuard guard(g_lock);
    if (u->bound) return 0;
    for (uint32_t tries = 0; tries < 0x100000; ++tries) {
        UnixAddr a{};
        a.abstract = true;
        const uint32_t n = g_autobind++ & 0xfffff;
        format_to(reinterpret_cast<char*>(a.bytes + 1), 6, "%05x", n);
        a.bytes[0] = 0;
        a.len = 6;
        bool taken = false;
        for (UnixSock* v = g_names; v && !taken; v = v->name_next)
            taken = same_abstract(v->addr, a);
        if (taken) continue;
        u->addr = a;
        u->bound = true;
        u->in_names = true;
        u->name_next = g_names;
        g_names = u;
        return 0;
    }
    return -ENOSPC;
}

int op_bind(Socket* s, const uint8_t* addr, uint32_t len) {
    UnixSock* u = unix_of(s);
    if (is_unix_autobind(addr, len)) return autobind(u);
    UnixAddr a;
    const int r = parse_unix_addr(addr, len, &a);
    if (r < 0) return r;
    return bind_addr(u, a);
}

int op_getname(Socket* s, uint8_t* out, bool peer) {
    UnixSock* u = unix_of(s);
    UnixAddr a{};
    bool has = false;
    {
        LockGuard guard(g_lock);
        const UnixSock* from = u;
        if (peer) {
            from = u->peer;
            if (!from || (connection_based(u->type) && u->state != State::Connected)) {
                return -ENOTCONN;
            }
        }
        if (from->bound) {
            a = from->addr;
            has = true;
        }
    }
    if (!has) {
        const uint16_t family = af::UNIX;
        memcpy(out, &family, sizeof(family));
        return int(sizeof(family));
    }
    return int(encode_unix_addr(a, out));
}

int op_shutdown(Socket* s, int how) {
    UnixSock* u = unix_of(s);
    const uint8_t mode = uint8_t(how + 1);
    LockGuard guard(g_lock);
    u->shutdown |= mode;
    UnixSock* p = u->peer;
    if (p && connection_based(u->type)) {
        uint8_t peer_mode = 0;
        if (mode & kRcvShutdown) peer_mode |= kSendShutdown;
        if (mode & kSendShutdown) peer_mode |= kRcvShutdown;
        p->shutdown |= peer_mode;
        wake(p);
    }
    wake(u);
    return 0;
}

int op_ioctl(Socket* s, uint32_t cmd, int64_t* out) {
    UnixSock* u = unix_of(s);
    LockGuard guard(g_lock);
    if (cmd == SIOCOUTQ) {
        *out = int64_t(u->wdata);
        return 0;
    }
    if (u->state == State::Listening) return -EINVAL;
    if (u->type == type::STREAM) {
        *out = int64_t(u->rcv_bytes);
    } else {
        *out = u->head ? int64_t(u->head->len) : 0;
    }
    return 0;
}

int op_socketpair(Socket* a, Socket* b) {
    UnixSock* ua = unix_of(a);
    UnixSock* ub = unix_of(b);
    const Ucred cred = current_cred();
    {
        LockGuard guard(g_lock);
        unix_get(ua);
        unix_get(ub);
        ua->peer = ub;
        ub->peer = ua;
        ua->state = ub->state = State::Connected;
        ua->peer_cred = ub->peer_cred = cred;
    }
    Socket* both[2] = {a, b};
    for (Socket* s : both) {
        LockGuard guard(s->lock);
        s->peer_cred = cred;
        s->peer_cred_set = true;
    }
    return 0;
}

void op_release(Socket* s) {
    UnixSock* u = unix_of(s);
    Deferred d{};
    {
        LockGuard guard(g_lock);
        u->sock = nullptr;
        release_locked(u, &d);
    }
    run_deferred(&d);
    unix_put(u);  // the Socket's reference
}

uint32_t poll_stream(Socket* s) {
    UnixSock* u = unix_of(s);
    uint32_t mask = 0;
    if (__atomic_load_n(&s->error, __ATOMIC_ACQUIRE)) mask |= pe::ERR;
    LockGuard guard(g_lock);
    if (u->shutdown == kShutdownMask) mask |= pe::HUP;
    if (u->shutdown & kRcvShutdown) mask |= EPOLLRDHUP | pe::IN | pe::RDNORM;
    if (u->head || u->backlog_head) mask |= pe::IN | pe::RDNORM;
    if (u->state == State::Unconnected) mask |= pe::HUP;
    if (u->state != State::Listening && u->wmem * 4 <= s->sndbuf) {
        mask |= pe::OUT | pe::WRNORM | pe::WRBAND;
    }
    return mask;
}

uint32_t poll_dgram(Socket* s) {
    UnixSock* u = unix_of(s);
    uint32_t mask = 0;
    if (__atomic_load_n(&s->error, __ATOMIC_ACQUIRE)) mask |= pe::ERR;
    LockGuard guard(g_lock);
    if (u->shutdown & kRcvShutdown) mask |= EPOLLRDHUP | pe::IN | pe::RDNORM;
    if (u->shutdown == kShutdownMask) mask |= pe::HUP;
    if (u->head) mask |= pe::IN | pe::RDNORM;
    bool writable = u->state != State::Listening && u->wmem * 4 <= s->sndbuf;
    if (writable && u->peer && u->peer->peer != u && u->peer->qlen > u->peer->backlog_max) {
        writable = false;
    }
    if (writable) mask |= pe::OUT | pe::WRNORM | pe::WRBAND;
    return mask;
}

namespace {}  // namespace

int unix_create(Socket* s, int type, int protocol) {
    if (protocol != 0 && protocol != af::UNIX) return -EPROTONOSUPPORT;
    const SocketOps* ops;
    switch (type) {
        case type::STREAM:
            ops = &kStreamOps;
            break;
        case type::RAW:
            s->type = type = type::DGRAM;  // Linux: SOCK_RAW is SOCK_DGRAM here
            [[fallthrough]];
        case type::DGRAM:
            ops = &kDgramOps;
            break;
        case type::SEQPACKET:
            ops = &kSeqpacketOps;
            break;
        default:
            return -ESOCKTNOSUPPORT;
    }
    UnixSock* u = unix_new(type);
    if (!u) return -ENOMEM;
    s->ops = ops;
    unix_attach(s, u);
    return 0;
}

}  // namespace sock::unix_impl

namespace sock {

constexpr SocketFamily kUnixFamily = {af::UNIX, unix_impl::unix_create};

void unix_proc_net(void (*emit)(void* ctx, const char* text, size_t len), void* ctx) {
    using namespace unix_impl;
    const char kHeader[] = "Num       RefCount Protocol Flags    Type St Inode Path\n";
    emit(ctx, kHeader, sizeof(kHeader) - 1);
    LockGuard guard(g_lock);
    for (UnixSock* u = g_all; u; u = u->all_next) {
        char line[64 + 2 * kSunPathMax];
        const uint32_t flags = u->state == State::Listening ? 0x10000 : 0;
        uint32_t st;
        if (u->sock) {
            st = u->state == State::Connected ? 3 : 1;  // SS_CONNECTED : SS_UNCONNECTED
        } else {
            st = u->state == State::Connected ? 2 : 4;  // SS_CONNECTING : SS_DISCONNECTING
        }
        const uint64_t ino =
            u->sock && u->sock->file && u->sock->file->inode ? u->sock->file->inode->ino : 0;
        size_t n = format_to(line, sizeof(line), "0000000000000000: %08X %08X %08X %04X %02X %5lu",
                             uint32_t(u->refs + 1), 0u, flags, uint32_t(u->type), st, ino);
        if (u->bound) {
            line[n++] = ' ';
            for (uint32_t i = 0; i < u->addr.len && n < sizeof(line) - 2; ++i) {
                const char c = char(u->addr.bytes[i]);
                line[n++] = u->addr.abstract && c == 0 ? '@' : c;
            }
        }
        line[n++] = '\n';
        emit(ctx, line, n);
    }
}

}  // namespace sock
