#include "mm/phys.hpp"

#include "arch/vmem.hpp"
#include "kernel/lock.hpp"
#include "kernel/string.hpp"

namespace phys {

namespace {

constexpr uint32_t kNone = 0xffffffffu;  // no page frame (pfns fit 32 bits: 16 TiB)

// Per page: whether it heads a free block (of which order, and its neighbours in that order's
// free list: the lists live here, not in the free pages, which stay untouched until used),
// and its reference count. All zero is a page in use with no references: with RAM the monitor
// leaves zeroed, the array needs no clearing and its pages are touched only as they are used.
struct PageInfo {
    uint32_t refcount;
    uint8_t free_order;  // order + 1 when this page heads a free block, else 0
    uint8_t reserved;    // 1: in a range init() kept out, not yet released or adopted
    uint8_t pad[2];
    uint32_t next, prev;  // free-list neighbours (pfns, kNone at the ends) when free_order
};
static_assert(sizeof(PageInfo) == 16);

constinit SpinLock g_lock;
PageInfo* g_pages = nullptr;  // indexed by GPA / 4 KiB
uint64_t g_page_count = 0;    // pages covered by g_pages (up to the highest RAM byte)
uint32_t g_head[kMaxOrder + 1];
uint64_t g_free_pages = 0;  // in the free lists
uint64_t g_total_pages = 0;

// Free RAM not yet cut into free-list blocks (pfn ranges, lowest first): alloc() carves a
// block at a time when the lists run dry, so that booting touches no per-page entry of memory
// nobody has asked for yet (a 4 GiB domain has 1024 blocks of 4 MiB).
struct Fresh {
    uint64_t first, end;
};
constexpr size_t kMaxFresh = 32;
Fresh g_fresh[kMaxFresh];
size_t g_fresh_count = 0;
uint64_t g_fresh_pages = 0;

void list_init() {
    for (uint32_t& head : g_head) head = kNone;
}

void push(unsigned order, uint64_t pfn) {
    PageInfo& p = g_pages[pfn];
    p.next = g_head[order];
    p.prev = kNone;
    if (p.next != kNone) g_pages[p.next].prev = uint32_t(pfn);
    g_head[order] = uint32_t(pfn);
    p.free_order = uint8_t(order + 1);
}

void unlink(uint64_t pfn) {
    PageInfo& p = g_pages[pfn];
    if (p.prev != kNone) {
        g_pages[p.prev].next = p.next;
    } else {
        g_head[p.free_order - 1] = p.next;
    }
    if (p.next != kNone) g_pages[p.next].prev = p.prev;
    p.free_order = 0;
}

// Frees 2^order pages at pfn, merging with free buddies. Lock held.
void free_locked(uint64_t pfn, unsigned order) {
    g_free_pages += uint64_t(1) << order;
    while (order < kMaxOrder) {
        const uint64_t buddy = pfn ^ (uint64_t(1) << order);
        if (buddy >= g_page_count || g_pages[buddy].free_order != order + 1) break;
        unlink(buddy);
        pfn &= ~(uint64_t(1) << order);
        ++order;
    }
    push(order, pfn);
}

// Adds [first, end) page frames to the free lists in the largest aligned blocks.
void add_range(uint64_t first, uint64_t end) {
    while (first < end) {
        unsigned order = 0;
        while (order < kMaxOrder && (first & ((uint64_t(2) << order) - 1)) == 0 &&
               first + (uint64_t(2) << order) <= end) {
            ++order;
        }
        g_total_pages += uint64_t(1) << order;
        free_locked(first, order);
        first += uint64_t(1) << order;
    }
}

// Remembers [first, end) as free RAM to carve later (or adds it now when the table is full).
void add_fresh(uint64_t first, uint64_t end) {
    if (g_fresh_count == kMaxFresh) return add_range(first, end);
    g_fresh[g_fresh_count++] = {first, end};
    g_total_pages += end - first;
    g_fresh_pages += end - first;
}

// Moves the largest aligned block at the start of the first fresh range into the free lists;
// false when no fresh RAM is left. Lock held.
bool carve_locked() {
    if (g_fresh_count == 0) return false;
    Fresh& f = g_fresh[0];
    unsigned order = 0;
    while (order < kMaxOrder && (f.first & ((uint64_t(2) << order) - 1)) == 0 &&
           f.first + (uint64_t(2) << order) <= f.end) {
        ++order;
    }
    const uint64_t pfn = f.first;
    f.first += uint64_t(1) << order;
    g_fresh_pages -= uint64_t(1) << order;
    if (f.first == f.end) {
        for (size_t i = 1; i < g_fresh_count; ++i) g_fresh[i - 1] = g_fresh[i];
        --g_fresh_count;
    }
    free_locked(pfn, order);
    return true;
}

bool overlaps(uint64_t a, uint64_t a_end, const Range& r) {
    return a < r.base + r.size && r.base < a_end;
}

// Adds [base, end) minus every reserved range.
void add_minus(uint64_t base, uint64_t end, const Range* reserved, size_t count) {
    for (size_t i = 0; i < count; ++i) {
        const Range& r = reserved[i];
        if (!overlaps(base, end, r)) continue;
        if (r.base > base) add_minus(base, r.base, reserved, count);
        const uint64_t after = r.base + r.size;
        if (after < end) add_minus(after, end, reserved, count);
        return;
    }
    const uint64_t first = (base + kPageSize - 1) / kPageSize;
    const uint64_t last = end / kPageSize;
    if (first < last) add_fresh(first, last);
}

}  // namespace

void init(const Range* ram, size_t ram_count, const Range* reserved, size_t reserved_count,
          bool ram_zeroed) {
    list_init();
    uint64_t top = 0;
    for (size_t i = 0; i < ram_count; ++i) {
        if (ram[i].base + ram[i].size > top) top = ram[i].base + ram[i].size;
    }
    // Reserved ranges count too: the ramdisk at the top of RAM is released and adopted later.
    for (size_t i = 0; i < reserved_count; ++i) {
        if (reserved[i].base + reserved[i].size > top) top = reserved[i].base + reserved[i].size;
    }
    g_page_count = (top + kPageSize - 1) / kPageSize;
    if (g_page_count > kNone) g_page_count = kNone;  // pfns fit the 32-bit links
    // The page-info array goes into the first RAM range (above the reservations) big enough.
    const uint64_t info_bytes =
        (g_page_count * sizeof(PageInfo) + kPageSize - 1) & ~(kPageSize - 1);
    Range placed{0, 0};
    for (size_t i = 0; i < ram_count && placed.size == 0; ++i) {
        uint64_t base = (ram[i].base + kPageSize - 1) & ~(kPageSize - 1);
        const uint64_t end = ram[i].base + ram[i].size;
        for (bool moved = true; moved;) {
            moved = false;
            for (size_t j = 0; j < reserved_count; ++j) {
                if (overlaps(base, base + info_bytes, reserved[j])) {
                    base = (reserved[j].base + reserved[j].size + kPageSize - 1) & ~(kPageSize - 1);
                    moved = true;
                }
            }
        }
        if (base + info_bytes <= end) placed = Range{base, info_bytes};
    }
    if (placed.size == 0) return;  // no memory at all: every alloc() fails
    g_pages = vmem::from_gpa<PageInfo>(placed.base);
    if (!ram_zeroed) memset(g_pages, 0, info_bytes);

    Range all[16];
    size_t n = 0;
    for (size_t i = 0; i < reserved_count && n < 15; ++i) {
        all[n++] = reserved[i];
        // Every page the range touches stays out of the free lists (add_minus rounds the RAM
        // around it inwards), so every such page is marked.
        const uint64_t first = reserved[i].base / kPageSize;
        uint64_t last = (reserved[i].base + reserved[i].size + kPageSize - 1) / kPageSize;
        if (last > g_page_count) last = g_page_count;
        for (uint64_t pfn = first; pfn < last; ++pfn) g_pages[pfn].reserved = 1;
    }
    all[n++] = placed;
    LockGuard guard(g_lock);
    for (size_t i = 0; i < ram_count; ++i) {
        add_minus(ram[i].base, ram[i].base + ram[i].size, all, n);
    }
}

namespace {

Reclaimer g_reclaimer = nullptr;
int64_t g_cached_pages = 0;

// Asks the caches to give back `want` pages; what they freed.
uint64_t reclaim(uint64_t want) {
    const Reclaimer fn = __atomic_load_n(&g_reclaimer, __ATOMIC_ACQUIRE);
    return fn != nullptr ? fn(want) : 0;
}

uint64_t alloc_locked(unsigned order) {
    LockGuard guard(g_lock);
    unsigned o = order;
    for (;;) {
        while (o <= kMaxOrder && g_head[o] == kNone) ++o;
        if (o <= kMaxOrder) break;
        if (!carve_locked()) return 0;
        o = order;
    }
    const uint64_t pfn = g_head[o];
    unlink(pfn);
    while (o > order) {  // split, keeping the lower half
        --o;
        push(o, pfn + (uint64_t(1) << o));
    }
    g_free_pages -= uint64_t(1) << order;
    g_pages[pfn].refcount = 1;
    return pfn * kPageSize;
}

}  // namespace

void cache_account(int64_t pages) {
    __atomic_add_fetch(&g_cached_pages, pages, __ATOMIC_RELAXED);
}

uint64_t cached_pages() {
    const int64_t n = __atomic_load_n(&g_cached_pages, __ATOMIC_RELAXED);
    return n > 0 ? uint64_t(n) : 0;
}

void set_reclaimer(Reclaimer fn) {
    __atomic_store_n(&g_reclaimer, fn, __ATOMIC_RELEASE);
}

uint64_t alloc(unsigned order) {
    if (order > kMaxOrder) return 0;
    if (const uint64_t gpa = alloc_locked(order)) return gpa;
    // Out of memory: the caches give some back (a batch beyond this request), once.
    if (reclaim((uint64_t(1) << order) + kReclaimBatch) == 0) return 0;
    return alloc_locked(order);
}

uint64_t alloc_user() {
    const uint64_t reserve = g_total_pages / 32 > 256 ? g_total_pages / 32 : 256;  // >= 1 MiB
    if (free_pages() <= reserve) {
        reclaim(reserve + kReclaimBatch - free_pages());
        if (free_pages() <= reserve) return 0;
    }
    return alloc(0);
}

uint64_t alloc_zeroed(unsigned order) {
    const uint64_t gpa = alloc(order);
    if (gpa) memset(vmem::from_gpa(gpa), 0, kPageSize << order);
    return gpa;
}

void free(uint64_t gpa, unsigned order) {
    if (gpa == 0) return;
    LockGuard guard(g_lock);
    g_pages[gpa / kPageSize].refcount = 0;
    free_locked(gpa / kPageSize, order);
}

void release(Range range) {
    LockGuard guard(g_lock);
    const uint64_t first = (range.base + kPageSize - 1) / kPageSize;
    const uint64_t last = (range.base + range.size) / kPageSize;
    if (first >= last || last > g_page_count) return;
    // Runs of pages still reserved (adopted ones already belong to the allocator).
    for (uint64_t pfn = first; pfn < last;) {
        if (!g_pages[pfn].reserved) {
            ++pfn;
            continue;
        }
        uint64_t end = pfn;
        while (end < last && g_pages[end].reserved) g_pages[end++].reserved = 0;
        add_range(pfn, end);
        pfn = end;
    }
}

bool adopt(uint64_t gpa) {
    if (gpa % kPageSize != 0) return false;
    const uint64_t pfn = gpa / kPageSize;
    LockGuard guard(g_lock);
    if (g_pages == nullptr || pfn >= g_page_count) return false;
    PageInfo& page = g_pages[pfn];
    if (!page.reserved) return false;
    page.reserved = 0;
    page.refcount = 1;
    ++g_total_pages;
    return true;
}

void split(uint64_t gpa, unsigned order) {
    const uint64_t pfn = gpa / kPageSize;
    for (uint64_t i = 0; i < (uint64_t(1) << order); ++i) {
        __atomic_store_n(&g_pages[pfn + i].refcount, 1u, __ATOMIC_RELEASE);
    }
}

void ref(uint64_t gpa) {
    __atomic_fetch_add(&g_pages[gpa / kPageSize].refcount, 1u, __ATOMIC_RELAXED);
}

void unref(uint64_t gpa) {
    if (__atomic_sub_fetch(&g_pages[gpa / kPageSize].refcount, 1u, __ATOMIC_ACQ_REL) == 0) {
        LockGuard guard(g_lock);
        free_locked(gpa / kPageSize, 0);
    }
}

uint32_t refcount(uint64_t gpa) {
    return __atomic_load_n(&g_pages[gpa / kPageSize].refcount, __ATOMIC_RELAXED);
}

uint64_t free_pages() {
    return __atomic_load_n(&g_free_pages, __ATOMIC_RELAXED) +
           __atomic_load_n(&g_fresh_pages, __ATOMIC_RELAXED);
}

uint64_t recycled_pages() {
    return __atomic_load_n(&g_free_pages, __ATOMIC_RELAXED);
}

uint64_t total_pages() {
    return g_total_pages;
}

}  // namespace phys
