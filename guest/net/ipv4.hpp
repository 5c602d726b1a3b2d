// IPv4 (RFC 791): the header parser (pure: every length checked against the frame), the header
// writer, and the stack's input and output (routing: loopback, on-link subnet, default
// gateway). Fragments are not reassembled: they are counted and dropped.
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "net/netdev.hpp"
#include "net/types.hpp"

namespace net {

inline constexpr uint32_t kIpHdrLen = 20;  // the stack sends no options
inline constexpr uint8_t kProtoIcmp = 1, kProtoTcp = 6, kProtoUdp = 17;
inline constexpr uint8_t kDefaultTtl = 64;

enum class IpError : uint8_t {
    Ok,
    Truncated,    // shorter than 20 bytes or than its IHL
    BadVersion,   // not 4
    BadIhl,       // IHL < 5
    BadLength,    // total length < IHL*4 or > the bytes received
    BadChecksum,  // header checksum
    Fragment,     // MF set or a fragment offset: not reassembled
};

struct Ipv4Packet {
    uint32_t src, dst;
    uint8_t proto, ttl, tos;
    uint16_t id;
    uint16_t header_len;  // IHL * 4
    uint16_t total_len;
    const uint8_t* payload;  // total_len - header_len bytes (trailing padding cut off)
    size_t payload_len;
};

// Validates version, IHL, total length against `len` (padding after total_len is allowed),
// the header checksum, and refuses fragments (after the rest is valid).
IpError parse_ipv4(const uint8_t* p, size_t len, Ipv4Packet* out);

// Writes a 20-byte header with its checksum; total_len includes the header. DF is set.
void write_ipv4(uint8_t* out, uint32_t src, uint32_t dst, uint8_t proto, uint16_t total_len,
                uint16_t id, uint8_t ttl);

inline bool ip_is_loopback(uint32_t a) {
    return (a >> 24) == 127;
}
inline bool ip_is_multicast(uint32_t a) {
    return (a >> 28) == 0xe;
}

// A frame under construction: room for the Ethernet, IPv4 and L4 headers in `head` (the L4
// header at kL4Off, which its protocol writes), then payload pieces that stay where they are
// (the TCP send buffer) until the device copies them.
inline constexpr uint32_t kL4Off = 14 + kIpHdrLen;
struct TxFrame {
    NetHdr vh;
    uint8_t head[kL4Off + 64];
    uint32_t l4_head_len;
    NetSeg payload[2];
    uint32_t npayload;
    uint32_t payload_len;
};

class Stack;
struct Iface;

// Where a packet to `dst` goes. `src` is the address to send from (the outgoing interface's,
// or 127.0.0.1 on lo).
struct Route {
    Iface* iface;
    uint32_t src;
    uint32_t nexthop;
    bool broadcast;
};

// 0 or -ENETUNREACH.
int ip_route(Stack& s, uint32_t dst, Route* out);
// Fills the IP and Ethernet headers and hands the frame to the link (ARP may queue it).
// 0; -EAGAIN when the device is full (nothing was sent); -ENOBUFS/-EHOSTUNREACH/-EMSGSIZE.
int ip_output(Stack& s, const Route& r, uint32_t dst, uint8_t proto, TxFrame& f);
// A received IPv4 packet (the Ethernet payload). `csum_ok`: the device vouched for the L4
// checksum.
void ip_input(Stack& s, Iface& in, const uint8_t* p, size_t len, bool csum_ok);

}  // namespace net
