// The kernel's network stack instance and its integration entry points (besides the driver's
// in netdev.hpp): the timer (call tick when next_deadline passes: from a kernel timer, never
// from an interrupt handler holding other locks) and configuration from `ip=`.
#pragma once

#include <stdint.h>

#include "net/ip_config.hpp"
#include "net/stack.hpp"

namespace net {

// The kernel's stack, initialised on first use with the kernel clock (time_monotonic_ns) and
// randomness (random_bytes).
Stack& default_stack();

void tick(uint64_t now_ns);
uint64_t next_deadline();

// Applies a parsed `ip=`: 0 (or nothing to do for ip=off), -ENODEV, -EINVAL.
int apply_ip_config(Stack& s, const IpConfig& c);

}  // namespace net
