// The ChaCha20 block function (RFC 8439 section 2.3): 64 bytes of key stream from a 256-bit
// key, a 32-bit block counter and a 96-bit nonce. The kernel's random generator is built on it
// (kernel/random.cpp). Pure and freestanding; tested on the host against the RFC's vectors.
#pragma once

#include <stdint.h>

inline constexpr uint32_t kChachaKeyWords = 8;
inline constexpr uint32_t kChachaBlockBytes = 64;

void chacha20_block(const uint32_t key[kChachaKeyWords], uint32_t counter, const uint32_t nonce[3],
                    uint8_t out[kChachaBlockBytes]);
