// The guest's ChaCha20 block function against RFC 8439's test vector (section 2.3.2), which
// OpenSSL's chacha20 reproduces (`openssl enc -chacha20 -K 0001..1f -iv 01000000000000090000004a
// 00000000` of 64 zero bytes), and the all-zero key vector of appendix A.1.
#include <gtest/gtest.h>

#include <cstdio>
#include <string>

#include "kernel/chacha20.hpp"

namespace {

std::string hex(const uint8_t* p, size_t n) {
    std::string out;
    for (size_t i = 0; i < n; ++i) {
        char b[3];
        std::snprintf(b, sizeof b, "%02x", p[i]);
        out += b;
    }
    return out;
}

TEST(Chacha20, Rfc8439Section232) {
    uint32_t key[8];
    for (uint32_t i = 0; i < 8; ++i) {
        key[i] = (4 * i) | (4 * i + 1) << 8 | (4 * i + 2) << 16 | (4 * i + 3) << 24;  // 00 01 .. 1f
    }
    const uint32_t nonce[3] = {0x09000000u, 0x4a000000u, 0};
    uint8_t out[64];
    chacha20_block(key, 1, nonce, out);
    EXPECT_EQ(hex(out, 64),
              "10f1e7e4d13b5915500fdd1fa32071c4c7d1f4c733c068030422aa9ac3d46c4ed2826446079faa0914c"
              "2d705d98b02a2b5129cd1de164eb9cbd083e8a2503c4e");
}

TEST(Chacha20, AllZeroKeyBlocksZeroAndOne) {
    const uint32_t key[8] = {}, nonce[3] = {};
    uint8_t out[64];
    chacha20_block(key, 0, nonce, out);
    EXPECT_EQ(hex(out, 16), "76b8e0ada0f13d90405d6ae55386bd28");
    chacha20_block(key, 1, nonce, out);
    EXPECT_EQ(hex(out, 16), "9f07e7be5551387a98ba977c732d080d");
}

}  // namespace
