// Work hand-off between the BSP and the APs: a generation counter bumped by the BSP. An AP
// spins on it briefly (pause), then sleeps in hlt with interrupts unmasked and is woken by a
// VECTOR_WAKE IPI. Idle APs therefore do not steal host CPU from the BSP (these hosts have
// two CPUs). The Dekker-style pairing that prevents a lost wake-up:
//   AP:  apic_ready = 1 (seq_cst); then re-check generation before every hlt
//   BSP: generation++ (seq_cst);   then IPI every AP whose apic_ready is 1
#include "kernel/smp.hpp"

#include "arch/apic.hpp"
#include "arch/cpu.hpp"
#include "arch/layout.h"
#include "arch/percpu.hpp"
#include "arch/pvm.hpp"
#include "kernel/boot.hpp"
#include "kernel/hypercall.hpp"
#include "kernel/platform.hpp"

namespace {

constexpr uint32_t kSpinBeforeHalt = 20000;  // pause iterations, ~0.1-1 ms

uint32_t g_online = 0;
uint32_t g_generation = 0;
uint32_t g_done = 0;
uint32_t g_park = 0;
SmpWork g_work_fn = nullptr;
void* g_work_arg = nullptr;

uint32_t load(const uint32_t* p) {
    return __atomic_load_n(p, __ATOMIC_SEQ_CST);
}

void wake_aps() {
    PerCpu* me = this_cpu();
    apic::init_cpu(me);  // sending IPIs needs our own LAPIC in x2APIC mode too
    const uint32_t self = me->index;
    for (uint32_t i = 0; i < g_boot.vcpu_count; ++i) {
        PerCpu* cpu = cpu_by_index(i);
        if (i != self && load(&cpu->apic_ready)) apic::send_ipi(cpu->apic_id, VECTOR_WAKE);
    }
}

// Returns the first generation different from `seen`.
uint32_t wait_for_generation(PerCpu* cpu, uint32_t seen) {
    for (uint32_t i = 0; i < kSpinBeforeHalt; ++i) {
        const uint32_t now = load(&g_generation);
        if (now != seen) return now;
        cpu::pause();
    }
    apic::init_cpu(cpu);  // from here on the BSP sends IPIs to this vCPU
    irq::disable();
    for (;;) {
        const uint32_t now = load(&g_generation);
        if (now != seen) return now;
        irq::idle_halt();
    }
}

}  // namespace

void smp_mark_online() {
    __atomic_fetch_add(&g_online, 1, __ATOMIC_SEQ_CST);
}

uint32_t smp_online_count() {
    return load(&g_online);
}

bool smp_wait_online(uint32_t expected, uint64_t timeout_ns) {
    if (load(&g_online) >= expected) return true;
    const uint64_t start = clock_ns();
    while (load(&g_online) < expected) {
        if (clock_ns() - start > timeout_ns) return false;
        // The APs may need this host CPU (two CPUs, up to 64 vCPUs).
        if (platform_is_domus()) hc::yield();
        for (int i = 0; i < 256; ++i) cpu::pause();
    }
    return true;
}

bool smp_run_on_all(SmpWork fn, void* arg, uint64_t timeout_ns) {
    const uint32_t helpers = load(&g_online) - 1;
    g_work_fn = fn;
    g_work_arg = arg;
    __atomic_store_n(&g_done, 0u, __ATOMIC_SEQ_CST);
    __atomic_fetch_add(&g_generation, 1, __ATOMIC_SEQ_CST);  // publishes fn/arg
    wake_aps();

    fn(this_cpu()->index, arg);

    const uint64_t start = clock_ns();
    for (uint32_t spins = 0; load(&g_done) < helpers; ++spins) {
        cpu::pause();
        if ((spins & 0xffff) == 0 && clock_ns() - start > timeout_ns) return false;
    }
    return true;
}

void smp_start_all(SmpWork fn, void* arg) {
    g_work_fn = fn;
    g_work_arg = arg;
    __atomic_store_n(&g_done, 0u, __ATOMIC_SEQ_CST);
    __atomic_fetch_add(&g_generation, 1, __ATOMIC_SEQ_CST);  // publishes fn/arg
    wake_aps();
}

void smp_ap_loop(PerCpu* cpu) {
    uint32_t seen = 0;
    for (;;) {
        seen = wait_for_generation(cpu, seen);
        if (load(&g_park)) smp_park_self();
        g_work_fn(cpu->index, g_work_arg);
        __atomic_fetch_add(&g_done, 1, __ATOMIC_SEQ_CST);
    }
}

void smp_park_aps() {
    if (load(&g_online) <= 1) return;
    __atomic_store_n(&g_park, 1u, __ATOMIC_SEQ_CST);
    __atomic_fetch_add(&g_generation, 1, __ATOMIC_SEQ_CST);
    wake_aps();
}

void smp_park_self() {
    irq::disable();
    for (;;) cpu::hlt();
}
