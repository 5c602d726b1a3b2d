// The entropy device (virtio-rng) the monitor gives program domains: the kernel's random
// generator (kernel/random.cpp) reseeds from it. Set up on first use; after a failure the
// device is not used again.
#pragma once

#include <stddef.h>
#include <stdint.h>

namespace dev {

// Up to `len` bytes (at most 256) from the device into `buf`: the count, or -1 without a
// working device.
int64_t virtio_rng_read(void* buf, size_t len);

// Requests answered so far (for /proc and tests).
uint64_t virtio_rng_requests();

}  // namespace dev
