// What the kernel knows about the machine it booted on, taken from a validated boot-info
// page: the monitor's (Domus path) or one built from QEMU's hvm_start_info (PVH path).
#pragma once

#include <stdint.h>

#include "domus/abi/boot_info.h"

enum class Platform : uint8_t {
    Domus,  // booted by the Domus monitor: hypercalls available
    Pvh,    // booted by another monitor through the PVH note (QEMU): UART, isa-debug-exit
};

struct BootState {
    Platform platform;
    bool pvm_host;  // DOMUS_BOOT_FLAG_PVM_HOST (Domus) or the PVM probe (PVH)
    uint32_t flags;
    uint32_t vcpu_count;
    uint32_t domain_id;
    uint64_t memory_bytes;
    uint64_t tsc_khz;          // 0 when unknown
    uint32_t lapic_timer_khz;  // the LAPIC timer's clock at divide-by-1; 0 when unknown
    const domus_boot_info* info;
    const char* cmdline;  // NUL-terminated, at most DOMUS_CMDLINE_MAX - 1 characters
};

extern BootState g_boot;

// Checks everything the kernel reads from a boot-info page before trusting it. `reg_page`
// is the registration page GPA passed in RDX for this vCPU. Returns nullptr if valid, else
// a message naming the first problem.
const char* boot_info_check(const domus_boot_info* info, uint64_t reg_page);

// Whether the full kernel comes up (memory management, ring 3, devices): the domain runs a
// program (a ramdisk) or has virtio devices. The built-in workloads of a bare domain keep the
// monitor's boot page tables and touch no more guest RAM.
bool boot_needs_mm(const domus_boot_info* info);

// Fills g_boot from a boot-info page that passed boot_info_check().
void boot_state_init(Platform platform, const domus_boot_info* info);
