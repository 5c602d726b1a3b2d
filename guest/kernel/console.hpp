// The kernel console: printf-style output, one vCPU at a time. Each kprintf call is formatted
// into one buffer under a spinlock and written out at the end of the call (one hypercall per
// call on Domus, unless it exceeds DOMUS_CONSOLE_WRITE_MAX), so lines from different vCPUs
// never interleave as long as every call prints whole lines.
#pragma once

#include <stddef.h>

[[gnu::format(printf, 1, 2)]] void kprintf(const char* format, ...);

// For the crash path: never deadlocks on the console lock (re-entry from a fault inside
// kprintf on the same vCPU, or another vCPU stuck while holding it).
[[gnu::format(printf, 1, 2)]] void kprintf_panic(const char* format, ...);
