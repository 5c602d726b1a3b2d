// Template part of mm/pagetable.hpp.
#pragma once

#include "arch/vmem.hpp"
#include "mm/kpt.hpp"

namespace mm {

template <typename Fn>
void for_each_pte(AddressSpace* as, uint64_t start, uint64_t end, Fn fn) {
    uint64_t va = start;
    while (va < end) {
        const uint64_t* pml4 = vmem::from_gpa<uint64_t>(as->proto);
        const uint64_t e4 = pml4[(va >> 39) & 511];
        if (!(e4 & kpt::kPresent)) {
            va = ((va >> 39) + 1) << 39;
            continue;
        }
        const uint64_t e3 = vmem::from_gpa<uint64_t>(e4 & kpt::kAddressMask)[(va >> 30) & 511];
        if (!(e3 & kpt::kPresent)) {
            va = ((va >> 30) + 1) << 30;
            continue;
        }
        const uint64_t e2 = vmem::from_gpa<uint64_t>(e3 & kpt::kAddressMask)[(va >> 21) & 511];
        if (!(e2 & kpt::kPresent)) {
            va = ((va >> 21) + 1) << 21;
            continue;
        }
        uint64_t* pt = vmem::from_gpa<uint64_t>(e2 & kpt::kAddressMask);
        const uint64_t pt_end = ((va >> 21) + 1) << 21;
        for (; va < end && va < pt_end; va += 4096) {
            uint64_t& pte = pt[(va >> 12) & 511];
            if (pte & (kpt::kPresent | kPteProtNone)) fn(va, pte);
        }
    }
}

}  // namespace mm
