// ARP (RFC 826) for IPv4 over Ethernet: the packet parser (pure), a fixed-size neighbour cache
// with timeouts, a bounded queue of frames per unresolved address, answers to requests for our
// addresses and a gratuitous ARP when an address is configured.
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "net/pktbuf.hpp"
#include "net/types.hpp"

namespace net {

inline constexpr uint32_t kArpEntries = 64;
inline constexpr uint32_t kArpQueueMax = 4;  // frames waiting per unresolved address
inline constexpr uint64_t kArpReachableNs = 60'000'000'000ull;
inline constexpr uint64_t kArpRetryNs = 1'000'000'000ull;
inline constexpr uint32_t kArpRetries = 3;
inline constexpr uint64_t kArpFailedHoldNs = 3'000'000'000ull;  // a failed address is not re-asked

inline constexpr uint16_t kArpRequest = 1, kArpReply = 2;
inline constexpr uint32_t kArpLen = 28;

struct ArpPacket {
    uint16_t op;
    MacAddr sha;
    uint32_t spa;
    MacAddr tha;
    uint32_t tpa;
};

enum class ArpError : uint8_t { Ok, Truncated, Unsupported };

// Only Ethernet/IPv4 (htype 1, ptype 0x0800, hlen 6, plen 4) requests and replies.
ArpError parse_arp(const uint8_t* p, size_t len, ArpPacket* out);
void write_arp(uint8_t* out, uint16_t op, const MacAddr& sha, uint32_t spa, const MacAddr& tha,
               uint32_t tpa);

enum class ArpState : uint8_t { Free, Incomplete, Reachable, Failed };

struct ArpEntry {
    uint32_t ip;
    uint8_t iface;
    ArpState state;
    uint8_t retries;
    MacAddr mac;
    uint64_t deadline;  // Incomplete: next request; Reachable/Failed: expiry
    PktQueue pending;
};

struct ArpCache {
    ArpEntry entries[kArpEntries]{};
};

class Stack;
struct Iface;

void arp_input(Stack& s, Iface& ifc, const uint8_t* p, size_t len);
// Sends (or queues until resolved) an IPv4 frame whose Ethernet header's destination is left
// for ARP to fill: `segs[0]` starts with the Ethernet header. 0, -EAGAIN (device full),
// -ENOBUFS (queue full or out of memory: the frame is dropped), -EHOSTUNREACH (failed).
int arp_output(Stack& s, Iface& ifc, uint32_t nexthop, const NetHdr& vh, NetSeg* segs,
               uint32_t count);
void arp_announce(Stack& s, Iface& ifc);
void arp_tick(Stack& s);
uint64_t arp_deadline(const Stack& s);
void arp_flush(Stack& s);  // frees every queued frame
// Test and /proc helper: the cached MAC of `ip`, if reachable.
bool arp_lookup(const Stack& s, uint32_t ip, MacAddr* out);

}  // namespace net
