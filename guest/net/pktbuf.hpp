// Packet buffers: one heap block per frame (header, then the bytes), used where a frame must
// outlive the call that made it: the ARP queue of frames waiting for an address, the loopback
// queue, UDP receive queues. Queues are FIFO and bounded by their owners.
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "net/netdev.hpp"

namespace net {

struct PktBuf {
    PktBuf* next;
    NetHdr vh;
    uint32_t len;
    uint32_t aux;  // owner's use (UDP: the source port; ARP: nothing)
    uint32_t aux_addr;
    uint8_t* data() { return reinterpret_cast<uint8_t*>(this + 1); }
    const uint8_t* data() const { return reinterpret_cast<const uint8_t*>(this + 1); }
};

// nullptr when memory is exhausted.
PktBuf* pkt_alloc(uint32_t len);
// A copy of the concatenation of `segs`.
PktBuf* pkt_copy(const NetHdr& vh, const NetSeg* segs, uint32_t count);
void pkt_free(PktBuf* p);

struct PktQueue {
    PktBuf* head = nullptr;
    PktBuf* tail = nullptr;
    uint32_t count = 0;
    uint64_t bytes = 0;

    void push(PktBuf* p);
    PktBuf* pop();
    void clear();  // frees every buffer
    bool empty() const { return head == nullptr; }
};

}  // namespace net
