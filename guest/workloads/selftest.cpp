// selftest: exceptions, interrupts, SMP and (under Domus) every hypercall, with a summary
// line and HC_SHUTDOWN(POWEROFF, 0) if everything passed, else HC_SHUTDOWN(CRASH, failed).
#include "workloads/selftest.hpp"

#include "arch/apic.hpp"
#include "arch/cpu.hpp"
#include "arch/percpu.hpp"
#include "arch/pvm.hpp"
#include "arch/traps.hpp"
#include "domus/abi/hypercall.h"
#include "kernel/boot.hpp"
#include "kernel/console.hpp"
#include "kernel/format.hpp"
#include "kernel/platform.hpp"
#include "kernel/smp.hpp"
#include "kernel/timer.hpp"
#include "workloads/workloads.hpp"

bool selftest_check(SelftestResults* results, const char* name, bool ok, const char* detail, ...) {
    if (ok) {
        ++results->passed;
        kprintf("selftest: %s ... ok\n", name);
        return true;
    }
    ++results->failed;
    char text[192];
    __builtin_va_list args;
    __builtin_va_start(args, detail);
    format_to_v(text, sizeof(text), detail, args);
    __builtin_va_end(args);
    kprintf("selftest: %s ... FAILED (%s)\n", name, text);
    return false;
}

void selftest_skip(const char* name, const char* reason) {
    kprintf("selftest: %s ... skipped (%s)\n", name, reason);
}

