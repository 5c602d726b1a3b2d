// The CPU state every vCPU starts in: 64-bit long mode, paging on, on the monitor's boot GDT,
// IDT and TSS (all on U=1 pages, as the PVM host requires). The guest replaces them with its own.
#pragma once

#include <cstdint>

#include "base/result.hpp"
#include "hv/regs.hpp"
#include "memory/guest_memory.hpp"

namespace domus::x86 {

inline constexpr uint16_t kBootCodeSelector = 0x10;
inline constexpr uint16_t kBootDataSelector = 0x18;
inline constexpr uint16_t kBootTssSelector = 0x20;

// Writes the boot GDT, an empty IDT and a TSS at their DOMUS_GPA_BOOT_* addresses.
Status write_boot_descriptors(GuestMemory& mem);

// Control registers, segments and descriptor tables for long mode (kvm-host.md's working state).
hv::SpecialRegs boot_special_regs();

// RIP = entry, RDI = boot info, RSI = vCPU index, RDX = registration page (0 off PVM).
hv::Regs boot_regs(uint64_t entry, uint64_t boot_info_gpa, uint32_t vcpu_index,
                   uint64_t registration_page_gpa);

}  // namespace domus::x86
