// LAPIC timer programming, exactly as docs/kvm-host.md describes for the PVM host:
// APIC_BASE |= 0xC00, SVR = 0x1ff, TDCR = 0xb (divide by 1), LVTT = 0x20000 | vector
// (periodic), TMICT = period, EOI = 0 in the handler.
#include "kernel/timer.hpp"

#include "arch/apic.hpp"
#include "arch/layout.h"
#include "arch/percpu.hpp"
#include "arch/pvm.hpp"
#include "arch/traps.hpp"
#include "kernel/platform.hpp"

namespace {

constexpr uint32_t kLvtMasked = 1u << 16;
constexpr uint32_t kLvtPeriodic = 1u << 17;
constexpr uint32_t kDivideBy1 = 0xb;
constexpr uint64_t kCalibrationNs = 20'000'000;

uint64_t g_apic_hz = 0;
uint32_t g_tick_hz = 0;
uint64_t g_ticks = 0;  // written by the handler, read with atomics

void on_tick(TrapFrame*) {
    __atomic_fetch_add(&g_ticks, 1, __ATOMIC_RELAXED);
    apic::eoi();
}

}  // namespace

uint64_t timer_calibrate() {
    if (g_apic_hz != 0) return g_apic_hz;
    apic::init_cpu(this_cpu());
    apic::write(apic::kRegTimerDivide, kDivideBy1);
    apic::write(apic::kRegLvtTimer, kLvtMasked | VECTOR_TIMER);  // one-shot, masked
    apic::write(apic::kRegTimerInitial, 0xffffffffu);

    const uint64_t t0 = clock_ns();
    const uint32_t c0 = apic::read(apic::kRegTimerCurrent);
    platform_wait_ns(kCalibrationNs);
    const uint32_t c1 = apic::read(apic::kRegTimerCurrent);
    const uint64_t t1 = clock_ns();
    apic::write(apic::kRegTimerInitial, 0);

    if (t1 <= t0 || c1 >= c0) return 0;
    const uint64_t hz = uint64_t(c0 - c1) * 1'000'000'000ull / (t1 - t0);
    if (hz < 1'000'000 || hz > 100'000'000'000ull) return 0;  // not a working timer
    g_apic_hz = hz;
    return hz;
}

bool timer_start(uint32_t hz) {
    if (hz == 0 || timer_calibrate() == 0) return false;
    const uint64_t period = g_apic_hz / hz;
    if (period == 0 || period > 0xffffffffu) return false;
    trap_set_timer_handler(on_tick);
    g_tick_hz = hz;
    apic::write(apic::kRegTimerDivide, kDivideBy1);
    apic::write(apic::kRegLvtTimer, kLvtPeriodic | VECTOR_TIMER);
    apic::write(apic::kRegTimerInitial, uint32_t(period));
    irq::enable();
    return true;
}

void timer_stop() {
    irq::disable();
    apic::write(apic::kRegLvtTimer, kLvtMasked | VECTOR_TIMER);
    apic::write(apic::kRegTimerInitial, 0);
    g_tick_hz = 0;
}

uint64_t timer_ticks() {
    return __atomic_load_n(&g_ticks, __ATOMIC_RELAXED);
}

void sleep_ms(uint64_t ms) {
    if (g_tick_hz == 0) return;
    const uint64_t target = timer_ticks() + (ms * g_tick_hz + 999) / 1000;
    const bool was_enabled = irq::enabled();
    irq::disable();
    while (timer_ticks() < target) irq::idle_halt();
    if (was_enabled) irq::enable();
}
