// The kernel's virtual layout (include/domus/abi/boot_info.h, ABI v2): the image is linked at
// DOMUS_KERNEL_VIRT_BASE + its physical load address (-2 GiB, -mcmodel=kernel) and all guest
// RAM is reachable at DOMUS_PHYSMAP_BASE + GPA. The lower half of the address space belongs
// to user processes. These helpers are the only place that turns a kernel pointer into the
// GPA a hypercall or a page-table entry needs, and back.
#pragma once

#include <stdint.h>

#include "arch/layout.h"
#include "domus/abi/boot_info.h"

namespace vmem {

// GPA of an address in this vCPU's entry area (its interrupt and exception stacks: a buffer
// on the stack of an interrupt handler lives there). arch/user.cpp.
uint64_t entry_area_to_gpa(uint64_t va);

inline constexpr uint64_t kKernelBase = DOMUS_KERNEL_VIRT_BASE;
inline constexpr uint64_t kPhysmapBase = DOMUS_PHYSMAP_BASE;

// GPA of a kernel pointer: the entry area, the image alias, the physmap, or (early PVH
// only) identity. The buffer must not cross a page boundary of the entry area.
inline uint64_t to_gpa(const volatile void* pointer) {
    const uint64_t va = reinterpret_cast<uint64_t>(pointer);
    if (va >= ENTRY_AREA) return entry_area_to_gpa(va);
    if (va >= kKernelBase) return va - kKernelBase;
    if (va >= kPhysmapBase) return va - kPhysmapBase;
    return va;
}

// Kernel pointer to guest physical memory through the physmap.
template <typename T = void>
inline T* from_gpa(uint64_t gpa) {
    return reinterpret_cast<T*>(gpa + kPhysmapBase);
}

}  // namespace vmem
