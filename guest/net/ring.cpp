#include "net/ring.hpp"

#include "kernel/string.hpp"
#include "mm/kheap.hpp"

namespace net {

bool ByteRing::alloc(uint32_t capacity) {
    buf = static_cast<uint8_t*>(kmalloc(capacity));
    if (buf == nullptr) return false;
    cap = capacity;
    head = 0;
    len = 0;
    return true;
}

void ByteRing::release() {
    kfree(buf);
    buf = nullptr;
    cap = head = len = 0;
}

uint32_t ByteRing::pieces(uint32_t offset, uint32_t n, NetSeg out[2]) const {
    if (n == 0) return 0;
    uint32_t start = (head + offset) % cap;
    uint32_t first = cap - start < n ? cap - start : n;
    out[0] = NetSeg{buf + start, first};
    if (first == n) return 1;
    out[1] = NetSeg{buf, n - first};
    return 2;
}

void ByteRing::write_at(uint32_t offset, const void* src, uint32_t n) {
    NetSeg p[2];
    uint32_t count = pieces(offset, n, p);
    const uint8_t* s = static_cast<const uint8_t*>(src);
    for (uint32_t i = 0; i < count; ++i) {
        memcpy(const_cast<void*>(p[i].data), s, p[i].len);
        s += p[i].len;
    }
}

void ByteRing::read_at(uint32_t offset, void* dst, uint32_t n) const {
    NetSeg p[2];
    uint32_t count = pieces(offset, n, p);
    uint8_t* d = static_cast<uint8_t*>(dst);
    for (uint32_t i = 0; i < count; ++i) {
        memcpy(d, p[i].data, p[i].len);
        d += p[i].len;
    }
}

void ByteRing::consume(uint32_t n) {
    if (n > len) n = len;
    head = cap ? (head + n) % cap : 0;
    len -= n;
}

}  // namespace net
