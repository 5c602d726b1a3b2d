// The socket system calls that do not move data: socket, socketpair, bind, listen, accept,
// accept4, connect, shutdown, getsockname, getpeername, setsockopt, getsockopt. The socket
// layer is guest/sock/ (socket.hpp); each handler validates, copies, and calls it.
#include "syscalls/net.hpp"

#include "mm/kheap.hpp"

namespace syscalls {

namespace {

constexpr int kTypeFlags = sock::type::NONBLOCK | sock::type::CLOEXEC;

// socket(2)'s checks and the family's create: a new Socket in *out.
int create_socket(int domain, int type, int protocol, sock::Socket** out) {
    if (domain < 0 || domain >= sock::af::MAX) return -EAFNOSUPPORT;
    const int kind = type & sock::type::MASK;
    if ((type & ~sock::type::MASK) & ~kTypeFlags) return -EINVAL;
    if (kind < 0 || kind >= sock::type::MAX) return -EINVAL;
    const sock::SocketFamily* family = sock::find_family(domain);
    if (!family) return -EAFNOSUPPORT;
    sock::Socket* s = sock::sock_alloc(domain, kind, protocol);
    if (!s) return -ENOMEM;
    const int r = family->create(s, kind, protocol);
    if (r < 0) {
        sock::sock_free(s);
        return r;
    }
    *out = s;
    return 0;
}

int64_t getname(Args& a, bool peer) {
    SockRef s(a, int(a.a[0]));
    if (s.error()) return s.error();
    if (!s->ops->getname) return -EOPNOTSUPP;
    uint8_t addr[sock::kSockaddrStorage];
    const int len = s->ops->getname(s.get(), addr, peer);
    if (len < 0) return len;
    return addr_to_user(addr, uint32_t(len), a.a[1], a.a[2]);
}

}  // namespace

int addr_from_user(uint64_t uaddr, int64_t len, uint8_t* out) {
    if (len < 0 || len > int64_t(sock::kSockaddrStorage)) return -EINVAL;
    if (len == 0) return 0;
    return copy_from_user(out, uaddr, size_t(len)) == 0 ? 0 : -EFAULT;
}

int addr_to_user(const uint8_t* kaddr, uint32_t klen, uint64_t uaddr, uint64_t ulen) {
    int32_t len;
    if (get_user(&len, ulen) != 0) return -EFAULT;
    if (len > int32_t(klen)) len = int32_t(klen);
    if (len < 0) return -EINVAL;
    if (len && copy_to_user(uaddr, kaddr, size_t(len)) != 0) return -EFAULT;
    const int32_t full = int32_t(klen);
    return put_user(ulen, full) == 0 ? 0 : -EFAULT;
}

int64_t sys_socket(Args& a) {
    const int type = int(a.a[1]);
    sock::Socket* s = nullptr;
    int r = create_socket(int(a.a[0]), type, int(a.a[2]), &s);
    if (r < 0) return r;
    fs::File* f = nullptr;
    r = sock::sock_make_file(s, type & sock::type::NONBLOCK, &f);
    if (r < 0) return r;
    return install_fd(a, f, type & sock::type::CLOEXEC);
}

int64_t sys_socketpair(Args& a) {
    const int domain = int(a.a[0]), type = int(a.a[1]), protocol = int(a.a[2]);
    sock::Socket* s[2] = {nullptr, nullptr};
    int r = create_socket(domain, type, protocol, &s[0]);
    if (r < 0) return r;
    r = create_socket(domain, type, protocol, &s[1]);
    if (r < 0) {
        sock::sock_free(s[0]);
        return r;
    }
    if (!s[0]->ops->socketpair) {
        sock::sock_free(s[0]);
        sock::sock_free(s[1]);
        return -EOPNOTSUPP;
    }
    r = s[0]->ops->socketpair(s[0], s[1]);
    if (r < 0) {
        sock::sock_free(s[0]);
        sock::sock_free(s[1]);
        return r;
    }
    const bool nonblock = type & sock::type::NONBLOCK, cloexec = type & sock::type::CLOEXEC;
    fs::File* f[2] = {nullptr, nullptr};
    r = sock::sock_make_file(s[0], nonblock, &f[0]);
    if (r < 0) {
        sock::sock_free(s[1]);
        return r;
    }
    r = sock::sock_make_file(s[1], nonblock, &f[1]);
    if (r < 0) {
        fs::file_put(f[0]);
        return r;
    }
    Process* p = proc_of(a);
    const int fd0 = fs::fd_install(p->fds, f[0], cloexec);
    const int fd1 = fd0 < 0 ? fd0 : fs::fd_install(p->fds, f[1], cloexec);
    fs::file_put(f[0]);
    fs::file_put(f[1]);
    if (fd1 < 0) {
        if (fd0 >= 0) fs::fd_close(p->fds, fd0);
        return fd1;
    }
    const int32_t fds[2] = {fd0, fd1};
    if (copy_to_user(a.a[3], fds, sizeof(fds)) != 0) {
        fs::fd_close(p->fds, fd0);
        fs::fd_close(p->fds, fd1);
        return -EFAULT;
    }
    return 0;
}

int64_t sys_bind(Args& a) {
    SockRef s(a, int(a.a[0]));
    if (s.error()) return s.error();
    uint8_t addr[sock::kSockaddrStorage + 1] = {};
    const int r = addr_from_user(a.a[1], int32_t(a.a[2]), addr);
    if (r < 0) return r;
    if (!s->ops->bind) return -EOPNOTSUPP;
    return s->ops->bind(s.get(), addr, uint32_t(int32_t(a.a[2])));
}

int64_t sys_listen(Args& a) {
    SockRef s(a, int(a.a[0]));
    if (s.error()) return s.error();
    if (!s->ops->listen) return -EOPNOTSUPP;
    return s->ops->listen(s.get(), int(a.a[1]));
}

int64_t do_accept(Args& a, uint32_t flags) {
    if (flags & ~uint32_t(kTypeFlags)) return -EINVAL;
    SockRef s(a, int(a.a[0]));
    if (s.error()) return s.error();
    sock::Socket* ns = nullptr;
    int r = sock::sock_accept(s.get(), s.nonblocking(), &ns);
    if (r < 0) return r;
    if (a.a[1]) {
        uint8_t addr[sock::kSockaddrStorage];
        const int len = ns->ops->getname ? ns->ops->getname(ns, addr, true) : -ENOTCONN;
        r = len < 0 ? -ECONNABORTED : addr_to_user(addr, uint32_t(len), a.a[1], a.a[2]);
        if (r < 0) {
            sock::sock_free(ns);
            return r;
        }
    }
    fs::File* f = nullptr;
    r = sock::sock_make_file(ns, flags & sock::type::NONBLOCK, &f);
    if (r < 0) return r;
    return install_fd(a, f, flags & sock::type::CLOEXEC);
}

int64_t sys_accept(Args& a) {
    return do_accept(a, 0);
}

int64_t sys_accept4(Args& a) {
    return do_accept(a, uint32_t(a.a[3]));
}

int64_t sys_connect(Args& a) {
    SockRef s(a, int(a.a[0]));
    if (s.error()) return s.error();
    uint8_t addr[sock::kSockaddrStorage + 1] = {};
    const int r = addr_from_user(a.a[1], int32_t(a.a[2]), addr);
    if (r < 0) return r;
    return sock::sock_connect(s.get(), addr, uint32_t(int32_t(a.a[2])), s.nonblocking());
}

int64_t sys_shutdown(Args& a) {
    SockRef s(a, int(a.a[0]));
    if (s.error()) return s.error();
    const int how = int(a.a[1]);
    if (how < sock::shut::RD || how > sock::shut::RDWR) return -EINVAL;
    if (!s->ops->shutdown) return -EOPNOTSUPP;
    return s->ops->shutdown(s.get(), how);
}

int64_t sys_getsockname(Args& a) {
    return getname(a, false);
}

int64_t sys_getpeername(Args& a) {
    return getname(a, true);
}

int64_t sys_setsockopt(Args& a) {
    SockRef s(a, int(a.a[0]));
    if (s.error()) return s.error();
    const int32_t len = int32_t(a.a[4]);
    if (len < 0) return -EINVAL;
    uint8_t val[256] = {};
    const uint32_t n = uint32_t(len) < sizeof(val) ? uint32_t(len) : sizeof(val);
    if (n && copy_from_user(val, a.a[3], n) != 0) return -EFAULT;
    return sock::sock_setsockopt(s.get(), int(a.a[1]), int(a.a[2]), val, n);
}

int64_t sys_getsockopt(Args& a) {
    SockRef s(a, int(a.a[0]));
    if (s.error()) return s.error();
    int32_t len;
    if (get_user(&len, a.a[4]) != 0) return -EFAULT;
    if (len < 0) return -EINVAL;
    uint8_t val[256] = {};
    uint32_t n = uint32_t(len) < sizeof(val) ? uint32_t(len) : sizeof(val);
    const int r = sock::sock_getsockopt(s.get(), int(a.a[1]), int(a.a[2]), val, &n);
    if (r < 0) return r;
    if (n && copy_to_user(a.a[3], val, n) != 0) return -EFAULT;
    const int32_t out = int32_t(n);
    return put_user(a.a[4], out) == 0 ? 0 : -EFAULT;
}

}  // namespace syscalls
