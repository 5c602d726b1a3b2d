// Kernel randomness for AT_RANDOM, getrandom(2) and /dev/urandom until a virtio-rng device
// feeds it: RDRAND when the CPU has it, mixed into a ChaCha-like state seeded from the TSC and
// boot entropy. Not a CSPRNG without RDRAND (documented in docs/guest-kernel.md).
#pragma once

#include <stddef.h>
#include <stdint.h>

void random_init();
void random_bytes(void* out, size_t length);
