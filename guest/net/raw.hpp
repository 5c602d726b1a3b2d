// Raw IPv4 sockets for ICMP (socket(AF_INET, SOCK_RAW, IPPROTO_ICMP)), what ping(8) uses: a
// send is an ICMP message the caller built (its checksum too) that the stack wraps in an IPv4
// header; every ICMP datagram the stack receives is also copied, IP header included, into the
// queue of every raw socket (bounded: 64 datagrams, then they are dropped and counted), as
// Linux's raw sockets see them. Non-blocking API for the socket layer, like udp.hpp's.
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "net/ipv4.hpp"
#include "net/pktbuf.hpp"
#include "net/types.hpp"

namespace net {

class Stack;

inline constexpr uint32_t kRawQueueMax = 64;

struct RawSock {
    RawSock* next;  // Stack::raw_list
    Stack* stack;
    uint8_t proto;
    bool connected;
    uint32_t remote;  // connect(2)'s address: the default destination and a receive filter
    uint32_t drops;
    PktQueue rxq;
    NotifyFn notify;
    void* notify_ctx;
};

// 0, -ENOMEM, -EPROTONOSUPPORT (only IPPROTO_ICMP).
int raw_create(Stack& s, int protocol, RawSock** out);
void raw_set_notify(RawSock* r, NotifyFn fn, void* ctx);
int raw_connect(RawSock* r, const SockAddr* a);  // nullptr: dissolves
// The ICMP message (len bytes, 8..65515) to `dst` (nullptr: the connected address). Bytes
// sent or -EDESTADDRREQ / -EMSGSIZE / -ENETUNREACH / -EAGAIN.
long raw_sendto(RawSock* r, const SockAddr* dst, CopyIn copy, void* ctx, size_t len);
// One IP datagram (header included): bytes copied (or its length with MSG_TRUNC); -EAGAIN.
long raw_recvfrom(RawSock* r, CopyOut copy, void* ctx, size_t len, int flags, SockAddr* from,
                  int* out_flags);
uint32_t raw_poll(RawSock* r);
uint32_t raw_pending(RawSock* r);  // FIONREAD
void raw_close(RawSock* r);

// Stack internals: a received datagram of protocol ip.proto (header at `ip_header`).
void raw_input(Stack& s, const Ipv4Packet& ip, const uint8_t* ip_header);
void raw_shutdown_all(Stack& s);

}  // namespace net
