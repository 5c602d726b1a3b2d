// Mapping changes: mmap, munmap, mprotect, brk. The VMA list is sorted and non-overlapping;
// neighbours are not merged (fine at our scale). Callers pass page-aligned, validated ranges
// (syscalls/mm.cpp checks the user's values).
#include "abi/errno.hpp"
#include "arch/vmem.hpp"
#include "mm/aspace.hpp"
#include "mm/kheap.hpp"
#include "mm/kpt.hpp"
#include "mm/pagetable.hpp"
#include "mm/phys.hpp"

namespace mm {

namespace {

Vma* copy_of(const Vma* v) {
    Vma* n = knew<Vma>();
    if (!n) return nullptr;
    *n = *v;
    if (n->file && n->backing) n->backing->get(n->file);
    return n;
}

void destroy(Vma* v) {
    if (v->file && v->backing) v->backing->put(v->file);
    kfree(v);
}

// Cuts `v` so that one of its pieces starts at `at` (start < at < end): v becomes [start, at),
// the new piece [at, end) follows it. false when out of memory.
bool split(Vma* v, uint64_t at) {
    Vma* tail = copy_of(v);
    if (!tail) return false;
    const uint64_t cut = at - v->start;
    tail->start = at;
    tail->file_offset += cut;
    tail->file_bytes = v->file_bytes > cut ? v->file_bytes - cut : 0;
    v->end = at;
    tail->next = v->next;
    v->next = tail;
    return true;
}

// Splits VMAs so that `start` and `end` are boundaries. false when out of memory.
bool split_at_bounds(AddressSpace* as, uint64_t start, uint64_t end) {
    for (Vma* v = as->vmas; v; v = v->next) {
        if (v->start < start && start < v->end && !split(v, start)) return false;
    }
    for (Vma* v = as->vmas; v; v = v->next) {
        if (v->start < end && end < v->end && !split(v, end)) return false;
    }
    return true;
}

// Drops the pages of [start, end) and the VMAs inside it. as->lock held; bounds split.
void remove_range(AddressSpace* as, uint64_t start, uint64_t end) {
    bool any = false;
    for_each_pte(as, start, end, [&](uint64_t, uint64_t& pte) {
        phys::unref(pte & kpt::kAddressMask);
        pte = 0;
        --as->resident_pages;
        any = true;
    });
    Vma** link = &as->vmas;
    while (*link) {
        Vma* v = *link;
        if (v->start >= start && v->end <= end) {
            *link = v->next;
            destroy(v);
        } else {
            link = &v->next;
        }
    }
    if (any) flush_all(as);
}

bool range_free(const AddressSpace* as, uint64_t start, uint64_t end) {
    for (const Vma* v = as->vmas; v; v = v->next) {
        if (v->start < end && start < v->end) return false;
    }
    return true;
}

// Highest free gap of `length` bytes below kMmapTop, or 0.
uint64_t find_gap(const AddressSpace* as, uint64_t length) {
    uint64_t top = kMmapTop;
    for (;;) {
        if (top < length || top - length < kUserMin) return 0;
        const uint64_t start = top - length;
        const Vma* blocker = nullptr;
        for (const Vma* v = as->vmas; v; v = v->next) {
            if (v->start < top && start < v->end) blocker = v;  // the highest overlapping one
        }
        if (!blocker) return start;
        top = blocker->start;
    }
}

void insert(AddressSpace* as, Vma* n) {
    Vma** link = &as->vmas;
    while (*link && (*link)->start < n->start) link = &(*link)->next;
    n->next = *link;
    *link = n;
}

}  // namespace

int64_t map(AddressSpace* as, uint64_t hint, uint64_t length, uint32_t prot, uint32_t flags,
            bool fixed, void* file, const FileBacking* backing, uint64_t file_offset,
            uint64_t file_bytes) {
    if (length == 0) return -linux_errno::EINVAL;
    if (length > kUserTop) return -linux_errno::ENOMEM;
    Vma* n = knew<Vma>();
    if (!n) return -linux_errno::ENOMEM;
    AsGuard guard(as);
    uint64_t start = 0;
    if (fixed) {
        if (hint < kUserMin) {
            kfree(n);
            return -linux_errno::EPERM;  // below mmap_min_addr, as Linux
        }
        if (hint + length > kUserTop || hint + length < hint) {
            kfree(n);
            return -linux_errno::ENOMEM;
        }
        if (!split_at_bounds(as, hint, hint + length)) {
            kfree(n);
            return -linux_errno::ENOMEM;
        }
        remove_range(as, hint, hint + length);
        start = hint;
    } else if (hint >= kUserMin && hint + length <= kUserTop && hint + length > hint &&
               range_free(as, hint, hint + length)) {
        start = hint;
    } else {
        start = find_gap(as, length);
        if (!start) {
            kfree(n);
            return -linux_errno::ENOMEM;
        }
    }
    *n = Vma{start, start + length, prot, flags, file, backing, file_offset, file_bytes, nullptr};
    if (file && backing) backing->get(file);
    insert(as, n);
    return int64_t(start);
}

int unmap(AddressSpace* as, uint64_t start, uint64_t length) {
    if (length == 0 || start + length < start || start + length > kUserTop) {
        return -linux_errno::EINVAL;
    }
    AsGuard guard(as);
    if (!split_at_bounds(as, start, start + length)) return -linux_errno::ENOMEM;
    remove_range(as, start, start + length);
    return 0;
}

int protect(AddressSpace* as, uint64_t start, uint64_t length, uint32_t prot) {
    const uint64_t end = start + length;
    if (end < start || end > kUserTop) return -linux_errno::ENOMEM;
    AsGuard guard(as);
    // Linux: every page of the range must be mapped.
    for (uint64_t at = start; at < end;) {
        const Vma* covering = nullptr;
        for (const Vma* v = as->vmas; v; v = v->next) {
            if (v->start <= at && at < v->end) covering = v;
        }
        if (!covering) return -linux_errno::ENOMEM;
        at = covering->end;
    }
    if (!split_at_bounds(as, start, end)) return -linux_errno::ENOMEM;
    for (Vma* v = as->vmas; v; v = v->next) {
        if (v->start >= start && v->end <= end) v->prot = prot;
    }
    bool reduced = false;
    for_each_pte(as, start, end, [&](uint64_t, uint64_t& pte) {
        const uint64_t page = pte & kpt::kAddressMask;
        const uint64_t cow = pte & kPteCow;
        if (prot == 0) {
            pte = page | kPteProtNone | cow;
            reduced = true;
            return;
        }
        const bool writable = (prot & kProtWrite) && !cow;
        const uint64_t next = page | user_pte_flags(prot, writable) | cow;
        if (!(pte & kpt::kPresent)) return void(pte = next);  // from PROT_NONE: adds rights
        if ((pte & kpt::kWrite) && !writable) reduced = true;
        if (!(pte & kpt::nx_bit()) && (next & kpt::nx_bit())) reduced = true;
        pte = next;
    });
    if (reduced) flush_all(as);
    return 0;
}

int64_t remap_grow(AddressSpace* as, uint64_t start, uint64_t old_length, uint64_t new_length,
                   bool may_move) {
    const uint64_t old_end = start + old_length;
    if (old_end < start || start + new_length < start || start + new_length > kUserTop) {
        return -linux_errno::ENOMEM;
    }
    Vma* v = nullptr;
    {
        AsGuard guard(as);
        for (Vma* x = as->vmas; x; x = x->next) {
            if (x->start <= start && start < x->end) v = x;
        }
        if (!v || old_end > v->end) return -linux_errno::EFAULT;
        if (v->end == old_end && range_free(as, old_end, start + new_length)) {  // in place
            v->end = start + new_length;
            return int64_t(start);
        }
    }
    if (!may_move) return -linux_errno::ENOMEM;
    const int64_t target = map(as, 0, new_length, v->prot, v->flags, false, v->file, v->backing,
                               v->file_offset + (start - v->start), v->file_bytes);
    if (target < 0) return target;
    AsGuard guard(as);
    // Move the pages (their references go with them), then drop the old range's VMAs.
    bool moved = false;
    for_each_pte(as, start, old_end, [&](uint64_t va, uint64_t& pte) {
        uint64_t* dst = walk(as, uint64_t(target) + (va - start), true);
        if (!dst) return;  // out of memory: the page stays behind and is freed below
        *dst = pte;
        pte = 0;
        moved = true;
    });
    if (!split_at_bounds(as, start, old_end)) return target;  // the old pages are moved anyway
    remove_range(as, start, old_end);
    if (moved) flush_all(as);
    return target;
}

int discard(AddressSpace* as, uint64_t start, uint64_t length) {
    const uint64_t end = start + length;
    if (end < start || end > kUserTop) return -linux_errno::EINVAL;
    AsGuard guard(as);
    bool any = false;
    for (const Vma* v = as->vmas; v; v = v->next) {
        if (v->end <= start || v->start >= end || (v->flags & kVmaShared)) continue;
        const uint64_t from = v->start > start ? v->start : start;
        const uint64_t to = v->end < end ? v->end : end;
        for_each_pte(as, from, to, [&](uint64_t, uint64_t& pte) {
            if (!(pte & kpt::kPresent)) return;  // PROT_NONE pages keep their contents
            phys::unref(pte & kpt::kAddressMask);
            pte = 0;
            --as->resident_pages;
            any = true;
        });
    }
    if (any) flush_all(as);
    return 0;
}

uint64_t set_brk(AddressSpace* as, uint64_t requested) {
    const uint64_t old_end = (as->brk + 4095) & ~uint64_t(4095);
    if (requested < as->brk_start || requested >= kMmapTop) return as->brk;
    const uint64_t new_end = (requested + 4095) & ~uint64_t(4095);
    if (new_end > old_end) {
        {
            AsGuard guard(as);
            if (!range_free(as, old_end, new_end)) return as->brk;
        }
        if (map(as, old_end, new_end - old_end, kProtRead | kProtWrite, 0, true, nullptr, nullptr,
                0, 0) < 0) {
            return as->brk;
        }
    } else if (new_end < old_end) {
        unmap(as, new_end, old_end - new_end);
    }
    as->brk = requested;
    return as->brk;
}

}  // namespace mm
