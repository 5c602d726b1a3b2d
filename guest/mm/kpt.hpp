// The kernel's own page tables (built once at boot, then shared by every address space):
//   PML4 273 (DOMUS_PHYSMAP_BASE): all RAM, 2 MiB pages, no-execute;
//   PML4 511 / PDPT 510 (DOMUS_KERNEL_VIRT_BASE): the kernel image, 2 MiB pages;
//   PML4 511 / PDPT 511 (ENTRY_AREA): the vCPU's own entry area, 4 KiB pages.
// Each vCPU has two PDPTs for slot 511: the kernel's (image + entry area) and the user's
// (only the entry section of the image - entry code, GDT, IDT, TSSs - plus the entry area).
// A page table root is per (address space, vCPU): its lower half is the address space's, its
// upper half one of these two views (new_kernel_root / new_user_root).
//
// On the PVM host every present entry at every level has U=1 (a U=0 page hangs the vCPU), so
// user/kernel isolation comes from the separate user root alone; on hardware KVM the kernel's
// entries are U=0 as well.
#pragma once

#include <stdint.h>

namespace kpt {

inline constexpr uint64_t kPresent = 1ull << 0;
inline constexpr uint64_t kWrite = 1ull << 1;
inline constexpr uint64_t kUser = 1ull << 2;
inline constexpr uint64_t kPwt = 1ull << 3;
inline constexpr uint64_t kPcd = 1ull << 4;
inline constexpr uint64_t kAccessed = 1ull << 5;
inline constexpr uint64_t kDirty = 1ull << 6;
inline constexpr uint64_t kLarge = 1ull << 7;
inline constexpr uint64_t kNoExec = 1ull << 63;
inline constexpr uint64_t kAddressMask = 0x000ffffffffff000ull;

// Builds every shared table and each vCPU's entry area; false when out of memory.
bool init(uint64_t ram_top, uint32_t vcpu_count, bool pvm_host, bool nx);

// U bit for kernel entries (kUser on the PVM host, 0 on hardware) and the NX bit (0 when the
// CPU has none).
uint64_t kernel_user_bit();
uint64_t nx_bit();

// A fresh zeroed PML4 with the kernel's (or the user's) upper half for `vcpu`; 0 when out of
// memory. The lower half (slots 0..255) is the caller's.
uint64_t new_kernel_root(uint32_t vcpu);
uint64_t new_user_root(uint32_t vcpu);

// GPA of vCPU i's entry area (16 KiB).
uint64_t entry_area_gpa(uint32_t vcpu);

// Maps the 2 MiB page holding `gpa` uncached into the physmap (xAPIC MMIO under QEMU).
bool map_mmio(uint64_t gpa);

// Loads a root into CR3 (trapped on PVM: ~4 us).
inline void load_cr3(uint64_t root_gpa) {
    asm volatile("mov %0, %%cr3" ::"r"(root_gpa) : "memory");
}

}  // namespace kpt
