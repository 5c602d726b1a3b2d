// Kernel randomness for AT_RANDOM, getrandom(2) and /dev/urandom: a ChaCha20 generator with
// fast key erasure (each request ends by replacing the key with fresh key stream, so a later
// look at the state cannot recover earlier output). Seeded at boot from the TSC and RDRAND
// where the CPU has it, mixed with RDRAND on every request; reseeded from the domain's
// virtio-rng device (dev/virtio_rng.hpp) once programs have asked for randomness, and again
// after every MiB of output since. The reseed waits on the monitor (the device is set up on
// first use: ~25 MMIO exits), so it runs when a vCPU has nothing else to do, never inside a
// program's getrandom (glibc calls it in every program's start-up). Without the device and
// without RDRAND the seed is only the TSC's.
#pragma once

#include <stddef.h>
#include <stdint.h>

void random_init();
// For the kernel's own needs (AT_RANDOM at exec): never waits for the device.
void random_bytes(void* out, size_t length);
// For programs (getrandom, /dev/urandom, /dev/random): asks for a reseed when one is due.
void random_user_bytes(void* out, size_t length);
// From the idle loop: reseeds from the device if a reseed was asked for. True when it did
// something (the caller re-checks for work before halting).
bool random_upkeep();
