// The Domus boot path (after arch/pvm.S and arch/entry.S) and the common kernel main.
#include "arch/apic.hpp"
#include "arch/cpu.hpp"
#include "arch/descriptors.hpp"
#include "arch/percpu.hpp"
#include "arch/pvm.hpp"
#include "arch/user.hpp"
#include "arch/vmem.hpp"
#include "domus/abi/hypercall.h"
#include "kernel/boot.hpp"
#include "kernel/cmdline.hpp"
#include "kernel/console.hpp"
#include "kernel/kernel.hpp"
#include "kernel/platform.hpp"
#include "kernel/smp.hpp"
#include "kernel/userspace.hpp"
#include "mm/mm_init.hpp"
#include "workloads/workloads.hpp"

namespace {

constexpr uint64_t kApBringUpTimeoutNs = 2'000'000'000;
constexpr uint32_t kExitBadBootInfo = 0xb0;
constexpr uint32_t kExitBadCmdline = 0xb1;
constexpr uint32_t kExitNoMemory = 0xb2;

// Set by the BSP once g_boot is valid and the IDT built; APs wait for it.
uint32_t g_boot_ready = 0;

[[noreturn]] void ap_main(PerCpu* cpu, uint64_t reg_page) {
    if (cpu->index >= g_boot.vcpu_count) smp_park_self();  // not a vCPU the monitor announced
    if (g_boot.pvm_host && reg_page == 0) {
        kprintf("guest: vcpu %u has no PVM registration page, parking it\n", cpu->index);
        smp_park_self();
    }
    irq::init_cpu(cpu, reg_page);
    cpu_load_tables(cpu);
    if (boot_needs_mm(g_boot.info)) user::init_cpu(cpu);
    // Print first, count second: the BSP's banner then follows every "online" line.
    kprintf("vcpu %u online\n", cpu->index);
    smp_mark_online();
    smp_ap_loop(cpu);
}

}  // namespace

void cpu_load_tables(PerCpu* cpu) {
    gdt_load_for_cpu(cpu);
    idt_load();
}

// Called by arch/entry.S on every vCPU, natively on the PVM host (already registered).
extern "C" [[noreturn]] void domus_main(uint64_t info_gpa, uint64_t index, uint64_t reg_page) {
    PerCpu* cpu = this_cpu();
    const auto* info = vmem::from_gpa<const domus_boot_info>(info_gpa);
    cpu->index = uint32_t(index);  // first: the console lock identifies vCPUs by it

    if (index != 0) {
        while (!__atomic_load_n(&g_boot_ready, __ATOMIC_ACQUIRE)) cpu::pause();
        ap_main(cpu, reg_page);
    }

    // BSP: own tables first, so a bad boot-info pointer faults into our own handler.
    idt_build();
    cpu_load_tables(cpu);
    if (const char* error = boot_info_check(info, reg_page)) {
        kprintf_panic("guest: invalid boot info at %p: %s\n", info, error);
        platform_shutdown(DOMUS_SHUTDOWN_CRASH, kExitBadBootInfo);
    }
    boot_state_init(Platform::Domus, info);
    irq::init_cpu(cpu, reg_page);
    apic::set_mode(apic::Mode::X2apic);  // the monitor's in-kernel LAPIC speaks x2APIC
    // Memory management and ring 3 only when there is a program to run or a device to drive:
    // the built-in workloads keep the monitor's boot page tables (and touch no more guest RAM).
    if (boot_needs_mm(info)) {
        if (const char* error = mm_init()) {
            kprintf_panic("guest: memory set-up failed: %s\n", error);
            platform_shutdown(DOMUS_SHUTDOWN_CRASH, kExitNoMemory);
        }
        user::init_cpu(cpu);
    }
    __atomic_store_n(&g_boot_ready, 1u, __ATOMIC_RELEASE);
    kernel_main();
}

void kernel_main() {
    smp_mark_online();
    Options options;
    const bool program = boot_runs_program(g_boot.info, g_boot.cmdline);
    if (!program && !parse_cmdline(g_boot.cmdline, &options))
        platform_shutdown(DOMUS_SHUTDOWN_CRASH, kExitBadCmdline);

    if (!smp_wait_online(g_boot.vcpu_count, kApBringUpTimeoutNs)) {
        kprintf("guest: vCPU bring-up FAILED: %u of %u online after %lu ms\n", smp_online_count(),
                g_boot.vcpu_count, kApBringUpTimeoutNs / 1'000'000);
    }

    if (program) run_userspace();  // a program to boot: never returns

    const WorkloadExit exit = run_workload(options);
    smp_park_aps();
    platform_shutdown(exit.reason, exit.code);
}
