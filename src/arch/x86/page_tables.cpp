#include "arch/x86/page_tables.hpp"

#include "domus/abi/boot_info.h"

namespace domus::x86 {

namespace {

constexpr uint64_t pml4_slot(uint64_t va) {
    return (va >> 39) & 511;
}

}  // namespace

uint64_t max_mappable_ram() {
    return static_cast<uint64_t>(DOMUS_MAX_PD_PAGES) * k1GiB;
}

Status build_identity_page_tables(GuestMemory& mem, uint64_t ram_bytes) {
    if (ram_bytes == 0 || ram_bytes > max_mappable_ram()) {
        return make_error(Errc::invalid_argument, "cannot map " + std::to_string(ram_bytes) +
                                                      " bytes of RAM (limit " +
                                                      std::to_string(max_mappable_ram()) + ")");
    }
    const uint64_t mapped = (ram_bytes + k2MiB - 1) / k2MiB * k2MiB;
    const uint64_t pd_pages = (mapped + k1GiB - 1) / k1GiB;

    // Zero PML4 and PDPT: only the entries we set below are present.
    if (auto st = mem.fill(DOMUS_GPA_PML4, 4096, 0); !st) return st;
    if (auto st = mem.fill(DOMUS_GPA_PDPT, 4096, 0); !st) return st;
    if (auto st = mem.write_obj<uint64_t>(DOMUS_GPA_PML4, DOMUS_GPA_PDPT | kTableFlags); !st) {
        return st;
    }
    for (uint64_t i = 0; i < pd_pages; ++i) {
        const uint64_t pd = DOMUS_GPA_PD + i * 4096;
        if (auto st = mem.write_obj<uint64_t>(DOMUS_GPA_PDPT + i * 8, pd | kTableFlags); !st) {
            return st;
        }
        if (auto st = mem.fill(pd, 4096, 0); !st) return st;
    }
    // The same PDPT again at DOMUS_PHYSMAP_BASE (all RAM), and the first two PDs at
    // DOMUS_KERNEL_VIRT_BASE (PML4 511, PDPT 510-511) for a kernel linked at -2 GiB.
    if (auto st = mem.write_obj<uint64_t>(DOMUS_GPA_PML4 + pml4_slot(DOMUS_PHYSMAP_BASE) * 8,
                                          DOMUS_GPA_PDPT | kTableFlags);
        !st) {
        return st;
    }
    if (auto st = mem.fill(DOMUS_GPA_PDPT_HIGH, 4096, 0); !st) return st;
    if (auto st = mem.write_obj<uint64_t>(DOMUS_GPA_PML4 + pml4_slot(DOMUS_KERNEL_VIRT_BASE) * 8,
                                          DOMUS_GPA_PDPT_HIGH | kTableFlags);
        !st) {
        return st;
    }
    const uint64_t high_slot = (DOMUS_KERNEL_VIRT_BASE >> 30) & 511;
    for (uint64_t i = 0; i < pd_pages && i < DOMUS_KERNEL_VIRT_MAX_RAM / k1GiB; ++i) {
        if (auto st = mem.write_obj<uint64_t>(DOMUS_GPA_PDPT_HIGH + (high_slot + i) * 8,
                                              (DOMUS_GPA_PD + i * 4096) | kTableFlags);
            !st) {
            return st;
        }
    }
    for (uint64_t addr = 0; addr < mapped; addr += k2MiB) {
        const uint64_t gib = addr / k1GiB;
        const uint64_t slot = (addr % k1GiB) / k2MiB;
        const uint64_t entry_gpa = DOMUS_GPA_PD + gib * 4096 + slot * 8;
        if (auto st = mem.write_obj<uint64_t>(entry_gpa, addr | kTableFlags | kPteLarge); !st) {
            return st;
        }
    }
    return {};
}

}  // namespace domus::x86
