// Controls of the host shims that stand in for the guest kernel's heap and clock.
#pragma once

#include <stddef.h>
#include <stdint.h>

namespace guest_fs_test {

// Blocks from kmalloc/kzalloc and pages from page_alloc_zeroed not yet freed.
size_t live_blocks();
size_t live_pages();

// After `successes` more allocations (blocks and pages alike) succeed, every allocation fails
// until fail_never() is called.
void fail_after(size_t successes);
void fail_never();

// A page of a test's archive handed to cpio_unpack's adopt callback: counted as a live page;
// page_free fills it with 0xa5 (reuse) instead of freeing it. False if adopted already.
bool adopt_page_for_test(void* page);
size_t adopted_live();  // adopted pages not freed yet

// time_realtime_ns() answers this value (default: 2023-11-14T22:13:20Z).
void set_time_ns(uint64_t ns);

// Calls the reclaimer the file system registered with phys::set_reclaimer (0 without one).
uint64_t reclaim(uint64_t want);
int64_t cached_pages();  // phys::cache_account's sum
size_t pinned_pages();   // pages holding references page_get added

}  // namespace guest_fs_test
