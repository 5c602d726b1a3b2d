#include "net/icmp.hpp"

#include "kernel/string.hpp"
#include "mm/kheap.hpp"
#include "net/checksum.hpp"
#include "net/stack.hpp"

namespace net {

IcmpError parse_icmp(const uint8_t* p, size_t len, bool verify_csum, IcmpMessage* out) {
    if (p == nullptr || len < 8) return IcmpError::Truncated;
    if (verify_csum && csum_partial(p, len, 0) != 0xffff) return IcmpError::BadChecksum;
    out->type = p[0];
    out->code = p[1];
    out->id = load16(p + 4);
    out->seq = load16(p + 6);
    out->body = p + 8;
    out->body_len = len - 8;
    return IcmpError::Ok;
}

namespace {

// Header (8 bytes, at kL4Off) + body; checksum over both.
int send_icmp(Stack& s, uint32_t dst, uint8_t type, uint8_t code, uint32_t rest,
              const uint8_t* body, size_t body_len, uint32_t src_hint) {
    Route r;
    int rc = ip_route(s, dst, &r);
    if (rc < 0) return rc;
    if (src_hint != 0) r.src = src_hint;  // a reply comes from the address asked
    TxFrame f{};
    uint8_t* h = f.head + kL4Off;
    h[0] = type;
    h[1] = code;
    store16(h + 2, 0);
    store32(h + 4, rest);
    f.l4_head_len = 8;
    f.payload[0] = NetSeg{body, uint32_t(body_len)};
    f.npayload = 1;
    f.payload_len = uint32_t(body_len);
    Csum c;
    c.add(h, 8);
    c.add(body, body_len);
    store16(h + 2, c.finish());
    ++s.stats.icmp.out_msgs;
    return ip_output(s, r, dst, kProtoIcmp, f);
}

}  // namespace

void icmp_input(Stack& s, const Ipv4Packet& ip, bool csum_ok) {
    ++s.stats.icmp.in_msgs;
    IcmpMessage m;
    IcmpError e = parse_icmp(ip.payload, ip.payload_len, !csum_ok, &m);
    if (e != IcmpError::Ok) {
        ++s.stats.icmp.in_errors;
        if (e == IcmpError::BadChecksum) ++s.stats.icmp.in_csum_errors;
        return;
    }
    switch (m.type) {
        case kIcmpEcho:
            ++s.stats.icmp.in_echos;
            if (m.code != 0) return;
            ++s.stats.icmp.out_echo_reps;
            send_icmp(s, ip.src, kIcmpEchoReply, 0, load32(ip.payload + 4), m.body, m.body_len,
                      ip.dst);
            break;
        case kIcmpEchoReply:
            ++s.stats.icmp.in_echo_reps;
            break;
        case kIcmpDestUnreach:
            ++s.stats.icmp.in_dest_unreachs;
            break;
        default:
            break;
    }
}

int icmp_send_echo(Stack& s, uint32_t dst, uint16_t id, uint16_t seq, const void* data,
                   size_t len) {
    StackGuard g(s);
    if (len > 65507 - 8) return -err::kEMSGSIZE;
    ++s.stats.icmp.out_echos;
    return send_icmp(s, dst, kIcmpEcho, 0, (uint32_t(id) << 16) | seq,
                     static_cast<const uint8_t*>(data), len, 0);
}

void icmp_send_port_unreachable(Stack& s, const Ipv4Packet& ip, const uint8_t* ip_header) {
    // RFC 792/1812: the offending header and the first 8 bytes of its payload (Linux sends
    // more; this is enough for the sender to match its socket).
    size_t quoted = ip.header_len + (ip.payload_len < 8 ? ip.payload_len : 8);
    ++s.stats.icmp.out_dest_unreachs;
    send_icmp(s, ip.src, kIcmpDestUnreach, kIcmpPortUnreach, 0, ip_header, quoted, ip.dst);
}

}  // namespace net
