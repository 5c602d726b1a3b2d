// Services whose implementation depends on how the kernel was booted (kernel/boot.hpp):
// console output, shutdown, time. Domus: hypercalls. PVH (QEMU): COM1, isa-debug-exit, TSC.
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "kernel/boot.hpp"

inline bool platform_is_domus() {
    return g_boot.platform == Platform::Domus;
}

// Raw console output (callers hold the console lock; see kernel/console.hpp).
void platform_console_write(const char* text, size_t length);

// DOMUS_SHUTDOWN_* reason. Under QEMU: isa-debug-exit at port 0xf4 gets 0 for POWEROFF
// (QEMU exits with status 1), min(code + 1, 127) for CRASH (status 2 * value + 1), 127 for
// REBOOT, init's shell-style status (capped at 127) for EXIT. Does not return.
[[noreturn]] void platform_shutdown(uint32_t reason, uint32_t code);

// Monotonic nanoseconds. Domus: HC_TIME(MONOTONIC) (a ~28 us hypercall on the PVM host).
// PVH: the TSC, whose frequency is measured against the PIT on first use (10 ms).
uint64_t clock_ns();

// Waits at least `ns` without using interrupts: HC_BLOCK on Domus, a TSC spin under PVH.
// Events the monitor delivers meanwhile are kept for platform_take_events().
void platform_wait_ns(uint64_t ns);
uint32_t platform_take_events();

// Human-readable host backend for banners: "PVM", "hardware KVM", "QEMU/PVH"...
const char* platform_host_name();
