#include "net/ipv4.hpp"

#include "kernel/string.hpp"
#include "net/arp.hpp"
#include "net/checksum.hpp"
#include "net/ether.hpp"
#include "net/icmp.hpp"
#include "net/raw.hpp"
#include "net/stack.hpp"
#include "net/tcp.hpp"
#include "net/udp.hpp"

namespace net {

IpError parse_ipv4(const uint8_t* p, size_t len, Ipv4Packet* out) {
    if (p == nullptr || len < kIpHdrLen) return IpError::Truncated;
    if ((p[0] >> 4) != 4) return IpError::BadVersion;
    uint32_t ihl = uint32_t(p[0] & 0xf) * 4;
    if (ihl < kIpHdrLen) return IpError::BadIhl;
    if (len < ihl) return IpError::Truncated;
    uint16_t total = load16(p + 2);
    if (total < ihl || total > len) return IpError::BadLength;
    if (csum_partial(p, ihl, 0) != 0xffff) return IpError::BadChecksum;
    uint16_t frag = load16(p + 6);
    if ((frag & 0x2000) != 0 || (frag & 0x1fff) != 0) return IpError::Fragment;
    out->tos = p[1];
    out->total_len = total;
    out->header_len = uint16_t(ihl);
    out->id = load16(p + 4);
    out->ttl = p[8];
    out->proto = p[9];
    out->src = load32(p + 12);
    out->dst = load32(p + 16);
    out->payload = p + ihl;
    out->payload_len = total - ihl;
    return IpError::Ok;
}

void write_ipv4(uint8_t* out, uint32_t src, uint32_t dst, uint8_t proto, uint16_t total_len,
                uint16_t id, uint8_t ttl) {
    out[0] = 0x45;
    out[1] = 0;
    store16(out + 2, total_len);
    store16(out + 4, id);
    store16(out + 6, 0x4000);  // DF
    out[8] = ttl;
    out[9] = proto;
    store16(out + 10, 0);
    store32(out + 12, src);
    store32(out + 16, dst);
    store16(out + 10, ip_checksum(out, kIpHdrLen));
}

int ip_route(Stack& s, uint32_t dst, Route* out) {
    out->broadcast = false;
    if (ip_is_loopback(dst) || is_local_addr(s, dst)) {
        out->iface = &s.ifaces[0];
        out->src = ip_is_loopback(dst) ? ip4(127, 0, 0, 1) : dst;
        out->nexthop = dst;
        return 0;
    }
    Iface* gw_iface = nullptr;
    for (uint32_t i = 1; i < s.nifaces; ++i) {
        Iface& ifc = s.ifaces[i];
        if (!ifc.up || ifc.addr == 0) continue;
        if (dst == 0xffffffffu || dst == (ifc.addr | ~ifc.mask)) {
            *out = Route{&ifc, ifc.addr, dst, true};
            return 0;
        }
        if ((dst & ifc.mask) == (ifc.addr & ifc.mask)) {
            *out = Route{&ifc, ifc.addr, dst, false};
            return 0;
        }
        if (ifc.gateway != 0 && gw_iface == nullptr) gw_iface = &ifc;
    }
    if (gw_iface == nullptr || ip_is_multicast(dst)) {
        ++s.stats.ip.out_no_routes;
        return -err::kENETUNREACH;
    }
    *out = Route{gw_iface, gw_iface->addr, gw_iface->gateway, false};
    return 0;
}

int ip_output(Stack& s, const Route& r, uint32_t dst, uint8_t proto, TxFrame& f) {
    ++s.stats.ip.out_requests;
    uint32_t total = kIpHdrLen + f.l4_head_len + f.payload_len;
    if (total > 0xffff) {
        ++s.stats.ip.out_discards;
        return -err::kEMSGSIZE;
    }
    write_ipv4(f.head + kEthHdrLen, r.src, dst, proto, uint16_t(total), s.ip_id++, kDefaultTtl);
    Iface& ifc = *r.iface;
    MacAddr src{};
    memcpy(src.b, ifc.dev->mac, 6);
    write_ether(f.head, r.broadcast ? kBroadcastMac : MacAddr{}, src, kEtherTypeIpv4);
    NetSeg segs[3];
    segs[0] = NetSeg{f.head, kL4Off + f.l4_head_len};
    uint32_t n = 1;
    for (uint32_t i = 0; i < f.npayload; ++i) {
        if (f.payload[i].len != 0) segs[n++] = f.payload[i];
    }
    if (ifc.dev == &s.lo || r.broadcast) return link_transmit(s, ifc, f.vh, segs, n);
    int rc = arp_output(s, ifc, r.nexthop, f.vh, segs, n);
    if (rc < 0 && rc != -err::kEAGAIN) ++s.stats.ip.out_discards;
    return rc;
}

void ip_input(Stack& s, Iface& in, const uint8_t* p, size_t len, bool csum_ok) {
    ++s.stats.ip.in_receives;
    Ipv4Packet ip;
    IpError e = parse_ipv4(p, len, &ip);
    if (e == IpError::Fragment) {
        ++s.stats.ip.reasm_reqds;
        ++s.stats.ip.reasm_fails;
        return;
    }
    if (e != IpError::Ok) {
        ++s.stats.ip.in_hdr_errors;
        return;
    }
    bool broadcast = false;
    bool ours = false;
    if (in.dev == &s.lo) {
        ours = true;  // whatever lo carries was sent to one of our addresses
    } else if (ip.dst == in.addr && in.addr != 0) {
        ours = true;
    } else if (ip.dst == 0xffffffffu || (in.addr != 0 && ip.dst == (in.addr | ~in.mask))) {
        ours = broadcast = true;
    }
    if (!ours || ip_is_loopback(ip.src) != (in.dev == &s.lo && ip_is_loopback(ip.dst))) {
        ++s.stats.ip.in_addr_errors;
        return;
    }
    if (ip.src == 0xffffffffu || ip_is_multicast(ip.src)) {
        ++s.stats.ip.in_addr_errors;
        return;
    }
    switch (ip.proto) {
        case kProtoIcmp:
            ++s.stats.ip.in_delivers;
            if (s.raw_list != nullptr) raw_input(s, ip, p);
            if (!broadcast) icmp_input(s, ip, csum_ok);
            break;
        case kProtoUdp:
            ++s.stats.ip.in_delivers;
            udp_input(s, ip, p, csum_ok, broadcast);
            break;
        case kProtoTcp:
            ++s.stats.ip.in_delivers;
            if (!broadcast) tcp_input(s, ip, csum_ok);
            break;
        default:
            ++s.stats.ip.in_unknown_protos;
            break;
    }
}

}  // namespace net