namespace {

constexpr uint64_t kUnmappedAddress = 0x4000000000ull;  // 256 GiB: canonical, never RAM
constexpr uint64_t kXaddPerCpu = 1'000'000;

void check_smp_online(SelftestResults* r) {
    const uint32_t online = smp_online_count();
    selftest_check(r, "smp bring-up", online == g_boot.vcpu_count, "%u of %u vCPUs online", online,
                   g_boot.vcpu_count);
}

void check_ud(SelftestResults* r) {
    FaultRecord* record = fault_expect();
    uint64_t insn;
    asm volatile("leaq 2f(%%rip), %[insn]\n\t" FAULT_ARM_RECOVERY("1f") "2: ud2\n1:"
                 : [insn] "=&r"(insn), [recover] "=m"(record->recover_rip)
                 :
                 : "r11", "memory");
    const bool faulted = fault_done(record);
    if (faulted) {
        kprintf("selftest: note: ud2 at rip=0x%lx raised vector %lu (%s)\n", record->rip,
                record->vector, exception_name(record->vector));
    }
    selftest_check(r, "exception #UD (ud2)", faulted && record->vector == 6 && record->rip == insn,
                   "faulted=%u vector=%lu rip=0x%lx, want vector 6 at 0x%lx", record->faulted,
                   record->vector, record->rip, insn);
}

void check_pf(SelftestResults* r) {
    FaultRecord* record = fault_expect();
    uint64_t insn;
    uint64_t value = 0;
    asm volatile(
        "leaq 2f(%%rip), %[insn]\n\t" FAULT_ARM_RECOVERY("1f") "2: movq (%[address]), %[value]\n1:"
        : [insn] "=&r"(insn), [value] "+r"(value), [recover] "=m"(record->recover_rip)
        : [address] "r"(kUnmappedAddress)
        : "r11", "memory");
    const bool faulted = fault_done(record);
    if (faulted) {
        kprintf(
            "selftest: note: load from 0x%lx at rip=0x%lx raised vector %lu (%s) "
            "err=0x%lx cr2=0x%lx\n",
            kUnmappedAddress, record->rip, record->vector, exception_name(record->vector),
            record->error, record->cr2);
    }
    // Error code 0: not present, read, supervisor mode, not an instruction fetch.
    selftest_check(r, "exception #PF (unmapped read)",
                   faulted && record->vector == 14 && record->cr2 == kUnmappedAddress &&
                       record->error == 0 && record->rip == insn,
                   "faulted=%u vector=%lu cr2=0x%lx err=0x%lx rip=0x%lx, want 14/0x%lx/0x0/0x%lx",
                   record->faulted, record->vector, record->cr2, record->error, record->rip,
                   kUnmappedAddress, insn);
    // iretq restores the interrupt mask (on PVM: the flag word) from the saved RFLAGS.IF.
    selftest_check(r, "interrupts stay masked across exceptions", !irq::enabled(),
                   "interrupts were unmasked after returning from the exceptions");
    irq::disable();
}

void check_timer(SelftestResults* r) {
    constexpr uint32_t kHz = 100;
    constexpr uint64_t kSleepMs = 50;
    const uint64_t apic_hz = timer_calibrate();
    if (!selftest_check(r, "apic timer calibration", apic_hz != 0,
                        "no usable APIC timer frequency"))
        return;
    kprintf("selftest: note: %s timer at %lu kHz\n", apic::mode_name(), apic_hz / 1000);
    // What the monitor announced (the scheduler trusts it instead of measuring) must be what
    // the timer really counts: within 5% of 20 ms measured against the monitor's clock.
    const uint64_t announced_hz = uint64_t(g_boot.lapic_timer_khz) * 1000;
    if (announced_hz != 0) {
        const uint64_t diff =
            announced_hz > apic_hz ? announced_hz - apic_hz : apic_hz - announced_hz;
        selftest_check(r, "announced LAPIC timer clock", diff * 20 <= apic_hz,
                       "boot info says %lu kHz, measured %lu kHz", announced_hz / 1000,
                       apic_hz / 1000);
    }
    if (!selftest_check(r, "timer start", timer_start(kHz), "could not start at %u Hz", kHz))
        return;
    const uint64_t ticks0 = timer_ticks();
    const uint64_t t0 = clock_ns();
    sleep_ms(kSleepMs);
    const uint64_t t1 = clock_ns();
    const uint64_t ticks = timer_ticks() - ticks0;
    timer_stop();
    const uint64_t elapsed_ms = (t1 - t0) / 1'000'000;
    // The sleep waits for 5 ticks: the first may come after any part of a period, so
    // 40..60 ms is exact; the range allows for a slow host.
    selftest_check(r, "timer ticks (100 Hz, sleep 50 ms)",
                   ticks >= 5 && ticks <= 7 && elapsed_ms >= 35 && elapsed_ms <= 150,
                   "%lu ticks in %lu ms, want 5..7 ticks in 35..150 ms", ticks, elapsed_ms);
}

uint64_t g_shared_counter = 0;

void xadd_worker(uint32_t, void*) {
    for (uint64_t i = 0; i < kXaddPerCpu; ++i) {
        uint64_t one = 1;
        asm volatile("lock xaddq %0, %1" : "+r"(one), "+m"(g_shared_counter) : : "memory");
    }
}

void check_smp_counter(SelftestResults* r) {
    g_shared_counter = 0;
    const uint32_t online = smp_online_count();
    const bool finished = smp_run_on_all(xadd_worker, nullptr, 10'000'000'000ull);
    const uint64_t total = __atomic_load_n(&g_shared_counter, __ATOMIC_SEQ_CST);
    const uint64_t want = uint64_t(g_boot.vcpu_count) * kXaddPerCpu;
    selftest_check(r, "smp lock xadd counter",
                   finished && online == g_boot.vcpu_count && total == want,
                   "total %lu, want %lu (%u vCPUs online%s)", total, want, online,
                   finished ? "" : ", timed out");
}

}  // namespace

WorkloadExit run_selftest(const Options&) {
    SelftestResults results{0, 0};
    check_smp_online(&results);
    check_ud(&results);
    check_pf(&results);
    check_timer(&results);
    check_smp_counter(&results);
    selftest_hypercalls(&results);
    kprintf("selftest: %u passed, %u failed\n", results.passed, results.failed);
    if (results.failed == 0) return {DOMUS_SHUTDOWN_POWEROFF, 0};
    return {DOMUS_SHUTDOWN_CRASH, results.failed};
}
