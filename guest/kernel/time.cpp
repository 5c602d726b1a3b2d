// TSC clocks: monotonic = (tsc - tsc_at_boot) scaled by a fixed-point multiplier computed
// once from the TSC frequency (the boot-info page's, or measured against the platform clock
// when the monitor could not tell); realtime = the monitor's realtime at boot + monotonic.
#include "kernel/time.hpp"

#include "arch/cpu.hpp"
#include "kernel/boot.hpp"
#include "kernel/hypercall.hpp"
#include "kernel/platform.hpp"

namespace {

uint64_t g_tsc0 = 0;
uint64_t g_mult = 0;  // ns per TSC cycle in 32.32 fixed point
uint64_t g_realtime0 = 0;

}  // namespace

void time_init() {
    uint64_t khz = g_boot.tsc_khz;
    if (khz == 0) {  // measure: 10 ms against the platform clock
        const uint64_t c0 = cpu::rdtsc(), t0 = clock_ns();
        platform_wait_ns(10'000'000);
        const uint64_t c1 = cpu::rdtsc(), t1 = clock_ns();
        khz = t1 > t0 ? (c1 - c0) * 1'000'000 / (t1 - t0) : 1'000'000;
    }
    g_mult = (uint64_t(1'000'000) << 32) / khz;
    g_realtime0 = platform_is_domus() ? uint64_t(hc::time(DOMUS_CLOCK_REALTIME)) : 0;
    g_tsc0 = cpu::rdtsc();
}

uint64_t time_monotonic_ns() {
    const uint64_t delta = cpu::rdtsc() - g_tsc0;
    return uint64_t((unsigned __int128)delta * g_mult >> 32);
}

uint64_t time_realtime_ns() {
    return g_realtime0 + time_monotonic_ns();
}
