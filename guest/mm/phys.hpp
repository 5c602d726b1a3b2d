// Physical page allocator: a binary buddy allocator over every DOMUS_MEM_RAM byte of guest RAM
// that is not the kernel image, the boot area (below 1 MiB) or the ramdisk, with a reference
// count per page (shared and copy-on-write user pages). Its bookkeeping (free lists included)
// is a 16-byte entry per page; free pages themselves are never written by it. Addresses are GPAs;
// the memory is reachable through vmem::from_gpa(). One lock; every operation is O(max order).
#pragma once

#include <stddef.h>
#include <stdint.h>

namespace phys {

inline constexpr uint64_t kPageSize = 4096;
inline constexpr unsigned kMaxOrder = 10;  // blocks of 4 KiB .. 4 MiB

struct Range {
    uint64_t base, size;
};

// Takes the usable RAM ranges and the ranges to keep out (image, ramdisk...). Once, on the BSP.
// `ram_zeroed`: every byte of the usable RAM reads as zero (the monitor says so), so the
// per-page array placed there needs no clearing and is touched only as pages are used.
void init(const Range* ram, size_t ram_count, const Range* reserved, size_t reserved_count,
          bool ram_zeroed);

// A block of 2^order pages, naturally aligned, not zeroed; 0 when none is free.
uint64_t alloc(unsigned order = 0);
uint64_t alloc_zeroed(unsigned order = 0);
// One page for a process (page faults): fails while the free memory is below the kernel's
// reserve, so a program that allocates without end runs out first and the kernel keeps
// enough to kill it and carry on.
uint64_t alloc_user();
void free(uint64_t gpa, unsigned order = 0);

// Memory the caches hold and can give back (ext2's page cache: clean pages of files): when
// alloc() finds no block, or alloc_user() the free memory at its reserve, the reclaimer is
// asked for pages (the request plus a batch) and the allocation is tried again, once. It runs
// with no allocator lock held, on whatever path allocated: it must not wait for a lock that
// path may hold (try_lock, and give up), and returns the pages it freed.
using Reclaimer = uint64_t (*)(uint64_t want);
inline constexpr uint64_t kReclaimBatch = 1024;  // 4 MiB
void set_reclaimer(Reclaimer fn);
// The pages the caches hold (file data; /proc/meminfo's Cached): kept by the caches as they
// add and free pages.
void cache_account(int64_t pages);
uint64_t cached_pages();

// Makes the whole pages of a reserved range allocatable, e.g. the ramdisk once unpacked;
// pages adopted from it meanwhile are skipped.
void release(Range range);
// Takes one page of a range init() kept out (the ramdisk's) into the allocator as if alloc()
// had returned it: reference count 1, freed by unref() like any other page. False (nothing
// changed) for a page that is not reserved (never was, already adopted or released) or not
// page aligned. Lets the initramfs's file data become the files' pages instead of a copy.
bool adopt(uint64_t gpa);

// Makes a block alloc(order) returned 2^order pages of their own, each with reference count
// 1 (freed one by one with unref; the free ones merge back into blocks).
void split(uint64_t gpa, unsigned order);

// Reference counts of order-0 pages handed out by alloc(): alloc sets 1; unref frees at 0.
void ref(uint64_t gpa);
void unref(uint64_t gpa);
uint32_t refcount(uint64_t gpa);

uint64_t free_pages();
// The free pages that were handed out before (not fresh RAM, which the allocator cuts into
// blocks only when the free lists run dry; a few MiB of a block cut may be untouched): on the
// PVM host the first touch of a guest page costs a host fault (~10 us), so a cache that only
// wants to be a win grows into these.
uint64_t recycled_pages();
uint64_t total_pages();

}  // namespace phys
