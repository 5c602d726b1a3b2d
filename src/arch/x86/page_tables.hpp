// Identity-mapped long-mode page tables for guest RAM, written into guest memory.
#pragma once

#include <cstdint>

#include "base/result.hpp"
#include "memory/guest_memory.hpp"

namespace domus::x86 {

// Page-table entry bits. Every entry has U=1: the PVM host refaults forever on a U=0 page.
inline constexpr uint64_t kPtePresent = 1ull << 0;
inline constexpr uint64_t kPteWrite = 1ull << 1;
inline constexpr uint64_t kPteUser = 1ull << 2;
inline constexpr uint64_t kPteLarge = 1ull << 7;  // 2 MiB page in a PD entry
inline constexpr uint64_t kTableFlags = kPtePresent | kPteWrite | kPteUser;

inline constexpr uint64_t k2MiB = 2ull << 20;
inline constexpr uint64_t k1GiB = 1ull << 30;

// Maps guest virtual [0, ram rounded up to 2 MiB) to the same physical addresses with 2 MiB
// pages: PML4 at DOMUS_GPA_PML4, one PDPT at DOMUS_GPA_PDPT, one PD per GiB from DOMUS_GPA_PD.
// The same PDPT is also hung at DOMUS_PHYSMAP_BASE, and the first two GiB of PDs at
// DOMUS_KERNEL_VIRT_BASE (through DOMUS_GPA_PDPT_HIGH). Addresses above RAM stay unmapped, so
// a stray access faults.
Status build_identity_page_tables(GuestMemory& mem, uint64_t ram_bytes);

// Largest RAM the fixed page-directory area can map.
uint64_t max_mappable_ram();

}  // namespace domus::x86
