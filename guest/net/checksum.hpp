// The Internet checksum (RFC 1071) with the pieces TCP/UDP need: partial sums over several
// buffers of any (odd) length, the IPv4 pseudo-header and incremental update (RFC 1624).
#pragma once

#include <stddef.h>
#include <stdint.h>

namespace net {

// The 16-bit one's-complement sum (not inverted) of `len` bytes as big-endian words, as if the
// data started at an even offset, added to `sum` (a previous result).
uint16_t csum_partial(const void* data, size_t len, uint16_t sum);

// One's-complement addition of two 16-bit sums.
inline uint16_t csum_add16(uint16_t a, uint16_t b) {
    uint32_t s = uint32_t(a) + b;
    return uint16_t((s & 0xffff) + (s >> 16));
}

// A running sum over consecutive pieces of a packet of any lengths.
struct Csum {
    uint16_t sum = 0;
    bool odd = false;  // an odd number of bytes so far: the next piece starts mid-word
    void add(const void* data, size_t len);
    void add16(uint16_t v) { sum = csum_add16(sum, v); }  // only at even offsets
    uint16_t finish() const { return uint16_t(~sum); }    // the value for the header field
};

// The pseudo-header's sum (RFC 793/768): addresses in host order, protocol, L4 length.
uint16_t pseudo_sum(uint32_t src, uint32_t dst, uint8_t proto, uint32_t l4_len);

// The final checksum of a header block (e.g. the IPv4 header).
inline uint16_t ip_checksum(const void* data, size_t len) {
    return uint16_t(~csum_partial(data, len, 0));
}

// RFC 1624 eqn. 3: the checksum field after a 16-bit word of the covered data changed.
uint16_t csum_replace16(uint16_t check, uint16_t old_word, uint16_t new_word);

}  // namespace net
