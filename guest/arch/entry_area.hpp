// Page 0 of a vCPU's entry area (addresses in arch/layout.h). Read by the user entry and exit
// paths while the user's page table is loaded, so it is mapped read-only everywhere and the
// kernel writes it through the physmap (PerCpu::entry). It holds no secret: a process can
// read it while it runs on this vCPU.
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "arch/layout.h"

struct PerCpu;

struct EntryPage {
    PerCpu* cpu;
    uint64_t kernel_cr3;
    uint64_t user_cr3;
    uint64_t kernel_rsp;
    volatile uint64_t* flag_word;  // PVM interrupt-flag word (kernel address), else nullptr
    uint64_t bench_floor;          // SYSCALL_FLOOR_BARE enabled (kernel parameter bench_floor=1)
};
static_assert(offsetof(EntryPage, kernel_cr3) == ENTRY_KERNEL_CR3 - ENTRY_AREA);
static_assert(offsetof(EntryPage, user_cr3) == ENTRY_USER_CR3 - ENTRY_AREA);
static_assert(offsetof(EntryPage, kernel_rsp) == ENTRY_KERNEL_RSP - ENTRY_AREA);
static_assert(offsetof(EntryPage, flag_word) == ENTRY_FLAG_WORD - ENTRY_AREA);
static_assert(offsetof(EntryPage, bench_floor) == ENTRY_BENCH_FLOOR - ENTRY_AREA);
