#include "net/raw.hpp"

#include "kernel/string.hpp"
#include "mm/kheap.hpp"
#include "net/stack.hpp"

namespace net {

namespace {

void wake(RawSock* r) {
    if (r->notify != nullptr) r->notify(r->notify_ctx);
}

void unlink(Stack& s, RawSock* r) {
    for (RawSock** p = &s.raw_list; *p != nullptr; p = &(*p)->next) {
        if (*p == r) {
            *p = r->next;
            return;
        }
    }
}

}  // namespace

int raw_create(Stack& s, int protocol, RawSock** out) {
    if (protocol != kProtoIcmp) return -err::kEPROTONOSUPPORT;
    RawSock* r = static_cast<RawSock*>(kzalloc(sizeof(RawSock)));
    if (r == nullptr) return -err::kENOMEM;
    new (&r->rxq) PktQueue();
    r->stack = &s;
    r->proto = uint8_t(protocol);
    StackGuard g(s);
    r->next = s.raw_list;
    s.raw_list = r;
    *out = r;
    return 0;
}

void raw_set_notify(RawSock* r, NotifyFn fn, void* ctx) {
    StackGuard g(*r->stack);
    r->notify = fn;
    r->notify_ctx = ctx;
}

int raw_connect(RawSock* r, const SockAddr* a) {
    StackGuard g(*r->stack);
    r->connected = a != nullptr;
    r->remote = a != nullptr ? a->addr : 0;
    return 0;
}

long raw_sendto(RawSock* r, const SockAddr* dst, CopyIn copy, void* ctx, size_t len) {
    Stack& s = *r->stack;
    if (dst == nullptr && !r->connected) return -err::kEDESTADDRREQ;
    const uint32_t to = dst != nullptr ? dst->addr : r->remote;
    if (len < 8 || len > 65535 - 20) return len < 8 ? -err::kEINVAL : -err::kEMSGSIZE;
    uint8_t* body = static_cast<uint8_t*>(kmalloc(len));
    if (body == nullptr) return -err::kENOBUFS;
    if (const int rc = copy(ctx, 0, body, len); rc < 0) {
        kfree(body);
        return rc;
    }
    long result;
    {
        StackGuard g(s);
        Route route;
        int rc = ip_route(s, to, &route);
        if (rc == 0 && len + 20 > route.iface->dev->mtu) rc = -err::kEMSGSIZE;
        if (rc == 0) {
            TxFrame f{};
            f.l4_head_len = 0;
            f.payload[0] = NetSeg{body, uint32_t(len)};
            f.npayload = 1;
            f.payload_len = uint32_t(len);
            ++s.stats.icmp.out_msgs;
            rc = ip_output(s, route, to, r->proto, f);
        }
        result = rc < 0 ? rc : long(len);
    }
    kfree(body);
    return result;
}

long raw_recvfrom(RawSock* r, CopyOut copy, void* ctx, size_t len, int flags, SockAddr* from,
                  int* out_flags) {
    StackGuard g(*r->stack);
    if (out_flags != nullptr) *out_flags = 0;
    PktBuf* p = r->rxq.head;
    if (p == nullptr) return -err::kEAGAIN;
    const size_t n = p->len < len ? p->len : len;
    if (n != 0) {
        if (const int rc = copy(ctx, 0, p->data(), n); rc < 0) return rc;
    }
    if (from != nullptr) *from = SockAddr{p->aux_addr, 0};
    long result = long(n);
    if (p->len > len) {
        if (out_flags != nullptr) *out_flags = kMsgTrunc;
        if (flags & kMsgTrunc) result = long(p->len);
    }
    if (!(flags & kMsgPeek)) {
        r->rxq.pop();
        pkt_free(p);
    }
    return result;
}

uint32_t raw_poll(RawSock* r) {
    StackGuard g(*r->stack);
    return kPollOut | kPollWrNorm | (r->rxq.empty() ? 0 : kPollIn | kPollRdNorm);
}

uint32_t raw_pending(RawSock* r) {
    StackGuard g(*r->stack);
    return r->rxq.head != nullptr ? r->rxq.head->len : 0;
}

void raw_close(RawSock* r) {
    Stack& s = *r->stack;
    {
        StackGuard g(s);
        unlink(s, r);
        r->rxq.clear();
    }
    kfree(r);
}

void raw_input(Stack& s, const Ipv4Packet& ip, const uint8_t* ip_header) {
    const uint32_t len = uint32_t(ip.header_len + ip.payload_len);
    for (RawSock* r = s.raw_list; r != nullptr; r = r->next) {
        if (r->proto != ip.proto || (r->connected && r->remote != ip.src)) continue;
        if (r->rxq.count >= kRawQueueMax) {
            ++r->drops;
            continue;
        }
        PktBuf* p = pkt_alloc(len);
        if (p == nullptr) {
            ++r->drops;
            continue;
        }
        memcpy(p->data(), ip_header, len);
        p->aux_addr = ip.src;
        r->rxq.push(p);
        wake(r);
    }
}

void raw_shutdown_all(Stack& s) {
    for (RawSock* r = s.raw_list; r != nullptr; r = r->next) r->rxq.clear();
}

}  // namespace net
