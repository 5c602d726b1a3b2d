// The stack object: interfaces, the loopback device, the driver entry points, the lock guard
// that runs looped-back frames, and the timer tick.
#include "net/stack.hpp"

#include "kernel/string.hpp"
#include "net/arp.hpp"
#include "net/ether.hpp"
#include "net/ipv4.hpp"
#include "net/raw.hpp"
#include "net/tcp.hpp"
#include "net/udp.hpp"

namespace net {
namespace {

void receive_locked(Stack& s, NetDevice* dev, const NetHdr& hdr, const uint8_t* frame, size_t len) {
    Iface* ifc = iface_of(s, dev);
    if (ifc == nullptr || !ifc->up || len > kMaxGsoFrame) return;
    EthFrame eth;
    if (parse_ether(frame, len, &eth) != EthError::Ok) return;
    if (dev != &s.lo && !mac_is_broadcast(eth.dst) && !mac_equal(eth.dst, dev->mac)) return;
    bool csum_ok = (hdr.flags & (kHdrNeedsCsum | kHdrDataValid)) != 0;
    switch (eth.type) {
        case kEtherTypeArp:
            if (dev != &s.lo) arp_input(s, *ifc, eth.payload, eth.payload_len);
            break;
        case kEtherTypeIpv4:
            ip_input(s, *ifc, eth.payload, eth.payload_len, csum_ok);
            break;
        default:
            break;
    }
}

// lo: frames are queued and received when the current entry point ends (no recursion).
int loop_transmit(NetDevice* dev, const NetHdr& hdr, const NetSeg* segs, uint32_t count) {
    Stack& s = *static_cast<Stack*>(dev->driver);
    if (s.loopq.count >= kLoopbackQueueMax) {
        ++dev->stats.tx_dropped;
        return -err::kEAGAIN;
    }
    PktBuf* p = pkt_copy(hdr, segs, count);
    if (p == nullptr) {
        ++dev->stats.tx_dropped;
        return -err::kENOBUFS;
    }
    if (!(p->vh.flags & kHdrNeedsCsum)) p->vh.flags |= kHdrDataValid;  // lo does not corrupt
    s.loopq.push(p);
    ++dev->stats.tx_packets;
    dev->stats.tx_bytes += p->len;
    return 0;
}

constexpr NetDeviceOps kLoopOps{loop_transmit};

void drain_loopback(Stack& s) {
    if (s.draining) return;
    s.draining = true;
    for (uint32_t i = 0; i < kLoopbackDrainMax; ++i) {
        PktBuf* p = s.loopq.pop();
        if (p == nullptr) break;
        ++s.lo.stats.rx_packets;
        s.lo.stats.rx_bytes += p->len;
        receive_locked(s, &s.lo, p->vh, p->data(), p->len);
        pkt_free(p);
    }
    s.draining = false;
    if (s.tx_blocked && s.loopq.count < kLoopbackQueueMax / 2) {
        s.tx_blocked = false;
        for (TcpSock* t = s.tcp_list; t != nullptr; t = t->next) tcp_output(s, t);
    }
}

}  // namespace

StackGuard::StackGuard(Stack& s) : s_(s) {
    s_.lock.lock();
    if (s_.clock != nullptr) {
        uint64_t now = s_.clock();
        if (now > s_.now) s_.now = now;
    }
}

StackGuard::~StackGuard() {
    drain_loopback(s_);
    if (s_.on_deadline != nullptr) {
        const uint64_t a = s_.loopq.empty() ? arp_deadline(s_) : s_.now;
        const uint64_t t = tcp_deadline(s_);
        s_.on_deadline(a < t ? a : t);
    }
    s_.lock.unlock();
}

void stack_init(Stack& s, uint64_t (*clock)(), void (*random)(void*, size_t)) {
    s.clock = clock;
    s.random = random;
    if (clock != nullptr) s.now = clock();
    memset(&s.lo, 0, sizeof(s.lo));
    s.lo.ops = &kLoopOps;
    s.lo.driver = &s;
    memcpy(s.lo.name, "lo", 3);
    s.lo.mtu = 65535;
    s.lo.offloads = kOffloadTxCsum | kOffloadTso4 | kOffloadRxCsum | kOffloadRxTso4;
    s.lo.index = 1;
    s.ifaces[0] = Iface{&s.lo, ip4(127, 0, 0, 1), 0xff000000u, 0, true};
    s.nifaces = 1;
    random_fill(s, s.isn_key, sizeof(s.isn_key));
    s.port_cursor = random_u32(s);
    s.initialised = true;
}

void stack_shutdown(Stack& s) {
    StackGuard g(s);
    tcp_shutdown_all(s);
    udp_shutdown_all(s);
    raw_shutdown_all(s);
    arp_flush(s);
    s.loopq.clear();
}

bool stack_register_device(Stack& s, NetDevice* dev) {
    StackGuard g(s);
    if (s.nifaces >= kMaxIfaces || dev == nullptr || dev->ops == nullptr) return false;
    if (iface_of(s, dev) != nullptr) return true;
    s.ifaces[s.nifaces] = Iface{dev, 0, 0, 0, true};
    if (dev->index == 0) dev->index = s.nifaces + 1;
    ++s.nifaces;
    return true;
}

int stack_configure(Stack& s, const char* ifname, uint32_t addr, uint32_t mask, uint32_t gw) {
    StackGuard g(s);
    Iface* found = nullptr;
    for (uint32_t i = 1; i < s.nifaces && found == nullptr; ++i) {
        NetDevice* d = s.ifaces[i].dev;
        if (ifname == nullptr || ifname[0] == '\0' ||
            kstreq_n(d->name, kstrnlen(d->name, sizeof(d->name)), ifname)) {
            found = &s.ifaces[i];
        }
    }
    if (found == nullptr) return -err::kENODEV;
    if (addr == 0 || ip_is_loopback(addr) || ip_is_multicast(addr)) return -err::kEINVAL;
    if (gw != 0 && (gw & mask) != (addr & mask)) return -err::kEINVAL;  // gateway must be on-link
    found->addr = addr;
    found->mask = mask;
    found->gateway = gw;
    found->up = true;
    arp_announce(s, *found);
    return 0;
}

void stack_receive(Stack& s, NetDevice* dev, const NetHdr& hdr, const uint8_t* frame, size_t len) {
    StackGuard g(s);
    receive_locked(s, dev, hdr, frame, len);
}

void stack_tx_space(Stack& s, NetDevice*) {
    StackGuard g(s);
    s.tx_blocked = false;
    TcpSock* t = s.tcp_list;
    while (t != nullptr) {
        tcp_get(t);
        tcp_output(s, t);
        TcpSock* next = t->listed ? t->next : nullptr;
        tcp_put(t);
        t = next;
    }
}

void stack_tick(Stack& s, uint64_t now_ns) {
    StackGuard g(s);
    if (now_ns > s.now) s.now = now_ns;
    arp_tick(s);
    tcp_tick(s);
}

uint64_t stack_next_deadline(Stack& s) {
    StackGuard g(s);
    if (!s.loopq.empty()) return s.now;
    uint64_t a = arp_deadline(s);
    uint64_t t = tcp_deadline(s);
    return a < t ? a : t;
}

Iface* iface_of(Stack& s, NetDevice* dev) {
    for (uint32_t i = 0; i < s.nifaces; ++i) {
        if (s.ifaces[i].dev == dev) return &s.ifaces[i];
    }
    return nullptr;
}

bool is_local_addr(Stack& s, uint32_t addr) {
    if (ip_is_loopback(addr)) return true;
    for (uint32_t i = 1; i < s.nifaces; ++i) {
        if (s.ifaces[i].addr != 0 && s.ifaces[i].addr == addr) return true;
    }
    return false;
}

int link_transmit(Stack& s, Iface& ifc, const NetHdr& vh, const NetSeg* segs, uint32_t count) {
    (void)s;
    return ifc.dev->ops->transmit(ifc.dev, vh, segs, count);
}

void random_fill(Stack& s, void* out, size_t len) {
    if (s.random != nullptr) {
        s.random(out, len);
        return;
    }
    // No source injected: a weak generator from the clock (tests that do not care).
    uint64_t x = s.now ^ 0x9e3779b97f4a7c15ull ^ s.isn_key[0];
    auto* p = static_cast<uint8_t*>(out);
    for (size_t i = 0; i < len; ++i) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        p[i] = uint8_t(x);
    }
    s.isn_key[0] ^= x;
}

uint32_t random_u32(Stack& s) {
    uint32_t v;
    random_fill(s, &v, sizeof(v));
    return v;
}

}  // namespace net
