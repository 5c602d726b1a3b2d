#include "net/udp.hpp"

#include "kernel/string.hpp"
#include "mm/kheap.hpp"
#include "net/checksum.hpp"
#include "net/icmp.hpp"
#include "net/stack.hpp"

namespace net {

UdpError parse_udp(const uint8_t* p, size_t len, uint32_t src, uint32_t dst, bool verify_csum,
                   UdpDatagram* out) {
    if (p == nullptr || len < kUdpHdrLen) return UdpError::Truncated;
    uint16_t ulen = load16(p + 4);
    if (ulen < kUdpHdrLen || ulen > len) return UdpError::BadLength;
    if (verify_csum && load16(p + 6) != 0) {
        uint16_t sum = csum_partial(p, ulen, pseudo_sum(src, dst, kProtoUdp, ulen));
        if (sum != 0xffff) return UdpError::BadChecksum;
    }
    out->sport = load16(p);
    out->dport = load16(p + 2);
    out->payload = p + kUdpHdrLen;
    out->payload_len = ulen - kUdpHdrLen;
    return UdpError::Ok;
}

namespace {

void get(UdpSock* u) {
    ++u->refs;
}

void put(UdpSock* u) {
    if (--u->refs != 0) return;
    u->rxq.clear();
    kfree(u);
}

void wake(UdpSock* u) {
    if (u->notify != nullptr) u->notify(u->notify_ctx);
}

bool port_used(Stack& s, uint16_t port, uint32_t addr, bool reuse, UdpSock* self) {
    for (UdpSock* o = s.udp_list; o != nullptr; o = o->next) {
        if (o == self || !o->bound || o->local.port != port) continue;
        if (o->local.addr != 0 && addr != 0 && o->local.addr != addr) continue;
        if (reuse && o->reuseaddr) continue;
        return true;
    }
    return false;
}

void list_add(Stack& s, UdpSock* u) {
    if (u->listed) return;
    u->listed = true;
    get(u);
    u->next = s.udp_list;
    s.udp_list = u;
}

void list_remove(Stack& s, UdpSock* u) {
    if (!u->listed) return;
    for (UdpSock** pp = &s.udp_list; *pp != nullptr; pp = &(*pp)->next) {
        if (*pp == u) {
            *pp = u->next;
            break;
        }
    }
    u->listed = false;
    put(u);
}

int bind_locked(Stack& s, UdpSock* u, const SockAddr& a) {
    if (u->bound) return -err::kEINVAL;
    if (a.addr != 0 && !is_local_addr(s, a.addr) && a.addr != 0xffffffffu) {
        return -err::kEADDRNOTAVAIL;
    }
    uint16_t port = a.port;
    if (port == 0) {
        uint32_t range = kEphemeralHigh - kEphemeralLow + 1;
        uint32_t start = random_u32(s) % range;
        bool found = false;
        for (uint32_t i = 0; i < range; ++i) {
            port = uint16_t(kEphemeralLow + (start + i) % range);
            if (!port_used(s, port, a.addr, false, u)) {
                found = true;
                break;
            }
        }
        if (!found) return -err::kEADDRINUSE;
    } else if (port_used(s, port, a.addr, u->reuseaddr, u)) {
        return -err::kEADDRINUSE;
    }
    u->local = SockAddr{a.addr, port};
    u->bound = true;
    list_add(s, u);
    return 0;
}

UdpSock* lookup(Stack& s, uint32_t src, uint16_t sport, uint32_t dst, uint16_t dport) {
    UdpSock* best = nullptr;
    int best_score = -1;
    for (UdpSock* u = s.udp_list; u != nullptr; u = u->next) {
        if (!u->bound || u->local.port != dport) continue;
        int score = 0;
        if (u->local.addr != 0) {
            if (u->local.addr != dst) continue;
            score += 2;
        }
        if (u->connected) {
            if (u->remote.addr != src || u->remote.port != sport) continue;
            score += 4;
        }
        if (score > best_score) {
            best = u;
            best_score = score;
        }
    }
    return best;
}

}  // namespace

int udp_create(Stack& s, UdpSock** out) {
    StackGuard g(s);
    auto* u = knew<UdpSock>();
    if (u == nullptr) return -err::kENOMEM;
    u->stack = &s;
    u->refs = 1;
    u->rcvbuf = kUdpDefaultRcvbuf;
    u->sndbuf = kUdpDefaultSndbuf;
    *out = u;
    return 0;
}

void udp_set_notify(UdpSock* u, NotifyFn fn, void* ctx) {
    StackGuard g(*u->stack);
    u->notify = fn;
    u->notify_ctx = ctx;
}

int udp_bind(UdpSock* u, const SockAddr& a) {
    StackGuard g(*u->stack);
    return bind_locked(*u->stack, u, a);
}

int udp_connect(UdpSock* u, const SockAddr* a) {
    Stack& s = *u->stack;
    StackGuard g(s);
    if (a == nullptr) {
        u->connected = false;
        u->remote = SockAddr{0, 0};
        return 0;
    }
    if (a->port == 0) return -err::kEINVAL;
    Route r;
    int rc = ip_route(s, a->addr, &r);
    if (rc < 0) return rc;
    if (!u->bound) {
        rc = bind_locked(s, u, SockAddr{0, 0});
        if (rc < 0) return rc;
    }
    if (u->local.addr == 0 && !r.broadcast) u->local.addr = r.src;
    u->remote = *a;
    u->connected = true;
    return 0;
}

long udp_sendto(UdpSock* u, const SockAddr* dst, CopyIn copy, void* ctx, size_t len, int) {
    Stack& s = *u->stack;
    StackGuard g(s);
    if (u->shutdown & 2) return -err::kEPIPE;
    if (dst == nullptr) {
        if (!u->connected) return -err::kEDESTADDRREQ;
        dst = &u->remote;
    }
    if (dst->port == 0) return -err::kEINVAL;
    Route r;
    int rc = ip_route(s, dst->addr, &r);
    if (rc < 0) return rc;
    if (r.broadcast && !u->broadcast) return -err::kEACCES;
    uint32_t mtu = r.iface->dev->mtu;
    if (len > 65507 || len + kIpHdrLen + kUdpHdrLen > mtu) return -err::kEMSGSIZE;
    if (!u->bound) {
        rc = bind_locked(s, u, SockAddr{0, 0});
        if (rc < 0) return rc;
    }
    if (u->local.addr != 0 && !r.broadcast) r.src = u->local.addr;
    uint8_t* data = static_cast<uint8_t*>(kmalloc(len ? len : 1));
    if (data == nullptr) {
        ++s.stats.udp.sndbuf_errors;
        return -err::kENOBUFS;
    }
    if (len != 0) {
        rc = copy(ctx, 0, data, len);
        if (rc < 0) {
            kfree(data);
            return rc;
        }
    }
    TxFrame f{};
    uint8_t* h = f.head + kL4Off;
    uint16_t ulen = uint16_t(kUdpHdrLen + len);
    store16(h, u->local.port);
    store16(h + 2, dst->port);
    store16(h + 4, ulen);
    store16(h + 6, 0);
    f.l4_head_len = kUdpHdrLen;
    f.payload[0] = NetSeg{data, uint32_t(len)};
    f.npayload = 1;
    f.payload_len = uint32_t(len);
    uint16_t ps = pseudo_sum(r.src, dst->addr, kProtoUdp, ulen);
    if (r.iface->dev->offloads & kOffloadTxCsum) {
        store16(h + 6, ps);
        f.vh.flags = kHdrNeedsCsum;
        f.vh.csum_start = kL4Off;
        f.vh.csum_offset = 6;
    } else {
        Csum c{ps, false};
        c.add(h, kUdpHdrLen);
        c.add(data, len);
        uint16_t sum = c.finish();
        store16(h + 6, sum == 0 ? 0xffff : sum);
    }
    rc = ip_output(s, r, dst->addr, kProtoUdp, f);
    kfree(data);
    if (rc < 0 && rc != -err::kEAGAIN) return rc;
    ++s.stats.udp.out_datagrams;
    return long(len);  // a full device queue drops the datagram, as a congested link would
}

long udp_recvfrom(UdpSock* u, CopyOut copy, void* ctx, size_t len, int flags, SockAddr* from,
                  int* out_flags) {
    Stack& s = *u->stack;
    StackGuard g(s);
    if (out_flags != nullptr) *out_flags = 0;
    PktBuf* p = u->rxq.head;
    if (p == nullptr) {
        if (u->error != 0) {
            int e = u->error;
            u->error = 0;
            return -e;
        }
        return (u->shutdown & 1) ? 0 : -err::kEAGAIN;
    }
    size_t n = p->len < len ? p->len : len;
    if (n != 0) {
        int rc = copy(ctx, 0, p->data(), n);
        if (rc < 0) return rc;
    }
    if (from != nullptr) *from = SockAddr{p->aux_addr, uint16_t(p->aux)};
    long result = long(n);
    if (p->len > len) {
        if (out_flags != nullptr) *out_flags = kMsgTrunc;
        if (flags & kMsgTrunc) result = long(p->len);
    }
    if (!(flags & kMsgPeek)) {
        u->rxq.pop();
        u->rx_charge -= p->len + kUdpOverhead;
        pkt_free(p);
    }
    return result;
}

int udp_shutdown(UdpSock* u, int how) {
    StackGuard g(*u->stack);
    if (how < kShutRd || how > kShutRdWr) return -err::kEINVAL;
    if (!u->connected) return -err::kENOTCONN;
    u->shutdown |= uint8_t(how + 1);
    wake(u);
    return 0;
}

uint32_t udp_poll(UdpSock* u) {
    StackGuard g(*u->stack);
    uint32_t m = 0;
    if (!u->rxq.empty()) m |= kPollIn | kPollRdNorm;
    if (u->shutdown & 1) m |= kPollIn | kPollRdNorm | kPollRdHup;
    if (u->shutdown == 3) m |= kPollHup;
    m |= kPollOut | kPollWrNorm;
    if (u->error != 0) m |= kPollErr;
    return m;
}

int udp_getsockname(UdpSock* u, SockAddr* out) {
    StackGuard g(*u->stack);
    *out = u->bound ? u->local : SockAddr{0, 0};
    return 0;
}

int udp_getpeername(UdpSock* u, SockAddr* out) {
    StackGuard g(*u->stack);
    if (!u->connected) return -err::kENOTCONN;
    *out = u->remote;
    return 0;
}

int udp_setsockopt(UdpSock* u, int level, int name, int value) {
    StackGuard g(*u->stack);
    if (level != kSolSocket) return -err::kENOPROTOOPT;
    switch (name) {
        case kSoReuseAddr:
            u->reuseaddr = value != 0;
            return 0;
        case kSoBroadcast:
            u->broadcast = value != 0;
            return 0;
        case kSoRcvBuf:
        case kSoSndBuf: {
            // Linux doubles the value (bookkeeping overhead) and clamps it.
            uint64_t v = value < 0 ? 0 : uint64_t(value) * 2;
            if (v < 2304) v = 2304;
            if (v > 8u << 20) v = 8u << 20;
            (name == kSoRcvBuf ? u->rcvbuf : u->sndbuf) = uint32_t(v);
            return 0;
        }
        default:
            return -err::kENOPROTOOPT;
    }
}

int udp_getsockopt(UdpSock* u, int level, int name, int* value) {
    StackGuard g(*u->stack);
    if (level != kSolSocket) return -err::kENOPROTOOPT;
    switch (name) {
        case kSoReuseAddr:
            *value = u->reuseaddr;
            return 0;
        case kSoBroadcast:
            *value = u->broadcast;
            return 0;
        case kSoRcvBuf:
            *value = int(u->rcvbuf);
            return 0;
        case kSoSndBuf:
            *value = int(u->sndbuf);
            return 0;
        case kSoType:
            *value = 2;  // SOCK_DGRAM
            return 0;
        case kSoError:
            *value = u->error;
            u->error = 0;
            return 0;
        default:
            return -err::kENOPROTOOPT;
    }
}

uint32_t udp_pending(UdpSock* u) {
    StackGuard g(*u->stack);
    return u->rxq.head != nullptr ? u->rxq.head->len : 0;
}

void udp_close(UdpSock* u) {
    Stack& s = *u->stack;
    StackGuard g(s);
    u->notify = nullptr;
    list_remove(s, u);
    put(u);
}

void udp_input(Stack& s, const Ipv4Packet& ip, const uint8_t* ip_header, bool csum_ok,
               bool broadcast) {
    UdpDatagram d;
    UdpError e = parse_udp(ip.payload, ip.payload_len, ip.src, ip.dst, !csum_ok, &d);
    if (e != UdpError::Ok) {
        ++s.stats.udp.in_errors;
        if (e == UdpError::BadChecksum) ++s.stats.udp.in_csum_errors;
        return;
    }
    UdpSock* u = lookup(s, ip.src, d.sport, ip.dst, d.dport);
    if (u == nullptr) {
        ++s.stats.udp.no_ports;
        if (!broadcast) icmp_send_port_unreachable(s, ip, ip_header);
        return;
    }
    if (u->shutdown & 1) return;
    if (u->rx_charge + d.payload_len + kUdpOverhead > u->rcvbuf) {
        ++s.stats.udp.rcvbuf_errors;
        ++s.stats.udp.in_errors;
        return;
    }
    PktBuf* p = pkt_alloc(uint32_t(d.payload_len));
    if (p == nullptr) {
        ++s.stats.udp.rcvbuf_errors;
        ++s.stats.udp.in_errors;
        return;
    }
    memcpy(p->data(), d.payload, d.payload_len);
    p->aux = d.sport;
    p->aux_addr = ip.src;
    u->rxq.push(p);
    u->rx_charge += d.payload_len + kUdpOverhead;
    ++s.stats.udp.in_datagrams;
    wake(u);
}

void udp_shutdown_all(Stack& s) {
    while (s.udp_list != nullptr) {
        UdpSock* u = s.udp_list;
        u->rxq.clear();
        u->rx_charge = 0;
        list_remove(s, u);
    }
}

}  // namespace net
