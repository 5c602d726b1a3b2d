// The socket system calls that move data: sendto, recvfrom, sendmsg, recvmsg, sendmmsg,
// recvmmsg. The msghdr, iovecs and control messages are decoded by the pure functions of
// sock/msg_parse.hpp from kernel copies; the bytes cross through a bounce buffer (a stream
// moves in pieces of kChunk, a datagram whole), descriptors passed with SCM_RIGHTS are looked
// up here and installed here (MSG_CMSG_CLOEXEC).
#include "mm/kheap.hpp"
#include "proc/sched.hpp"
#include "sock/msg_parse.hpp"
#include "syscalls/net.hpp"

namespace syscalls {

namespace {

using sock::IoVec;
constexpr size_t kChunk = 256 * 1024;

struct Buffer {
    explicit Buffer(size_t want) : size(want), data(kmalloc(want ? want : 1)) {}
    ~Buffer() { kfree(data); }
    Buffer(const Buffer&) = delete;
    Buffer& operator=(const Buffer&) = delete;
    size_t size;
    void* data;
};

// Copies `len` bytes at byte offset `off` of the iovec array from (to) user memory.
int gather(const IoVec* v, uint32_t n, uint64_t off, void* dst, size_t len) {
    uint8_t* out = static_cast<uint8_t*>(dst);
    for (uint32_t i = 0; i < n && len; ++i) {
        if (off >= v[i].len) {
            off -= v[i].len;
            continue;
        }
        const size_t take = v[i].len - off < len ? size_t(v[i].len - off) : len;
        if (copy_from_user(out, v[i].base + off, take) != 0) return -EFAULT;
        out += take;
        len -= take;
        off = 0;
    }
    return 0;
}

int scatter(const IoVec* v, uint32_t n, uint64_t off, const void* src, size_t len) {
    const uint8_t* in = static_cast<const uint8_t*>(src);
    for (uint32_t i = 0; i < n && len; ++i) {
        if (off >= v[i].len) {
            off -= v[i].len;
            continue;
        }
        const size_t take = v[i].len - off < len ? size_t(v[i].len - off) : len;
        if (copy_to_user(v[i].base + off, in, take) != 0) return -EFAULT;
        in += take;
        len -= take;
        off = 0;
    }
    return 0;
}

// The descriptors of an SCM_RIGHTS message, looked up (references).
struct Rights {
    sock::ScmFiles* files = nullptr;
    ~Rights() {
        if (!files) return;
        for (uint32_t i = 0; i < files->count; ++i) fs::file_put(files->files[i]);
        kfree(files);
    }
};

// Everything one sendmsg carries, in kernel memory.
struct Outgoing {
    IoVec* vecs;
    uint32_t nvecs;
    uint64_t total;
    const uint8_t* addr;
    uint32_t addr_len;
    uint32_t flags;
    Rights rights;
    bool has_creds;
    sock::Ucred creds;
};

int64_t send_data(sock::Socket* s, Outgoing& o, bool nonblock) {
    const bool stream = s->type == sock::type::STREAM;
    if (!stream && o.total > kChunk) return -EMSGSIZE;
    const size_t piece = o.total < kChunk ? size_t(o.total) : kChunk;
    Buffer buf(piece);
    if (!buf.data) return -ENOMEM;
    uint64_t done = 0;
    do {
        const size_t n = o.total - done < piece ? size_t(o.total - done) : piece;
        if (gather(o.vecs, o.nvecs, done, buf.data, n) != 0) return done ? int64_t(done) : -EFAULT;
        sock::SendMsg m{};
        m.data = buf.data;
        m.len = n;
        m.addr = o.addr;
        m.addr_len = o.addr_len;
        m.flags = o.flags;
        m.rights = done == 0 ? o.rights.files : nullptr;
        m.creds = done == 0 && o.has_creds ? &o.creds : nullptr;
        m.sender = sock::current_cred();
        const int64_t r = sock::sock_send(s, &m, nonblock || (o.flags & sock::msg::DONTWAIT));
        if (r < 0) return done ? int64_t(done) : r;
        done += uint64_t(r);
        if (size_t(r) < n) break;
    } while (done < o.total);
    return int64_t(done);
}

// Decodes and checks the control buffer of a sendmsg into `o`.
int take_control(Args& a, sock::Socket* s, uint64_t control, uint64_t len, Outgoing& o) {
    if (len > INT32_MAX) return -ENOBUFS;
    if (len < sizeof(sock::CmsgHdr)) return 0;
    if (len > sock::kMaxControl) return -ENOBUFS;
    Buffer buf(len);
    sock::CmsgSend* cm = knew<sock::CmsgSend>();
    if (!buf.data || !cm) {
        kfree(cm);
        return -ENOMEM;
    }
    int r = copy_from_user(buf.data, control, len) == 0 ? 0 : -EFAULT;
    if (r == 0) {
        r = sock::parse_cmsgs(static_cast<const uint8_t*>(buf.data), len,
                              s->family == sock::af::UNIX, cm);
    }
    if (r == 0 && cm->has_creds) {
        // Every process is root here (CAP_SYS_ADMIN, CAP_SETUID, CAP_SETGID): any pid that
        // exists, any ids.
        LockGuard guard(proc::lock());
        if (!proc::find(cm->creds.pid)) r = -ESRCH;
        o.has_creds = true;
        o.creds = cm->creds;
    }
    if (r == 0 && cm->nfds) {
        o.rights.files = knew<sock::ScmFiles>();
        if (!o.rights.files) r = -ENOMEM;
        for (uint32_t i = 0; r == 0 && i < cm->nfds; ++i) {
            fs::File* f = cm->fds[i] >= 0 ? fs::fd_get(proc_of(a)->fds, cm->fds[i]) : nullptr;
            if (!f) {
                r = -EBADF;
                break;
            }
            o.rights.files->files[o.rights.files->count++] = f;
        }
    }
    kfree(cm);
    return r;
}

// One sendmsg from a user msghdr (sendmsg, sendmmsg).
int64_t send_one(Args& a, SockRef& s, uint64_t umsg, uint32_t flags) {
    sock::UserMsgHdr raw;
    if (copy_from_user(&raw, umsg, sizeof(raw)) != 0) return -EFAULT;
    sock::MsgHdr h;
    int r = sock::decode_msghdr(raw, &h);
    if (r < 0) return r;
    uint8_t addr[sock::kSockaddrStorage + 1] = {};
    r = addr_from_user(h.name, h.namelen, addr);
    if (r < 0) return r;
    IoVec* vecs = static_cast<IoVec*>(kmalloc(h.iovlen * sizeof(IoVec) + 1));
    if (!vecs) return -ENOMEM;
    Outgoing o{};
    o.vecs = vecs;
    o.nvecs = h.iovlen;
    int64_t total = copy_from_user(vecs, h.iov, h.iovlen * sizeof(IoVec)) == 0 ? 0 : -EFAULT;
    if (total == 0) total = sock::check_iovecs(vecs, h.iovlen, sock::kUserTop);
    if (total >= 0) {
        o.total = uint64_t(total);
        o.addr = h.namelen ? addr : nullptr;
        o.addr_len = h.namelen;
        o.flags = flags;
        r = take_control(a, s.get(), h.control, h.controllen, o);
        total = r < 0 ? r : send_data(s.get(), o, s.nonblocking());
    }
    kfree(vecs);
    return total;
}

// Descriptors received: installed and reported in an SCM_RIGHTS message as far as there is
// room (the rest closed, MSG_CTRUNC), as Linux's scm_detach_fds.
void deliver_rights(Args& a, sock::ScmFiles* rights, bool cloexec, sock::CmsgWriter* w) {
    uint32_t room = sock::cmsg_fd_room(w);
    int32_t fds[sock::scm::kMaxFd];
    uint32_t n = 0;
    for (uint32_t i = 0; i < rights->count; ++i) {
        fs::File* f = rights->files[i];
        if (n < room) {
            const int fd = fs::fd_install(proc_of(a)->fds, f, cloexec);
            if (fd >= 0)
                fds[n++] = fd;
            else
                room = n;  // EMFILE: the rest are dropped
        }
        fs::file_put(f);
    }
    if (n) sock::cmsg_put(w, sock::SOL_SOCKET, sock::scm::RIGHTS, fds, n * sizeof(int32_t));
    if (n < rights->count) w->flags |= sock::msg::CTRUNC;
    rights->count = 0;
}

struct Incoming {
    IoVec* vecs;
    uint32_t nvecs;
    uint64_t total;
    uint32_t flags;
    // Out:
    sock::RecvMsg* m;  // the first piece's address, credentials, flags
    sock::ScmFiles* rights;
};

int64_t recv_data(sock::Socket* s, Incoming& in, bool nonblock) {
    const bool stream = s->type == sock::type::STREAM;
    const size_t piece = in.total < kChunk ? size_t(in.total) : kChunk;
    Buffer buf(piece);
    if (!buf.data) return -ENOMEM;
    uint64_t done = 0;
    nonblock = nonblock || (in.flags & sock::msg::DONTWAIT);
    for (;;) {
        const size_t n = in.total - done < piece ? size_t(in.total - done) : piece;
        sock::RecvMsg m{};
        m.data = buf.data;
        m.len = n;
        m.flags = in.flags;
        m.rights = in.rights;
        const int64_t r = sock::sock_recv(s, &m, nonblock);
        if (r < 0) return done ? int64_t(done) : r;
        if (done == 0) *in.m = m;
        const size_t got = size_t(r) < n ? size_t(r) : n;  // MSG_TRUNC may report more
        if (scatter(in.vecs, in.nvecs, done, buf.data, got) != 0) {
            return done ? int64_t(done) : -EFAULT;
        }
        if (!stream) return r;
        done += got;
        // A stream goes on while pieces come full: waiting for more only with MSG_WAITALL.
        if (got < n || done >= in.total || in.rights->count || m.has_creds ||
            (in.flags & sock::msg::PEEK)) {
            return int64_t(done);
        }
        if (!(in.flags & sock::msg::WAITALL)) nonblock = true;
        if (in.total == 0) return 0;
    }
}

// One recvmsg into a user msghdr (recvmsg, recvmmsg).
int64_t recv_one(Args& a, SockRef& s, uint64_t umsg, uint32_t flags) {
    sock::UserMsgHdr raw;
    if (copy_from_user(&raw, umsg, sizeof(raw)) != 0) return -EFAULT;
    sock::MsgHdr h;
    int r = sock::decode_msghdr(raw, &h);
    if (r < 0) return r;
    IoVec* vecs = static_cast<IoVec*>(kmalloc(h.iovlen * sizeof(IoVec) + 1));
    sock::ScmFiles* rights = knew<sock::ScmFiles>();
    sock::RecvMsg* m = knew<sock::RecvMsg>();
    const uint64_t ccap =
        h.control ? (h.controllen < sock::kMaxControl ? h.controllen : sock::kMaxControl) : 0;
    uint8_t* control = static_cast<uint8_t*>(kmalloc(ccap + 1));
    int64_t result = -ENOMEM;
    if (vecs && rights && m && control) {
        result = copy_from_user(vecs, h.iov, h.iovlen * sizeof(IoVec)) == 0 ? 0 : -EFAULT;
        if (result == 0) result = sock::check_iovecs(vecs, h.iovlen, sock::kUserTop);
    }
    if (result >= 0) {
        Incoming in{vecs, h.iovlen, uint64_t(result), flags, m, rights};
        result = recv_data(s.get(), in, s.nonblocking());
    }
    if (result >= 0) {
        // Linux echoes MSG_CMSG_CLOEXEC back in msg_flags.
        sock::CmsgWriter w{control, ccap, 0, m->out_flags | (flags & sock::msg::CMSG_CLOEXEC)};
        if (m->has_creds)
            sock::cmsg_put(&w, sock::SOL_SOCKET, sock::scm::CREDENTIALS, &m->creds,
                           sizeof(m->creds));
        if (rights->count) deliver_rights(a, rights, flags & sock::msg::CMSG_CLOEXEC, &w);
        int rr = 0;
        if (h.name) rr = addr_to_user(m->addr, m->addr_len, h.name, umsg + 8);
        if (rr == 0 && w.used && copy_to_user(h.control, control, w.used) != 0) rr = -EFAULT;
        const uint64_t clen = w.used;
        const int32_t mflags = int32_t(w.flags);
        if (rr == 0 && (put_user(umsg + 40, clen) != 0 || put_user(umsg + 48, mflags) != 0)) {
            rr = -EFAULT;
        }
        if (rr < 0) result = rr;
    }
    if (rights) {
        for (uint32_t i = 0; i < rights->count; ++i) fs::file_put(rights->files[i]);
    }
    kfree(vecs);
    kfree(rights);
    kfree(m);
    kfree(control);
    return result;
}

}  // namespace

int64_t sys_sendto(Args& a) {
    IoVec v{a.a[1], a.a[2]};
    const int64_t total = sock::check_iovecs(&v, 1, sock::kUserTop);
    if (total < 0) return total;
    SockRef s(a, int(a.a[0]));
    if (s.error()) return s.error();
    uint8_t addr[sock::kSockaddrStorage + 1] = {};
    const int64_t alen = a.a[4] ? int32_t(a.a[5]) : 0;
    const int r = addr_from_user(a.a[4], alen, addr);
    if (r < 0) return r;
    Outgoing o{};
    o.vecs = &v;
    o.nvecs = 1;
    o.total = uint64_t(total);
    o.addr = alen ? addr : nullptr;
    o.addr_len = uint32_t(alen);
    o.flags = uint32_t(a.a[3]);
    return send_data(s.get(), o, s.nonblocking());
}

int64_t sys_recvfrom(Args& a) {
    IoVec v{a.a[1], a.a[2]};
    const int64_t total = sock::check_iovecs(&v, 1, sock::kUserTop);
    if (total < 0) return total;
    SockRef s(a, int(a.a[0]));
    if (s.error()) return s.error();
    sock::ScmFiles* rights = knew<sock::ScmFiles>();
    sock::RecvMsg* m = knew<sock::RecvMsg>();
    int64_t r = -ENOMEM;
    if (rights && m) {
        Incoming in{&v, 1, uint64_t(total), uint32_t(a.a[3]), m, rights};
        r = recv_data(s.get(), in, s.nonblocking());
        if (r >= 0 && a.a[4]) {
            const int rr = addr_to_user(m->addr, m->addr_len, a.a[4], a.a[5]);
            if (rr < 0) r = rr;
        }
        for (uint32_t i = 0; i < rights->count; ++i) fs::file_put(rights->files[i]);
    }
    kfree(rights);
    kfree(m);
    return r;
}

int64_t sys_sendmsg(Args& a) {
    SockRef s(a, int(a.a[0]));
    if (s.error()) return s.error();
    return send_one(a, s, a.a[1], uint32_t(a.a[2]));
}

int64_t sys_recvmsg(Args& a) {
    SockRef s(a, int(a.a[0]));
    if (s.error()) return s.error();
    return recv_one(a, s, a.a[1], uint32_t(a.a[2]));
}

int64_t sys_sendmmsg(Args& a) {
    SockRef s(a, int(a.a[0]));
    if (s.error()) return s.error();
    uint32_t vlen = uint32_t(a.a[2]);
    if (vlen > sock::kIovMax) vlen = sock::kIovMax;
    uint32_t sent = 0;
    for (; sent < vlen; ++sent) {
        const uint64_t entry = a.a[1] + uint64_t(sent) * sizeof(sock::UserMmsgHdr);
        const int64_t r = send_one(a, s, entry, uint32_t(a.a[3]));
        if (r < 0) return sent ? int64_t(sent) : r;
        const uint32_t len = uint32_t(r);
        if (put_user(entry + offsetof(sock::UserMmsgHdr, len), len) != 0) {
            return sent ? int64_t(sent) : -EFAULT;
        }
    }
    return sent;
}

int64_t sys_recvmmsg(Args& a) {
    SockRef s(a, int(a.a[0]));
    if (s.error()) return s.error();
    uint64_t deadline = 0;
    if (a.a[4]) {
        linux_abi::timespec ts;
        if (get_user(&ts, a.a[4]) != 0) return -EFAULT;
        if (ts.tv_sec < 0 || ts.tv_nsec < 0 || ts.tv_nsec >= 1'000'000'000) return -EINVAL;
        deadline = sched::now_ns() + uint64_t(ts.tv_sec) * 1'000'000'000 + uint64_t(ts.tv_nsec);
    }
    uint32_t vlen = uint32_t(a.a[2]);
    if (vlen > sock::kIovMax) vlen = sock::kIovMax;
    uint32_t flags = uint32_t(a.a[3]);
    uint32_t got = 0;
    for (; got < vlen; ++got) {
        const uint64_t entry = a.a[1] + uint64_t(got) * sizeof(sock::UserMmsgHdr);
        const int64_t r = recv_one(a, s, entry, flags & ~sock::msg::WAITFORONE);
        if (r < 0) return got ? int64_t(got) : r;
        const uint32_t len = uint32_t(r);
        if (put_user(entry + offsetof(sock::UserMmsgHdr, len), len) != 0) {
            return got ? int64_t(got) : -EFAULT;
        }
        if (flags & sock::msg::WAITFORONE) flags |= sock::msg::DONTWAIT;
        if (deadline && sched::now_ns() >= deadline) return got + 1;
    }
    return got;
}

}  // namespace syscalls
