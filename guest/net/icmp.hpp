// ICMP (RFC 792): echo requests are answered (ping), echo replies counted, destination
// unreachable (port) sent for UDP datagrams nobody receives. The stack can also send an echo
// request (for a future ping socket; tests use it).
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "net/ipv4.hpp"

namespace net {

inline constexpr uint8_t kIcmpEchoReply = 0, kIcmpDestUnreach = 3, kIcmpEcho = 8;
inline constexpr uint8_t kIcmpPortUnreach = 3;

struct IcmpMessage {
    uint8_t type, code;
    uint16_t id, seq;     // echo and echo reply
    const uint8_t* body;  // after the 8-byte header
    size_t body_len;
};

enum class IcmpError : uint8_t { Ok, Truncated, BadChecksum };

IcmpError parse_icmp(const uint8_t* p, size_t len, bool verify_csum, IcmpMessage* out);

class Stack;

void icmp_input(Stack& s, const Ipv4Packet& ip, bool csum_ok);
// An echo request to `dst` (payload copied); takes the stack's lock. 0 or a negative errno.
int icmp_send_echo(Stack& s, uint32_t dst, uint16_t id, uint16_t seq, const void* data, size_t len);
// Port unreachable about the datagram `ip` (whose header starts at `ip_header`).
void icmp_send_port_unreachable(Stack& s, const Ipv4Packet& ip, const uint8_t* ip_header);

}  // namespace net
