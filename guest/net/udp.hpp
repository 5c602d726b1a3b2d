// UDP (RFC 768): the datagram parser (pure), the socket objects and their non-blocking API for
// the socket layer. Every datagram is at most one frame: without fragmentation a send larger
// than the interface's MTU allows is -EMSGSIZE. Receive queues are bounded by SO_RCVBUF
// (datagram bytes plus kUdpOverhead each), like Linux's accounting; excess is dropped and
// counted (RcvbufErrors).
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "net/ipv4.hpp"
#include "net/pktbuf.hpp"
#include "net/types.hpp"

namespace net {

inline constexpr uint32_t kUdpHdrLen = 8;
inline constexpr uint32_t kUdpOverhead = 256;  // per queued datagram, for SO_RCVBUF
inline constexpr uint32_t kUdpDefaultRcvbuf = 212992;
inline constexpr uint32_t kUdpDefaultSndbuf = 212992;
inline constexpr uint16_t kEphemeralLow = 32768, kEphemeralHigh = 60999;

struct UdpDatagram {
    uint16_t sport, dport;
    const uint8_t* payload;
    size_t payload_len;
};

enum class UdpError : uint8_t { Ok, Truncated, BadLength, BadChecksum };

// `len` is the IP payload; the UDP length field must be within it. The checksum is verified
// when `verify_csum` and the field is not 0 (RFC 768: none sent).
UdpError parse_udp(const uint8_t* p, size_t len, uint32_t src, uint32_t dst, bool verify_csum,
                   UdpDatagram* out);

class Stack;

struct UdpSock {
    UdpSock* next;  // Stack::udp_list
    Stack* stack;
    uint32_t refs;
    bool listed;
    bool bound, connected, reuseaddr, broadcast;
    uint8_t shutdown;  // bit 0: no more receives, bit 1: no more sends
    SockAddr local;
    SockAddr remote;
    int error;  // pending SO_ERROR (positive errno)
    uint32_t rcvbuf, sndbuf;
    uint64_t rx_charge;  // bytes charged against rcvbuf
    PktQueue rxq;
    NotifyFn notify;
    void* notify_ctx;
};

// The socket-facing API (all take the stack's lock; never block).
int udp_create(Stack& s, UdpSock** out);  // 0 or -ENOMEM; the caller holds the handle
void udp_set_notify(UdpSock* u, NotifyFn fn, void* ctx);
int udp_bind(UdpSock* u, const SockAddr& a);  // port 0: an ephemeral port
// `a` nullptr (AF_UNSPEC): dissolves the association.
int udp_connect(UdpSock* u, const SockAddr* a);
// `dst` nullptr: to the connected peer. Bytes sent or a negative errno.
long udp_sendto(UdpSock* u, const SockAddr* dst, CopyIn copy, void* ctx, size_t len, int flags);
// One datagram: bytes copied (or its whole length with MSG_TRUNC in `flags`); *out_flags gets
// kMsgTrunc when the datagram was longer than `len`. -EAGAIN when the queue is empty.
long udp_recvfrom(UdpSock* u, CopyOut copy, void* ctx, size_t len, int flags, SockAddr* from,
                  int* out_flags);
int udp_shutdown(UdpSock* u, int how);
uint32_t udp_poll(UdpSock* u);
int udp_getsockname(UdpSock* u, SockAddr* out);
int udp_getpeername(UdpSock* u, SockAddr* out);  // -ENOTCONN
int udp_setsockopt(UdpSock* u, int level, int name, int value);
int udp_getsockopt(UdpSock* u, int level, int name, int* value);
uint32_t udp_pending(UdpSock* u);  // FIONREAD: the size of the next datagram
void udp_close(UdpSock* u);        // releases the handle

// Stack internals.
void udp_input(Stack& s, const Ipv4Packet& ip, const uint8_t* ip_header, bool csum_ok,
               bool broadcast);
void udp_shutdown_all(Stack& s);

}  // namespace net
