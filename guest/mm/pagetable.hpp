// Lower-half page-table walking for address spaces (mm/aspace.*): 4 KiB user pages only.
#pragma once

#include <stdint.h>

#include "mm/aspace.hpp"

namespace mm {

// Software bit 9 of a user PTE: the page is writable by its mapping but shared (fork), so the
// first write copies it.
inline constexpr uint64_t kPteCow = 1ull << 9;
// Software bit 10: a PROT_NONE page keeps its frame in a non-present PTE.
inline constexpr uint64_t kPteProtNone = 1ull << 10;

// The PTE for `va` in `as`, creating missing tables when `create` (nullptr when absent or out
// of memory). as->lock held.
uint64_t* walk(AddressSpace* as, uint64_t va, bool create);

// Calls fn(va, pte) for every PTE holding a page (present, or PROT_NONE) in [start, end).
// as->lock held.
template <typename Fn>
void for_each_pte(AddressSpace* as, uint64_t start, uint64_t end, Fn fn);

// Frees every page table of the lower half (not the pages they map). as->lock held.
void free_tables(AddressSpace* as);

// PTE flags for a user page with protection `prot` (writable only when `writable`).
uint64_t user_pte_flags(uint32_t prot, bool writable);

// Holds as->lock; while waiting for it, answers TLB shootdowns (the holder may be waiting for
// this vCPU's flush with interrupts masked, as this vCPU is).
class AsGuard {
  public:
    explicit AsGuard(AddressSpace* as);
    ~AsGuard() { as_->lock.unlock(); }
    AsGuard(const AsGuard&) = delete;
    AsGuard& operator=(const AsGuard&) = delete;

  private:
    AddressSpace* as_;
};

// This vCPU's kernel view of the current space flushed, and every other vCPU that has `as`
// loaded made to flush (waits for them).
void flush_all(AddressSpace* as);

}  // namespace mm

#include "mm/pagetable_impl.hpp"
