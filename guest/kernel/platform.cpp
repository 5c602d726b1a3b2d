// Boot-path-dependent services; see platform.hpp.
#include "kernel/platform.hpp"
#include "arch/vmem.hpp"

#include "arch/cpu.hpp"
#include "arch/descriptors.hpp"
#include "arch/pit.hpp"
#include "arch/pvm.hpp"
#include "arch/uart16550.hpp"
#include "domus/abi/hypercall.h"
#include "kernel/console.hpp"
#include "kernel/hypercall.hpp"

namespace {

constexpr uint16_t kDebugExitPort = 0xf4;

// PVH clock: TSC scaled by a 32.32 fixed-point multiplier (no 128-bit division needed).
uint64_t g_tsc_mult = 0;
uint64_t g_tsc_base = 0;

void pvh_clock_init() {
    uint64_t khz = pit_measure_tsc_khz();
    if (khz == 0) {
        khz = 1000000;  // no PIT: assume 1 GHz rather than fail; clock_ns() is then rough
        kprintf("guest: PIT not counting, assuming a 1 GHz TSC\n");
    }
    g_boot.tsc_khz = khz;
    g_tsc_mult = (1000000ull << 32) / khz;  // ns per cycle, 32.32
    g_tsc_base = cpu::rdtsc();
}

}  // namespace

void platform_console_write(const char* text, size_t length) {
    if (!platform_is_domus()) {
        uart_write(text, length);
        return;
    }
    // Kernel memory is linear in both aliases: a contiguous buffer is contiguous in GPA too.
    while (length > 0) {
        const size_t chunk = length < DOMUS_CONSOLE_WRITE_MAX ? length : DOMUS_CONSOLE_WRITE_MAX;
        const int64_t written = hc::console_write(vmem::to_gpa(text), chunk);
        if (written <= 0 || uint64_t(written) > chunk) return;  // console error: drop the rest
        text += written;
        length -= size_t(written);
    }
}

void platform_shutdown(uint32_t reason, uint32_t code) {
    irq::disable();
    if (platform_is_domus()) {
        const int64_t result = hc::shutdown(reason, code);
        // Only an invalid request returns. Stop anyway, in a way the monitor always sees.
        kprintf_panic("guest: HC_SHUTDOWN(%u, %u) returned %ld, forcing a triple fault\n", reason,
                      code, result);
        idt_load_empty_and_fault();
    }
    uint32_t value = 0;
    if (reason == DOMUS_SHUTDOWN_CRASH) value = code < 126 ? code + 1 : 127;
    if (reason == DOMUS_SHUTDOWN_EXIT) {  // init's status as a shell reports it, up to 127
        const uint32_t shell = (code & 0x7f) ? 128 + (code & 0x7f) : (code >> 8) & 0xff;
        value = shell < 127 ? shell : 127;
    }
    if (reason == DOMUS_SHUTDOWN_REBOOT) value = 127;
    cpu::outl(kDebugExitPort, value);
    for (;;) cpu::hlt();  // no isa-debug-exit device: stay stopped
}

uint64_t clock_ns() {
    if (platform_is_domus()) {
        const int64_t now = hc::time(DOMUS_CLOCK_MONOTONIC);
        return now > 0 ? uint64_t(now) : 0;
    }
    if (g_tsc_mult == 0) pvh_clock_init();
    const uint64_t cycles = cpu::rdtsc() - g_tsc_base;
    return uint64_t((unsigned __int128)cycles * g_tsc_mult >> 32);
}

namespace {
uint32_t g_stashed_events = 0;  // DOMUS_EVENT_* that platform_wait_ns took from the monitor
}  // namespace

uint32_t platform_take_events() {
    return __atomic_exchange_n(&g_stashed_events, 0u, __ATOMIC_SEQ_CST);
}

void platform_wait_ns(uint64_t ns) {
    const uint64_t start = clock_ns();
    for (uint64_t now = start; now - start < ns; now = clock_ns()) {
        if (platform_is_domus()) {
            // May return early with events, which BLOCK clears: keep them for their owner.
            const int64_t events = hc::block(ns - (now - start));
            if (events > 0)
                __atomic_fetch_or(&g_stashed_events, uint32_t(events), __ATOMIC_SEQ_CST);
        } else {
            cpu::pause();
        }
    }
}

const char* platform_host_name() {
    if (platform_is_domus()) return g_boot.pvm_host ? "PVM" : "hardware KVM";
    return g_boot.pvm_host ? "QEMU/PVH (PVM host)" : "QEMU/PVH";
}
