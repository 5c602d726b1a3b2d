// The guest kernel services guest/fs needs, for the host tests: heap, pages and the clock.
#include "host_shims.hpp"

#include <stdlib.h>
#include <string.h>

#include <atomic>
#include <map>
#include <mutex>
#include <set>

#include "kernel/time.hpp"
#include "mm/kheap.hpp"
#include "mm/phys.hpp"

namespace {

std::atomic<size_t> g_blocks{0};
std::atomic<size_t> g_pages{0};
std::atomic<int64_t> g_budget{-1};  // allocations left before failing; -1: unlimited
std::atomic<uint64_t> g_time_ns{1'700'000'000'000'000'000ull};
// The page allocator as the page cache sees it: 4 GiB, all of it used before, minus what the
// shims handed out; the reclaimer the file system registered.
constexpr uint64_t kTotalPages = uint64_t(1) << 20;
std::atomic<int64_t> g_cached{0};
std::atomic<phys::Reclaimer> g_reclaimer{nullptr};

// Pages that cpio_unpack took over from a test's archive (adopt_page_for_test): page_free
// scribbles on them, as the guest's allocator would reuse them, instead of calling free().
std::mutex g_adopted_lock;
std::set<void*> g_adopted;
// References page_get added (the page is freed when they and the owner's are dropped).
std::map<void*, int> g_extra_refs;
// Pages of block_alloc_pages -> their block, and each block's pages not yet freed.
std::map<void*, void*> g_split_pages;
std::map<void*, int> g_split_blocks;

bool allowed() {
    int64_t budget = g_budget.load();
    while (budget >= 0) {
        if (budget == 0) return false;
        if (g_budget.compare_exchange_weak(budget, budget - 1)) return true;
    }
    return true;
}

}  // namespace

namespace guest_fs_test {

size_t live_blocks() {
    return g_blocks.load();
}

size_t live_pages() {
    return g_pages.load();
}

void fail_after(size_t successes) {
    g_budget.store(int64_t(successes));
}

void fail_never() {
    g_budget.store(-1);
}

bool adopt_page_for_test(void* page) {
    std::lock_guard guard(g_adopted_lock);
    if (!g_adopted.insert(page).second) return false;
    ++g_pages;
    return true;
}

size_t adopted_live() {
    std::lock_guard guard(g_adopted_lock);
    return g_adopted.size();
}

void set_time_ns(uint64_t ns) {
    g_time_ns.store(ns);
}

uint64_t reclaim(uint64_t want) {
    const phys::Reclaimer fn = g_reclaimer.load();
    return fn != nullptr ? fn(want) : 0;
}

int64_t cached_pages() {
    return g_cached.load();
}

size_t pinned_pages() {
    std::lock_guard guard(g_adopted_lock);
    return g_extra_refs.size();
}

}  // namespace guest_fs_test

void* kmalloc(size_t size) {
    if (!allowed()) return nullptr;
    // 16-byte aligned like the guest heap; never 0 bytes (malloc(0) may return nullptr).
    void* p = aligned_alloc(16, (size + 15) & ~size_t{15} ? (size + 15) & ~size_t{15} : 16);
    if (p != nullptr) ++g_blocks;
    return p;
}

void* kzalloc(size_t size) {
    void* p = kmalloc(size);
    if (p != nullptr) memset(p, 0, size);
    return p;
}

void kfree(void* pointer) {
    if (pointer == nullptr) return;
    --g_blocks;
    free(pointer);
}

void* page_alloc_zeroed() {
    if (!allowed()) return nullptr;
    void* p = aligned_alloc(4096, 4096);
    if (p == nullptr) return nullptr;
    memset(p, 0, 4096);
    ++g_pages;
    return p;
}

void* page_alloc() {
    void* p = page_alloc_zeroed();
    if (p != nullptr) memset(p, 0xcc, 4096);
    return p;
}

void page_get(void* page) {
    std::lock_guard guard(g_adopted_lock);
    ++g_extra_refs[page];
}

void page_free(void* page) {
    if (page == nullptr) return;
    {
        std::lock_guard guard(g_adopted_lock);
        auto it = g_extra_refs.find(page);
        if (it != g_extra_refs.end()) {
            if (--it->second == 0) g_extra_refs.erase(it);
            return;
        }
    }
    --g_pages;
    {
        std::lock_guard guard(g_adopted_lock);
        if (g_adopted.erase(page) != 0) {
            memset(page, 0xa5, 4096);
            return;
        }
        // A page of block_alloc_pages: the block goes with its last page.
        auto it = g_split_pages.find(page);
        if (it != g_split_pages.end()) {
            void* block = it->second;
            g_split_pages.erase(it);
            memset(page, 0xa5, 4096);
            if (--g_split_blocks[block] == 0) {
                g_split_blocks.erase(block);
                free(block);
            }
            return;
        }
    }
    free(page);
}

void* block_alloc_pages(unsigned order) {
    if (!allowed()) return nullptr;
    auto* p = static_cast<uint8_t*>(aligned_alloc(4096, size_t(4096) << order));
    if (p == nullptr) return nullptr;
    std::lock_guard guard(g_adopted_lock);
    for (size_t i = 0; i < (size_t(1) << order); ++i) g_split_pages[p + i * 4096] = p;
    g_split_blocks[p] = int(size_t(1) << order);
    g_pages += size_t(1) << order;
    return p;
}

void* block_alloc(unsigned order) {
    if (!allowed()) return nullptr;
    void* p = aligned_alloc(4096, size_t(4096) << order);
    if (p != nullptr) ++g_blocks;
    return p;
}

void block_free(void* block, unsigned) {
    if (block == nullptr) return;
    --g_blocks;
    free(block);
}

namespace phys {

uint64_t free_pages() {
    return kTotalPages - g_pages.load();
}

uint64_t recycled_pages() {
    return free_pages();
}

uint64_t total_pages() {
    return kTotalPages;
}

void cache_account(int64_t pages) {
    g_cached += pages;
}

void set_reclaimer(Reclaimer fn) {
    g_reclaimer.store(fn);
}

}  // namespace phys

uint64_t time_realtime_ns() {
    return g_time_ns.load();
}

uint64_t time_monotonic_ns() {
    return g_time_ns.load();
}
