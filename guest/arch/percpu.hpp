// Per-vCPU state and stacks. Every kernel stack is a block aligned to its size
// (CPU_BLOCK_SIZE) whose first word points at the PerCpu of the vCPU running on it: a vCPU's
// own boot/idle block (CpuBlock, PerCpu at its base), a thread's kernel stack (proc/task.hpp)
// and the vCPU's entry area (arch/entry_area.hpp). this_cpu() masks RSP and loads that word:
// no GS base and no MSR access (swapgs and GS-base MSRs trap on the PVM host).
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "arch/layout.h"
#include "arch/traps.hpp"

// 64-bit Task State Segment (one per vCPU, arch/gdt.cpp): RSP0 and the IST stacks.
struct [[gnu::packed]] Tss {
    uint32_t reserved0;
    uint64_t rsp[3];
    uint64_t reserved1;
    uint64_t ist[7];
    uint64_t reserved2;
    uint16_t reserved3;
    uint16_t iomap_base;
};
static_assert(sizeof(Tss) == 104, "TSS layout");

struct Task;
struct EntryPage;
namespace mm {
struct AddressSpace;
}

struct PerCpu {
    PerCpu* self;      // first: this_cpu() reads it through the stack block's first word
    uint32_t index;    // vCPU index from the boot registers
    uint32_t apic_id;  // valid once apic_ready
    // PVM host: qword 0 of this vCPU's registration page, the virtual interrupt flag.
    // nullptr on hardware KVM and under plain QEMU, where cli/sti are used instead.
    volatile uint64_t* pvm_irq_flag;
    FaultRecord fault;         // armed by code that expects to fault (traps.hpp)
    uint32_t apic_ready;       // this vCPU's LAPIC is enabled and can take IPIs (atomic)
    uint32_t need_resched;     // set by interrupts, consumed on the way back to user mode
    EntryPage* entry;          // this vCPU's entry area page 0, through the physmap (writable)
    uint64_t entry_gpa;        // GPA of the 16 KiB entry area
    uint64_t kernel_cr3;       // the kernel page table with no address space (idle, boot)
    Task* current;             // running thread (the idle task when none)
    mm::AddressSpace* as;      // address space loaded on this vCPU, nullptr for none
    uint32_t tlb_flush;        // a shootdown asked this vCPU to flush (atomic)
    uint32_t irq_stack_dirty;  // the entry area's interrupt stack was used: scrub it
    Task* idle;
    uint64_t user_gs_shadow;  // value last written to KERNEL_GS_BASE (see arch/user.cpp)
    uint64_t timer_deadline;  // when this vCPU's LAPIC timer fires (0: not armed)
};

// Alignment to CPU_BLOCK_SIZE comes from the linker script (section .bss.cpu_blocks), not
// from alignas, so the ELF's data segment keeps a 4 KiB p_align and a compact file layout.
struct CpuBlock {
    union {
        PerCpu cpu;
        uint8_t percpu_space[CPU_PERCPU_SIZE];
    };
    uint8_t ist_double_fault[CPU_IST_SIZE];
    uint8_t ist_nmi[CPU_IST_SIZE];
    uint8_t stack[CPU_BLOCK_SIZE - CPU_PERCPU_SIZE - 2 * CPU_IST_SIZE];  // grows down
};
static_assert(sizeof(PerCpu) <= CPU_PERCPU_SIZE, "PerCpu outgrew its space");
static_assert(sizeof(CpuBlock) == CPU_BLOCK_SIZE, "CpuBlock layout");
static_assert(sizeof(CpuBlock::stack) >= 8192, "kernel stack too small");

extern "C" CpuBlock cpu_blocks[GUEST_MAX_VCPUS];

inline PerCpu* this_cpu() {
    uint64_t rsp;
    asm("mov %%rsp, %0" : "=r"(rsp));  // not volatile: threads never migrate in kernel mode
    return *reinterpret_cast<PerCpu* const*>(rsp & ~uint64_t(CPU_BLOCK_SIZE - 1));
}

inline PerCpu* cpu_by_index(uint32_t index) {
    return &cpu_blocks[index].cpu;
}
