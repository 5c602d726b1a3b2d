// fork(2) for address spaces: the child gets a copy of every mapping; private writable pages
// become copy-on-write in both (read-only + kPteCow, one more reference), read-only and shared
// pages are simply shared. Removing write access in the parent needs a flush on every vCPU
// running it (other threads of the parent).
#include "arch/vmem.hpp"
#include "mm/aspace.hpp"
#include "mm/kheap.hpp"
#include "mm/kpt.hpp"
#include "mm/pagetable.hpp"
#include "mm/phys.hpp"

namespace mm {

AddressSpace* clone(AddressSpace* parent) {
    AddressSpace* child = create();
    if (!child) return nullptr;
    bool ok = true;
    bool reduced = false;
    {
        AsGuard guard(parent);
        Vma** tail = &child->vmas;
        for (const Vma* v = parent->vmas; v && ok; v = v->next) {
            Vma* n = knew<Vma>();
            if (!n) {
                ok = false;
                break;
            }
            *n = *v;
            n->next = nullptr;
            if (n->file && n->backing) n->backing->get(n->file);
            *tail = n;
            tail = &n->next;
            for_each_pte(parent, v->start, v->end, [&](uint64_t va, uint64_t& pte) {
                if (!ok) return;
                uint64_t* dst = walk(child, va, true);
                if (!dst) {
                    ok = false;
                    return;
                }
                if (!(v->flags & kVmaShared) && (pte & kpt::kWrite)) {
                    pte = (pte & ~kpt::kWrite) | kPteCow;
                    reduced = true;
                }
                phys::ref(pte & kpt::kAddressMask);
                *dst = pte;
                ++child->resident_pages;
            });
        }
        child->brk_start = parent->brk_start;
        child->brk = parent->brk;
        if (reduced) flush_all(parent);
    }
    if (!ok) {
        put(child);
        return nullptr;
    }
    return child;
}

}  // namespace mm
