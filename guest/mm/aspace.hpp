// A process's address space: the lower half of its page tables (one PML4 "prototype" whose
// slots 0..255 every per-vCPU root copies), its mappings (VMAs, a sorted list), brk, and the
// per-vCPU roots (kpt.hpp: kernel view and user view per vCPU the space has run on).
//
// Pages are allocated on first touch (anonymous: zeroed; file: copied from the file), fork
// shares every page copy-on-write, and every removal of rights is flushed on each vCPU that
// has the space loaded (../shared/docs/pvm-ring3.md, "Rule for the guest kernel").
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "arch/layout.h"
#include "kernel/lock.hpp"

namespace mm {

inline constexpr uint32_t kProtRead = 1, kProtWrite = 2, kProtExec = 4;
inline constexpr uint32_t kVmaGrowsDown = 1u << 0;  // the main thread's stack
inline constexpr uint32_t kVmaShared = 1u << 1;     // MAP_SHARED anonymous: no COW on fork

inline constexpr uint64_t kUserTop = 0x0000800000000000ull;  // first non-user address
inline constexpr uint64_t kUserMin = 0x10000ull;             // mmap_min_addr
inline constexpr uint64_t kStackTop = 0x00007ffffffff000ull;
inline constexpr uint64_t kStackMax = 8ull << 20;  // RLIMIT_STACK
inline constexpr uint64_t kMmapTop = kStackTop - kStackMax - (1ull << 30);

// Contents of a file-backed mapping: reads up to one page of the file at `offset` into
// `page` (the rest is zeroed by the caller). Implemented by the file-system glue.
struct FileBacking {
    int (*read_page)(void* file, uint64_t offset, uint8_t* page, uint64_t length);
    // MAP_SHARED: the GPA of the file's own page at `offset` (created if missing), with one
    // more reference for the mapping; 0 when beyond the end of the file (SIGBUS) or no memory.
    uint64_t (*shared_page)(void* file, uint64_t offset);
    uint64_t (*size)(void* file);  // bytes: a page wholly beyond the end is SIGBUS
    void (*get)(void* file);
    void (*put)(void* file);
};

struct Vma {
    uint64_t start, end;  // page aligned, [start, end)
    uint32_t prot;
    uint32_t flags;
    void* file;  // nullptr: anonymous
    const FileBacking* backing;
    uint64_t file_offset;  // file offset of `start`
    uint64_t file_bytes;   // bytes of file data from `start`; zero beyond (bss)
    Vma* next;
};

struct AddressSpace {
    SpinLock lock;
    uint32_t users;  // threads sharing it (CLONE_VM), atomic
    uint64_t proto;  // GPA of the lower-half PML4 prototype
    uint64_t kernel_root[GUEST_MAX_VCPUS];
    uint64_t user_root[GUEST_MAX_VCPUS];
    uint64_t active;  // bit i: loaded on vCPU i (atomic)
    Vma* vmas;
    uint64_t brk_start, brk;
    uint64_t resident_pages;
};

AddressSpace* create();
void get(AddressSpace* as);
void put(AddressSpace* as);  // frees everything when the last user leaves

// Makes `as` current on this vCPU (allocating its roots here on first use) and records the
// CR3 values in the entry area. nullptr: the vCPU's kernel-only tables.
void activate(AddressSpace* as);

// Adds a mapping at exactly [start, start + length) replacing what was there (MAP_FIXED), or
// anywhere free when hint is 0 (top-down below kMmapTop). Returns the address or -errno.
int64_t map(AddressSpace* as, uint64_t hint, uint64_t length, uint32_t prot, uint32_t flags,
            bool fixed, void* file, const FileBacking* backing, uint64_t file_offset,
            uint64_t file_bytes);
int unmap(AddressSpace* as, uint64_t start, uint64_t length);
int protect(AddressSpace* as, uint64_t start, uint64_t length, uint32_t prot);
// mremap(2) growth of the mapping [start, start + old_length) (one VMA, page aligned) to
// new_length: in place when the pages after it are free, else (when `may_move`) at a new
// address, the pages moving with their contents. Returns the address or -errno.
int64_t remap_grow(AddressSpace* as, uint64_t start, uint64_t old_length, uint64_t new_length,
                   bool may_move);
// madvise(MADV_DONTNEED): private pages of the range are dropped (read back as zero or as
// the file's contents); the mappings stay.
int discard(AddressSpace* as, uint64_t start, uint64_t length);
// brk(2): returns the new (or unchanged) break.
uint64_t set_brk(AddressSpace* as, uint64_t requested);

// Resolves a fault at `address` (error code as the CPU pushed it). 0 when the access may be
// retried; -EFAULT (no mapping: SIGSEGV), -EACCES (protection: SIGSEGV), -EIO (a file page
// beyond the end of the file: SIGBUS), -ENOMEM (SIGKILL).
int handle_fault(AddressSpace* as, uint64_t address, uint64_t error);

// fork(2): a copy-on-write duplicate. nullptr when out of memory.
AddressSpace* clone(AddressSpace* parent);

// The page-fault hook for kernel-mode faults on user addresses (copy_to_user & co).
void install_fault_hook();

// Flushes this vCPU's TLB if a shootdown asked for it (the TLB IPI handler).
void tlb_ipi(void);

}  // namespace mm
