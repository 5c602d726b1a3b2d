// Address spaces: lifecycle, per-vCPU roots, page-table walking, TLB shootdown, page faults.
// Mapping changes (map/unmap/protect/brk) are in mm/vma.cpp, fork in mm/fork.cpp.
#include "mm/aspace.hpp"

#include "abi/errno.hpp"
#include "arch/apic.hpp"
#include "arch/entry_area.hpp"
#include "arch/percpu.hpp"
#include "arch/traps.hpp"
#include "arch/user.hpp"
#include "arch/vmem.hpp"
#include "kernel/string.hpp"
#include "mm/kheap.hpp"
#include "mm/kpt.hpp"
#include "mm/pagetable.hpp"
#include "mm/phys.hpp"

namespace mm {

namespace {

uint64_t* table(uint64_t gpa) {
    return vmem::from_gpa<uint64_t>(gpa);
}

constexpr uint64_t kTableFlags = kpt::kPresent | kpt::kWrite | kpt::kUser;

// Sets lower-half PML4 slot `slot` in the prototype and in every per-vCPU root.
void set_pml4(AddressSpace* as, unsigned slot, uint64_t entry) {
    table(as->proto)[slot] = entry;
    for (uint32_t c = 0; c < GUEST_MAX_VCPUS; ++c) {
        if (as->kernel_root[c]) table(as->kernel_root[c])[slot] = entry;
        if (as->user_root[c]) table(as->user_root[c])[slot] = entry;
    }
}

void free_subtree(uint64_t gpa, int level) {
    if (level > 0) {
        uint64_t* t = table(gpa);
        for (unsigned i = 0; i < 512; ++i) {
            if (t[i] & kpt::kPresent) free_subtree(t[i] & kpt::kAddressMask, level - 1);
        }
    }
    phys::free(gpa);
}

void free_vmas(AddressSpace* as) {
    for (Vma* v = as->vmas; v;) {
        Vma* next = v->next;
        if (v->file && v->backing) v->backing->put(v->file);
        kfree(v);
        v = next;
    }
    as->vmas = nullptr;
}

Vma* find_vma(AddressSpace* as, uint64_t va) {
    for (Vma* v = as->vmas; v && v->start <= va; v = v->next) {
        if (va < v->end) return v;
    }
    return nullptr;
}

void flush_local() {
    kpt::load_cr3(this_cpu()->entry->kernel_cr3);
}

bool kernel_fault_hook(TrapFrame* f, uint64_t cr2) {
    PerCpu* cpu = this_cpu();
    if (!cpu->as || !user::is_user_address(cr2) || (f->cs & 3) != 0) return false;
    return handle_fault(cpu->as, cr2, f->error) == 0;
}

// Fills a fresh page for `va` of `v`: zeroes, or the file's bytes then zeroes.
bool fill_page(const Vma* v, uint64_t va, uint64_t gpa) {
    uint8_t* page = vmem::from_gpa<uint8_t>(gpa);
    const uint64_t into = va - v->start;
    uint64_t length = 0;
    if (v->file && into < v->file_bytes) {
        length = v->file_bytes - into < 4096 ? v->file_bytes - into : 4096;
        const int r = v->backing->read_page(v->file, v->file_offset + into, page, length);
        if (r < 0) return false;
        if (uint64_t(r) < length) length = uint64_t(r);
    }
    if (length < 4096) memset(page + length, 0, 4096 - length);
    return true;
}

constexpr uint64_t kFaultAround = 64;  // pages: a 256 KiB window

// A read of a private file mapping: the file's own pages are mapped (read-only, marked
// copy-on-write whatever the mapping's protection, so neither a write nor a later mprotect can
// reach the file), for the faulting page and the others of the mapping in the aligned window
// of kFaultAround pages around it. The file system's pages are resident (ramfs), so each one
// costs a PTE here against a whole fault round trip later (~80 us on the PVM host). Pages that
// end in the zero-filled tail (bss) are copied instead. false when the faulting page itself
// could not be shared. as->lock held.
bool share_file_pages(AddressSpace* as, const Vma* v, uint64_t va) {
    const uint64_t file_pages = (v->backing->size(v->file) + 4095) & ~uint64_t(4095);
    const uint64_t window = va & ~(kFaultAround * 4096 - 1);
    const uint64_t from = window > v->start ? window : v->start;
    const uint64_t to =
        v->end - window > kFaultAround * 4096 ? window + kFaultAround * 4096 : v->end;
    bool first = false;
    for (uint64_t at = from; at < to; at += 4096) {
        const uint64_t into = at - v->start;
        const uint64_t offset = v->file_offset + into;
        if (into + 4096 > v->file_bytes || offset + 4096 > file_pages) break;
        uint64_t* pte = walk(as, at, true);
        if (!pte) break;
        if (*pte & (kpt::kPresent | kPteProtNone)) continue;
        const uint64_t page = v->backing->shared_page(v->file, offset);
        if (!page) {
            if (at < va) continue;
            break;
        }
        *pte = page | user_pte_flags(v->prot, false) | kPteCow;
        ++as->resident_pages;
        if (at == va) first = true;
    }
    return first;
}

}  // namespace

AsGuard::AsGuard(AddressSpace* as) : as_(as) {
    while (!as->lock.try_lock()) {
        if (__atomic_load_n(&this_cpu()->tlb_flush, __ATOMIC_SEQ_CST)) tlb_ipi();
        cpu::pause();
    }
}

uint64_t* walk(AddressSpace* as, uint64_t va, bool create) {
    uint64_t parent = as->proto;
    for (int level = 3; level > 0; --level) {
        const unsigned slot = unsigned(va >> (12 + 9 * level)) & 511;
        uint64_t entry = table(parent)[slot];
        if (!(entry & kpt::kPresent)) {
            if (!create) return nullptr;
            const uint64_t t = phys::alloc_zeroed();
            if (!t) return nullptr;
            entry = t | kTableFlags;
            if (level == 3) {
                set_pml4(as, slot, entry);
            } else {
                table(parent)[slot] = entry;  // adding an entry: no flush needed
            }
        }
        parent = entry & kpt::kAddressMask;
    }
    return &table(parent)[(va >> 12) & 511];
}

void free_tables(AddressSpace* as) {
    uint64_t* pml4 = table(as->proto);
    for (unsigned i = 0; i < 256; ++i) {
        if (pml4[i] & kpt::kPresent) free_subtree(pml4[i] & kpt::kAddressMask, 2);
        pml4[i] = 0;
    }
}

uint64_t user_pte_flags(uint32_t prot, bool writable) {
    uint64_t flags = kpt::kPresent | kpt::kUser;
    if (writable) flags |= kpt::kWrite;
    if (!(prot & kProtExec)) flags |= kpt::nx_bit();
    return flags;
}

void flush_all(AddressSpace* as) {
    PerCpu* me = this_cpu();
    if (me->as == as) flush_local();
    const uint64_t others = __atomic_load_n(&as->active, __ATOMIC_SEQ_CST) & ~(1ull << me->index);
    if (others == 0) return;
    for (uint32_t c = 0; c < GUEST_MAX_VCPUS; ++c) {
        if (!(others & (1ull << c))) continue;
        PerCpu* cpu = cpu_by_index(c);
        __atomic_store_n(&cpu->tlb_flush, 1u, __ATOMIC_SEQ_CST);
        apic::send_ipi(cpu->apic_id, VECTOR_TLB);
    }
    for (uint32_t c = 0; c < GUEST_MAX_VCPUS; ++c) {
        if (!(others & (1ull << c))) continue;
        PerCpu* cpu = cpu_by_index(c);
        while (__atomic_load_n(&cpu->tlb_flush, __ATOMIC_SEQ_CST)) {
            // Another vCPU may be waiting for us with interrupts masked, as we are.
            if (__atomic_load_n(&me->tlb_flush, __ATOMIC_SEQ_CST)) tlb_ipi();
            cpu::pause();
        }
    }
}

void tlb_ipi() {
    PerCpu* cpu = this_cpu();
    if (__atomic_exchange_n(&cpu->tlb_flush, 0u, __ATOMIC_SEQ_CST)) flush_local();
}

AddressSpace* create() {
    AddressSpace* as = knew<AddressSpace>();
    if (!as) return nullptr;
    as->proto = phys::alloc_zeroed();
    if (!as->proto) {
        kdelete(as);
        return nullptr;
    }
    as->users = 1;
    return as;
}

void get(AddressSpace* as) {
    __atomic_fetch_add(&as->users, 1u, __ATOMIC_RELAXED);
}

void put(AddressSpace* as) {
    if (!as || __atomic_sub_fetch(&as->users, 1u, __ATOMIC_ACQ_REL) != 0) return;
    for_each_pte(as, 0, kUserTop, [](uint64_t, uint64_t& pte) {
        phys::unref(pte & kpt::kAddressMask);
        pte = 0;
    });
    free_tables(as);
    free_vmas(as);
    for (uint32_t c = 0; c < GUEST_MAX_VCPUS; ++c) {
        phys::free(as->kernel_root[c]);
        phys::free(as->user_root[c]);
    }
    phys::free(as->proto);
    kdelete(as);
}

void activate(AddressSpace* as) {
    PerCpu* cpu = this_cpu();
    const uint32_t c = cpu->index;
    if (cpu->as && cpu->as != as) {
        __atomic_fetch_and(&cpu->as->active, ~(1ull << c), __ATOMIC_SEQ_CST);
    }
    cpu->as = as;
    if (!as) {
        cpu->entry->kernel_cr3 = cpu->kernel_cr3;
        cpu->entry->user_cr3 = cpu->kernel_cr3;
        kpt::load_cr3(cpu->kernel_cr3);
        return;
    }
    if (!as->kernel_root[c]) {
        AsGuard guard(as);
        const uint64_t k = kpt::new_kernel_root(c);
        const uint64_t u = kpt::new_user_root(c);
        // Out of memory here is fatal for the caller's thread only; fall back to sharing the
        // vCPU's kernel tables would leak nothing but cannot run the process: spin on retry.
        for (unsigned i = 0; i < 256; ++i) {
            table(k)[i] = table(as->proto)[i];
            table(u)[i] = table(as->proto)[i];
        }
        as->kernel_root[c] = k;
        as->user_root[c] = u;
    }
    __atomic_fetch_or(&as->active, 1ull << c, __ATOMIC_SEQ_CST);
    cpu->entry->kernel_cr3 = as->kernel_root[c];
    cpu->entry->user_cr3 = as->user_root[c];
    kpt::load_cr3(as->kernel_root[c]);
}

int handle_fault(AddressSpace* as, uint64_t address, uint64_t error) {
    const bool write = error & 2, fetch = error & 0x10;
    const uint64_t va = address & ~uint64_t(4095);
    AsGuard guard(as);
    const Vma* v = find_vma(as, address);
    if (!v) return -linux_errno::EFAULT;
    if ((write && !(v->prot & kProtWrite)) || (fetch && !(v->prot & kProtExec)) || v->prot == 0) {
        return -linux_errno::EACCES;
    }
    uint64_t* pte = walk(as, va, true);
    if (!pte) return -linux_errno::ENOMEM;
    if (*pte & kpt::kPresent) {
        if (!write || !(*pte & kPteCow)) return 0;  // already resolved (another vCPU, or stale)
        const uint64_t old = *pte & kpt::kAddressMask;
        if (phys::refcount(old) == 1) {
            *pte = (*pte & ~kPteCow) | kpt::kWrite;  // last user: just take it back
            return 0;
        }
        const uint64_t copy = phys::alloc_user();
        if (!copy) return -linux_errno::ENOMEM;
        memcpy(vmem::from_gpa(copy), vmem::from_gpa(old), 4096);
        *pte = copy | user_pte_flags(v->prot, true);
        phys::unref(old);
        flush_all(as);  // the frame changed: no vCPU may keep the old one
        return 0;
    }
    if (v->file) {
        const uint64_t offset = v->file_offset + (va - v->start);
        if (offset >= ((v->backing->size(v->file) + 4095) & ~uint64_t(4095))) {
            return -linux_errno::EIO;
        }
    }
    if (v->file && !write && !(v->flags & kVmaShared) && share_file_pages(as, v, va)) return 0;
    if ((v->flags & kVmaShared) && v->file) {
        const uint64_t shared = v->backing->shared_page(v->file, v->file_offset + (va - v->start));
        if (!shared) return -linux_errno::EFAULT;
        *pte = shared | user_pte_flags(v->prot, (v->prot & kProtWrite) != 0);
        ++as->resident_pages;
        return 0;
    }
    const uint64_t page = phys::alloc_user();
    if (!page) return -linux_errno::ENOMEM;
    if (!fill_page(v, va, page)) {
        phys::free(page);
        return -linux_errno::EFAULT;  // the file cannot provide it: SIGBUS-like
    }
    *pte = page | user_pte_flags(v->prot, (v->prot & kProtWrite) != 0);
    ++as->resident_pages;
    return 0;
}

void install_fault_hook() {
    trap_set_page_fault_handler(kernel_fault_hook);
}

}  // namespace mm
