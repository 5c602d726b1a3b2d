// AF_INET sockets: the socket layer's family (sock/socket.hpp) over the network stack's TCP and
// UDP (net/tcp_socket.hpp, net/udp.hpp). Both sides are non-blocking; this file converts
// struct sockaddr_in, copies between the socket layer's kernel buffers and the stack's, and
// turns the stack's readiness notifications into sock_wake.
#include "sock/inet.hpp"

#include "abi/errno.hpp"
#include "kernel/lock.hpp"
#include "kernel/string.hpp"
#include "net/net.hpp"
#include "net/raw.hpp"
#include "net/tcp_socket.hpp"
#include "net/udp.hpp"
#include "sock/socket.hpp"

namespace sock {

namespace {

using namespace linux_errno;

constexpr int kIpProtoIp = 0, kIpProtoTcp = 6, kIpProtoUdp = 17;
constexpr uint32_t kSockaddrInBytes = 16;

// struct sockaddr_in -> host-order address; -EINVAL (short), -EAFNOSUPPORT (other family).
int to_addr(const uint8_t* a, uint32_t len, net::SockAddr* out, bool allow_unspec) {
    if (a == nullptr || len < kSockaddrInBytes) return -EINVAL;
    const uint16_t family = uint16_t(a[0] | a[1] << 8);
    if (family != af::INET && !(allow_unspec && family == af::UNSPEC)) return -EAFNOSUPPORT;
    out->port = net::load16(a + 2);
    out->addr = net::load32(a + 4);
    return 0;
}

uint32_t from_addr(const net::SockAddr& a, uint8_t* out) {
    memset(out, 0, kSockaddrInBytes);
    out[0] = uint8_t(af::INET);
    net::store16(out + 2, a.port);
    net::store32(out + 4, a.addr);
    return kSockaddrInBytes;
}

int copy_in(void* ctx, size_t offset, void* dst, size_t len) {
    memcpy(dst, static_cast<const uint8_t*>(static_cast<SendMsg*>(ctx)->data) + offset, len);
    return 0;
}

int copy_out(void* ctx, size_t offset, const void* src, size_t len) {
    memcpy(static_cast<uint8_t*>(static_cast<RecvMsg*>(ctx)->data) + offset, src, len);
    return 0;
}

void notify(void* ctx) {
    sock_wake(static_cast<Socket*>(ctx));
}

net::TcpSock* tcp(Socket* s) {
    return static_cast<net::TcpSock*>(s->priv);
}
net::UdpSock* udp(Socket* s) {
    return static_cast<net::UdpSock*>(s->priv);
}

// ---- TCP ----

int tcp_bind_op(Socket* s, const uint8_t* a, uint32_t len) {
    net::SockAddr sa;
    if (int r = to_addr(a, len, &sa, true); r < 0) return r;
    return net::tcp_bind(tcp(s), sa);
}

int tcp_listen_op(Socket* s, int backlog) {
    const int r = net::tcp_listen(tcp(s), backlog);
    if (r == 0) s->listening = true;
    return r;
}

const SocketOps& tcp_ops();

int tcp_accept_op(Socket* s, Socket** out) {
    net::TcpSock* nt = nullptr;
    net::SockAddr peer{};
    const int r = net::tcp_accept(tcp(s), &nt, &peer);
    if (r < 0) return r;
    Socket* ns = sock_alloc(af::INET, type::STREAM, kIpProtoTcp);
    if (ns == nullptr) {
        net::tcp_close(nt);
        return -ENOMEM;
    }
    ns->ops = &tcp_ops();
    ns->priv = nt;
    net::tcp_set_notify(nt, notify, ns);
    *out = ns;
    return 0;
}

int tcp_connect_op(Socket* s, const uint8_t* a, uint32_t len, WaitTarget*) {
    net::SockAddr sa;
    if (int r = to_addr(a, len, &sa, false); r < 0) return r;
    return net::tcp_connect(tcp(s), sa);
}

int64_t tcp_send_op(Socket* s, SendMsg* m) {
    return net::tcp_send(tcp(s), copy_in, m, m->len, int(m->flags));
}

int64_t tcp_recv_op(Socket* s, RecvMsg* m) {
    const long r = net::tcp_recv(tcp(s), copy_out, m, m->len, int(m->flags));
    if (r >= 0) m->msg_len = size_t(r);
    return r;
}

int tcp_shutdown_op(Socket* s, int how) {
    return net::tcp_shutdown(tcp(s), how);
}

int tcp_getname_op(Socket* s, uint8_t* out, bool peer) {
    net::SockAddr a{};
    const int r = peer ? net::tcp_getpeername(tcp(s), &a) : net::tcp_getsockname(tcp(s), &a);
    return r < 0 ? r : int(from_addr(a, out));
}

int int_opt(const void* val, uint32_t len, int* out) {
    if (len < sizeof(int)) return -EINVAL;
    memcpy(out, val, sizeof(int));
    return 0;
}

int put_int(int v, void* val, uint32_t* len) {
    if (*len < sizeof(int)) return -EINVAL;
    memcpy(val, &v, sizeof(int));
    *len = sizeof(int);
    return 0;
}

int tcp_getsockopt_op(Socket* s, int level, int name, void* val, uint32_t* len) {
    int v = 0;
    const int r = net::tcp_getsockopt(tcp(s), level, name, &v);
    return r < 0 ? r : put_int(v, val, len);
}

int tcp_setsockopt_op(Socket* s, int level, int name, const void* val, uint32_t len) {
    int v;
    if (int r = int_opt(val, len, &v); r < 0) return r;
    return net::tcp_setsockopt(tcp(s), level, name, v);
}

uint32_t tcp_poll_op(Socket* s) {
    return net::tcp_poll(tcp(s));
}

int tcp_ioctl_op(Socket* s, uint32_t cmd, int64_t* out) {
    if (cmd == FIONREAD) {
        *out = net::tcp_readable(tcp(s));
        return 0;
    }
    if (cmd == SIOCOUTQ) {
        *out = net::tcp_unsent(tcp(s));
        return 0;
    }
    return -ENOTTY;
}

int tcp_take_error_op(Socket* s) {
    int v = 0;
    return s->priv && net::tcp_getsockopt(tcp(s), net::kSolSocket, net::kSoError, &v) == 0 ? v : 0;
}

// The generic layer keeps SOL_SOCKET options in the Socket: TCP takes the ones it acts on.
void tcp_option_set_op(Socket* s, int name) {
    bool reuseaddr, keepalive;
    int sndbuf, rcvbuf;
    Linger linger;
    {
        LockGuard guard(s->lock);
        reuseaddr = s->reuseaddr;
        keepalive = s->keepalive;
        sndbuf = int(s->sndbuf);
        rcvbuf = int(s->rcvbuf);
        linger = s->linger;
    }
    switch (name) {
        case so::REUSEADDR:
            (void)net::tcp_setsockopt(tcp(s), SOL_SOCKET, name, reuseaddr);
            break;
        case so::KEEPALIVE:
            (void)net::tcp_setsockopt(tcp(s), SOL_SOCKET, name, keepalive);
            break;
        case so::SNDBUF:
        case so::SNDBUFFORCE:
            (void)net::tcp_setsockopt(tcp(s), SOL_SOCKET, so::SNDBUF, sndbuf);
            break;
        case so::RCVBUF:
        case so::RCVBUFFORCE:
            (void)net::tcp_setsockopt(tcp(s), SOL_SOCKET, so::RCVBUF, rcvbuf);
            break;
        case so::LINGER:
            (void)net::tcp_set_linger(tcp(s), linger.onoff != 0, linger.linger);
            break;
        default:
            break;
    }
}

void tcp_release_op(Socket* s) {
    if (s->priv) net::tcp_close(tcp(s));
    s->priv = nullptr;
}

constexpr SocketOps kTcpOps = {
    tcp_bind_op,    tcp_listen_op,     tcp_accept_op,     tcp_connect_op,
    nullptr,        tcp_send_op,       tcp_recv_op,       tcp_shutdown_op,
    tcp_getname_op, tcp_getsockopt_op, tcp_setsockopt_op, tcp_poll_op,
    tcp_ioctl_op,   tcp_release_op,    tcp_take_error_op, tcp_option_set_op};

const SocketOps& tcp_ops() {
    return kTcpOps;
}

// ---- UDP ----

int udp_bind_op(Socket* s, const uint8_t* a, uint32_t len) {
    net::SockAddr sa;
    if (int r = to_addr(a, len, &sa, true); r < 0) return r;
    return net::udp_bind(udp(s), sa);
}

int udp_connect_op(Socket* s, const uint8_t* a, uint32_t len, WaitTarget*) {
    if (a != nullptr && len >= 2 && uint16_t(a[0] | a[1] << 8) == af::UNSPEC) {
        return net::udp_connect(udp(s), nullptr);
    }
    net::SockAddr sa;
    if (int r = to_addr(a, len, &sa, false); r < 0) return r;
    return net::udp_connect(udp(s), &sa);
}

int64_t udp_send_op(Socket* s, SendMsg* m) {
    net::SockAddr sa;
    const net::SockAddr* dst = nullptr;
    if (m->addr != nullptr) {
        if (int r = to_addr(m->addr, m->addr_len, &sa, false); r < 0) return r;
        dst = &sa;
    }
    return net::udp_sendto(udp(s), dst, copy_in, m, m->len, int(m->flags));
}

int64_t udp_recv_op(Socket* s, RecvMsg* m) {
    net::SockAddr from{};
    int out_flags = 0;
    const long r = net::udp_recvfrom(udp(s), copy_out, m, m->len, int(m->flags), &from, &out_flags);
    if (r < 0) return r;
    m->addr_len = from_addr(from, m->addr);
    m->out_flags = uint32_t(out_flags);
    m->msg_len = size_t(r);
    return r;
}

int udp_shutdown_op(Socket* s, int how) {
    return net::udp_shutdown(udp(s), how);
}

int udp_getname_op(Socket* s, uint8_t* out, bool peer) {
    net::SockAddr a{};
    const int r = peer ? net::udp_getpeername(udp(s), &a) : net::udp_getsockname(udp(s), &a);
    return r < 0 ? r : int(from_addr(a, out));
}

int udp_getsockopt_op(Socket* s, int level, int name, void* val, uint32_t* len) {
    int v = 0;
    const int r = net::udp_getsockopt(udp(s), level, name, &v);
    return r < 0 ? r : put_int(v, val, len);
}

int udp_setsockopt_op(Socket* s, int level, int name, const void* val, uint32_t len) {
    int v;
    if (int r = int_opt(val, len, &v); r < 0) return r;
    return net::udp_setsockopt(udp(s), level, name, v);
}

uint32_t udp_poll_op(Socket* s) {
    return net::udp_poll(udp(s));
}

int udp_ioctl_op(Socket* s, uint32_t cmd, int64_t* out) {
    if (cmd == FIONREAD) {
        *out = net::udp_pending(udp(s));
        return 0;
    }
    if (cmd == SIOCOUTQ) {
        *out = 0;
        return 0;
    }
    return -ENOTTY;
}

int udp_take_error_op(Socket* s) {
    int v = 0;
    return s->priv && net::udp_getsockopt(udp(s), net::kSolSocket, net::kSoError, &v) == 0 ? v : 0;
}

void udp_option_set_op(Socket* s, int name) {
    int v;
    {
        LockGuard guard(s->lock);
        switch (name) {
            case so::REUSEADDR:
                v = s->reuseaddr;
                break;
            case so::BROADCAST:
                v = s->broadcast;
                break;
            case so::SNDBUF:
            case so::SNDBUFFORCE:
                name = so::SNDBUF;
                v = int(s->sndbuf);
                break;
            case so::RCVBUF:
            case so::RCVBUFFORCE:
                name = so::RCVBUF;
                v = int(s->rcvbuf);
                break;
            default:
                return;
        }
    }
    (void)net::udp_setsockopt(udp(s), SOL_SOCKET, name, v);
}

void udp_release_op(Socket* s) {
    if (s->priv) net::udp_close(udp(s));
    s->priv = nullptr;
}

constexpr SocketOps kUdpOps = {
    udp_bind_op,    nullptr,           nullptr,           udp_connect_op,
    nullptr,        udp_send_op,       udp_recv_op,       udp_shutdown_op,
    udp_getname_op, udp_getsockopt_op, udp_setsockopt_op, udp_poll_op,
    udp_ioctl_op,   udp_release_op,    udp_take_error_op, udp_option_set_op};

// ---- raw ICMP (ping) ----

net::RawSock* raw(Socket* s) {
    return static_cast<net::RawSock*>(s->priv);
}

int raw_connect_op(Socket* s, const uint8_t* a, uint32_t len, WaitTarget*) {
    if (a != nullptr && len >= 2 && uint16_t(a[0] | a[1] << 8) == af::UNSPEC) {
        return net::raw_connect(raw(s), nullptr);
    }
    net::SockAddr sa;
    if (int r = to_addr(a, len, &sa, false); r < 0) return r;
    return net::raw_connect(raw(s), &sa);
}

int raw_bind_op(Socket*, const uint8_t* a, uint32_t len) {
    net::SockAddr sa;
    return to_addr(a, len, &sa, true);  // accepted: the source address is the route's
}

int64_t raw_send_op(Socket* s, SendMsg* m) {
    net::SockAddr sa;
    const net::SockAddr* dst = nullptr;
    if (m->addr != nullptr) {
        if (int r = to_addr(m->addr, m->addr_len, &sa, false); r < 0) return r;
        dst = &sa;
    }
    return net::raw_sendto(raw(s), dst, copy_in, m, m->len);
}

int64_t raw_recv_op(Socket* s, RecvMsg* m) {
    net::SockAddr from{};
    int out_flags = 0;
    const long r = net::raw_recvfrom(raw(s), copy_out, m, m->len, int(m->flags), &from, &out_flags);
    if (r < 0) return r;
    m->addr_len = from_addr(from, m->addr);
    m->out_flags = uint32_t(out_flags);
    m->msg_len = size_t(r);
    return r;
}

uint32_t raw_poll_op(Socket* s) {
    return net::raw_poll(raw(s));
}

int raw_ioctl_op(Socket* s, uint32_t cmd, int64_t* out) {
    if (cmd != FIONREAD) return -ENOTTY;
    *out = net::raw_pending(raw(s));
    return 0;
}

// IPPROTO_IP / IPPROTO_ICMP options ping sets (IP_TTL, IP_RECVERR, ICMP_FILTER ...): taken.
int raw_setsockopt_op(Socket*, int, int, const void*, uint32_t) {
    return 0;
}

void raw_release_op(Socket* s) {
    if (s->priv) net::raw_close(raw(s));
    s->priv = nullptr;
}

constexpr SocketOps kRawOps = {raw_bind_op,  nullptr,        nullptr,           raw_connect_op,
                               nullptr,      raw_send_op,    raw_recv_op,       nullptr,
                               nullptr,      nullptr,        raw_setsockopt_op, raw_poll_op,
                               raw_ioctl_op, raw_release_op, nullptr,           nullptr};

int inet_create(Socket* s, int type, int protocol) {
    net::Stack& stack = net::default_stack();
    if (type == type::STREAM) {
        if (protocol != kIpProtoIp && protocol != kIpProtoTcp) return -EPROTONOSUPPORT;
        net::TcpSock* t = nullptr;
        if (int r = net::tcp_create(stack, &t); r < 0) return r;
        s->ops = &tcp_ops();
        s->priv = t;
        s->protocol = kIpProtoTcp;
        net::tcp_set_notify(t, notify, s);
        return 0;
    }
    if (type == type::DGRAM) {
        if (protocol != kIpProtoIp && protocol != kIpProtoUdp) return -EPROTONOSUPPORT;
        net::UdpSock* u = nullptr;
        if (int r = net::udp_create(stack, &u); r < 0) return r;
        s->ops = &kUdpOps;
        s->priv = u;
        s->protocol = kIpProtoUdp;
        net::udp_set_notify(u, notify, s);
        return 0;
    }
    if (type == type::RAW) {
        net::RawSock* r = nullptr;
        if (int rc = net::raw_create(stack, protocol, &r); rc < 0) return rc;
        s->ops = &kRawOps;
        s->priv = r;
        net::raw_set_notify(r, notify, s);
        return 0;
    }
    return -ESOCKTNOSUPPORT;
}

constexpr SocketFamily kInetFamily = {af::INET, inet_create};

}  // namespace

int register_inet() {
    return register_family(&kInetFamily);
}

}  // namespace sock
