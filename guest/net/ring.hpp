// A byte ring of fixed capacity: the TCP send buffer (bytes from snd_una on) and receive buffer
// (in-order bytes not yet read, then room where out-of-order segments are written at their
// offset). Reads and writes take an offset from the oldest byte, so retransmission and
// out-of-order placement need no per-segment allocation.
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "net/netdev.hpp"

namespace net {

struct ByteRing {
    uint8_t* buf = nullptr;
    uint32_t cap = 0;
    uint32_t head = 0;  // index of the oldest byte
    uint32_t len = 0;   // bytes held (in order)

    bool alloc(uint32_t capacity);  // false when out of memory
    void release();
    uint32_t space() const { return cap - len; }
    // Up to two pieces describing [offset, offset + n) (offset + n <= cap). Returns the count.
    uint32_t pieces(uint32_t offset, uint32_t n, NetSeg out[2]) const;
    // Copies `n` bytes to/from position `offset` (may be beyond len: out-of-order data).
    void write_at(uint32_t offset, const void* src, uint32_t n);
    void read_at(uint32_t offset, void* dst, uint32_t n) const;
    void consume(uint32_t n);  // drops the n oldest bytes
};

}  // namespace net
