// Controls of the host stand-ins for the kernel services guest/net uses (host_shims.cpp).
#pragma once

#include <stddef.h>
#include <stdint.h>

namespace guest_net_test {

size_t live_blocks();           // kmalloc'd blocks not yet freed
void fail_after(size_t count);  // the next `count` allocations succeed, then all fail
void fail_never();
void set_time_ns(uint64_t ns);  // what time_monotonic_ns returns

}  // namespace guest_net_test
