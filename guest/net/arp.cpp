#include "net/arp.hpp"

#include "kernel/string.hpp"
#include "net/ether.hpp"
#include "net/stack.hpp"

namespace net {

ArpError parse_arp(const uint8_t* p, size_t len, ArpPacket* out) {
    if (p == nullptr || len < kArpLen) return ArpError::Truncated;
    if (load16(p) != 1 || load16(p + 2) != kEtherTypeIpv4 || p[4] != 6 || p[5] != 4) {
        return ArpError::Unsupported;
    }
    out->op = load16(p + 6);
    if (out->op != kArpRequest && out->op != kArpReply) return ArpError::Unsupported;
    memcpy(out->sha.b, p + 8, 6);
    out->spa = load32(p + 14);
    memcpy(out->tha.b, p + 18, 6);
    out->tpa = load32(p + 24);
    return ArpError::Ok;
}

void write_arp(uint8_t* out, uint16_t op, const MacAddr& sha, uint32_t spa, const MacAddr& tha,
               uint32_t tpa) {
    store16(out, 1);
    store16(out + 2, kEtherTypeIpv4);
    out[4] = 6;
    out[5] = 4;
    store16(out + 6, op);
    memcpy(out + 8, sha.b, 6);
    store32(out + 14, spa);
    memcpy(out + 18, tha.b, 6);
    store32(out + 24, tpa);
}

namespace {

MacAddr dev_mac(const Iface& ifc) {
    MacAddr m;
    memcpy(m.b, ifc.dev->mac, 6);
    return m;
}

uint8_t iface_index(Stack& s, Iface& ifc) {
    return uint8_t(&ifc - s.ifaces);
}

void send_arp(Stack& s, Iface& ifc, uint16_t op, const MacAddr& dst, const MacAddr& tha,
              uint32_t tpa) {
    uint8_t frame[kEthHdrLen + kArpLen + 18];  // padded to the 60-byte minimum
    memset(frame, 0, sizeof(frame));
    MacAddr me = dev_mac(ifc);
    write_ether(frame, dst, me, kEtherTypeArp);
    write_arp(frame + kEthHdrLen, op, me, ifc.addr, tha, tpa);
    NetHdr vh{};
    NetSeg seg{frame, sizeof(frame)};
    if (op == kArpRequest) {
        ++s.stats.arp.requests_out;
    } else {
        ++s.stats.arp.replies_out;
    }
    link_transmit(s, ifc, vh, &seg, 1);
}

ArpEntry* find(Stack& s, uint8_t iface, uint32_t ip) {
    for (ArpEntry& e : s.arp.entries) {
        if (e.state != ArpState::Free && e.iface == iface && e.ip == ip) return &e;
    }
    return nullptr;
}

void release(ArpEntry& e) {
    e.pending.clear();
    e.state = ArpState::Free;
}

// A free entry, else the one closest to expiry (its queued frames are dropped).
ArpEntry& allocate(Stack& s) {
    ArpEntry* victim = &s.arp.entries[0];
    for (ArpEntry& e : s.arp.entries) {
        if (e.state == ArpState::Free) return e;
        if (e.deadline < victim->deadline) victim = &e;
    }
    s.stats.arp.queue_drops += victim->pending.count;
    release(*victim);
    return *victim;
}

void flush_pending(Stack& s, Iface& ifc, ArpEntry& e) {
    while (PktBuf* p = e.pending.pop()) {
        memcpy(p->data(), e.mac.b, 6);
        NetSeg seg{p->data(), p->len};
        link_transmit(s, ifc, p->vh, &seg, 1);
        pkt_free(p);
    }
}

void update(Stack& s, Iface& ifc, uint32_t ip, const MacAddr& mac, bool create) {
    if (ip == 0 || mac_is_multicast(mac)) return;
    uint8_t idx = iface_index(s, ifc);
    ArpEntry* e = find(s, idx, ip);
    if (e == nullptr) {
        if (!create) return;
        e = &allocate(s);
        e->ip = ip;
        e->iface = idx;
        e->retries = 0;
    }
    e->mac = mac;
    e->state = ArpState::Reachable;
    e->deadline = s.now + kArpReachableNs;
    flush_pending(s, ifc, *e);
}

}  // namespace

void arp_input(Stack& s, Iface& ifc, const uint8_t* p, size_t len) {
    ArpPacket a;
    if (parse_arp(p, len, &a) != ArpError::Ok || ifc.addr == 0) return;
    bool for_us = a.tpa == ifc.addr;
    if (a.op == kArpRequest) {
        ++s.stats.arp.requests_in;
    } else {
        ++s.stats.arp.replies_in;
    }
    if (a.spa == ifc.addr) return;  // someone else claims our address: ignore (no defence)
    // RFC 826's merge: refresh an existing entry; create one when the packet is for us.
    update(s, ifc, a.spa, a.sha, for_us);
    if (for_us && a.op == kArpRequest) send_arp(s, ifc, kArpReply, a.sha, a.sha, a.spa);
}

int arp_output(Stack& s, Iface& ifc, uint32_t nexthop, const NetHdr& vh, NetSeg* segs,
               uint32_t count) {
    uint8_t idx = iface_index(s, ifc);
    ArpEntry* e = find(s, idx, nexthop);
    if (e != nullptr && e->state == ArpState::Reachable && e->deadline > s.now) {
        memcpy(const_cast<void*>(segs[0].data), e->mac.b, 6);
        return link_transmit(s, ifc, vh, segs, count);
    }
    if (e != nullptr && e->state == ArpState::Failed && e->deadline > s.now) {
        return -err::kEHOSTUNREACH;
    }
    if (e == nullptr || e->state != ArpState::Incomplete) {
        if (e == nullptr) e = &allocate(s);
        e->pending.clear();
        e->ip = nexthop;
        e->iface = idx;
        e->state = ArpState::Incomplete;
        e->retries = 0;
        e->deadline = s.now + kArpRetryNs;
        send_arp(s, ifc, kArpRequest, kBroadcastMac, MacAddr{}, nexthop);
    }
    if (e->pending.count >= kArpQueueMax) {
        // Drop the oldest: the newest frame is the most useful (TCP retransmits the rest).
        pkt_free(e->pending.pop());
        ++s.stats.arp.queue_drops;
    }
    PktBuf* p = pkt_copy(vh, segs, count);
    if (p == nullptr) {
        ++s.stats.arp.queue_drops;
        return -err::kENOBUFS;
    }
    e->pending.push(p);
    return 0;
}

void arp_announce(Stack& s, Iface& ifc) {
    if (ifc.addr == 0 || ifc.dev == &s.lo) return;
    // Gratuitous ARP: a request for our own address (RFC 5227's announcement).
    send_arp(s, ifc, kArpRequest, kBroadcastMac, MacAddr{}, ifc.addr);
}

void arp_tick(Stack& s) {
    for (ArpEntry& e : s.arp.entries) {
        if (e.state == ArpState::Free || e.deadline > s.now) continue;
        if (e.state == ArpState::Incomplete) {
            Iface& ifc = s.ifaces[e.iface];
            if (++e.retries >= kArpRetries || ifc.dev == nullptr) {
                s.stats.arp.queue_drops += e.pending.count;
                ++s.stats.arp.failed;
                e.pending.clear();
                e.state = ArpState::Failed;
                e.deadline = s.now + kArpFailedHoldNs;
            } else {
                e.deadline = s.now + kArpRetryNs;
                send_arp(s, ifc, kArpRequest, kBroadcastMac, MacAddr{}, e.ip);
            }
        } else {
            release(e);
        }
    }
}

uint64_t arp_deadline(const Stack& s) {
    uint64_t d = UINT64_MAX;
    for (const ArpEntry& e : s.arp.entries) {
        if (e.state != ArpState::Free && e.deadline < d) d = e.deadline;
    }
    return d;
}

void arp_flush(Stack& s) {
    for (ArpEntry& e : s.arp.entries) release(e);
}

bool arp_lookup(const Stack& s, uint32_t ip, MacAddr* out) {
    for (const ArpEntry& e : s.arp.entries) {
        if (e.state == ArpState::Reachable && e.ip == ip) {
            *out = e.mac;
            return true;
        }
    }
    return false;
}

}  // namespace net
