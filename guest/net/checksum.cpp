#include "net/checksum.hpp"

#include "kernel/string.hpp"

namespace net {
namespace {

uint16_t fold64(uint64_t s) {
    s = (s & 0xffffffff) + (s >> 32);
    s = (s & 0xffffffff) + (s >> 32);
    s = (s & 0xffff) + (s >> 16);
    s = (s & 0xffff) + (s >> 16);
    return uint16_t(s);
}

uint16_t swap16(uint16_t v) {
    return uint16_t((v << 8) | (v >> 8));
}

}  // namespace

// Sums little-endian 32-bit loads (the one's-complement sum does not depend on the word order
// up to a final byte swap), then swaps to the big-endian sum.
uint16_t csum_partial(const void* data, size_t len, uint16_t sum) {
    const uint8_t* p = static_cast<const uint8_t*>(data);
    uint64_t acc = 0;
    while (len >= 32) {
        uint32_t w[8];
        memcpy(w, p, 32);
        acc += uint64_t(w[0]) + w[1] + w[2] + w[3] + w[4] + w[5] + w[6] + w[7];
        p += 32;
        len -= 32;
    }
    while (len >= 4) {
        uint32_t w;
        memcpy(&w, p, 4);
        acc += w;
        p += 4;
        len -= 4;
    }
    if (len >= 2) {
        acc += uint32_t(p[0]) | (uint32_t(p[1]) << 8);
        p += 2;
        len -= 2;
    }
    if (len == 1) acc += p[0];
    return csum_add16(sum, swap16(fold64(acc)));
}

void Csum::add(const void* data, size_t len) {
    uint16_t part = csum_partial(data, len, 0);
    if (odd) part = swap16(part);
    sum = csum_add16(sum, part);
    if (len & 1) odd = !odd;
}

uint16_t pseudo_sum(uint32_t src, uint32_t dst, uint8_t proto, uint32_t l4_len) {
    uint64_t s = uint64_t(src >> 16) + (src & 0xffff) + (dst >> 16) + (dst & 0xffff) + proto +
                 (l4_len >> 16) + (l4_len & 0xffff);
    return fold64(s);
}

uint16_t csum_replace16(uint16_t check, uint16_t old_word, uint16_t new_word) {
    uint16_t s = csum_add16(uint16_t(~check), uint16_t(~old_word));
    s = csum_add16(s, new_word);
    return uint16_t(~s);
}

}  // namespace net
