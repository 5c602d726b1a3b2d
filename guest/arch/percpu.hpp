// Per-vCPU state and stacks. Each vCPU owns one CpuBlock, aligned to its size, so the
// current vCPU's PerCpu is found by masking RSP (this_cpu()) on its kernel stack and on its
// IST stacks alike, with no GS base and no MSR access.
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "arch/layout.h"
#include "arch/traps.hpp"

// 64-bit Task State Segment: only the IST stacks are used (the kernel never runs ring 3).
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

struct PerCpu {
    Tss tss;
    uint32_t index;    // vCPU index from the boot registers
    uint32_t apic_id;  // valid once apic_ready
    // PVM host: qword 0 of this vCPU's registration page, the virtual interrupt flag.
    // nullptr on hardware KVM and under plain QEMU, where cli/sti are used instead.
    volatile uint64_t* pvm_irq_flag;
    FaultRecord fault;    // armed by code that expects to fault (traps.hpp)
    uint32_t apic_ready;  // this vCPU's LAPIC is enabled and can take IPIs (atomic)
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
    asm("mov %%rsp, %0" : "=r"(rsp));  // not volatile: the block is the same all along
    return reinterpret_cast<PerCpu*>(rsp & ~uint64_t(CPU_BLOCK_SIZE - 1));
}

inline PerCpu* cpu_by_index(uint32_t index) {
    return &cpu_blocks[index].cpu;
}
