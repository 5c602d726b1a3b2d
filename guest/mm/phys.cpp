#include "mm/phys.hpp"

#include "arch/vmem.hpp"
#include "kernel/lock.hpp"
#include "kernel/string.hpp"

namespace phys {

namespace {

struct FreeBlock {
    FreeBlock* next;
    FreeBlock* prev;
};

// Per page: whether it heads a free block (and of which order), and its reference count.
struct PageInfo {
    uint32_t refcount;
    uint8_t free_order;  // order + 1 when this page heads a free block, else 0
    uint8_t reserved;    // 1: in a range init() kept out, not yet released or adopted
    uint8_t pad[2];
};

constinit SpinLock g_lock;
PageInfo* g_pages = nullptr;  // indexed by GPA / 4 KiB
uint64_t g_page_count = 0;    // pages covered by g_pages (up to the highest RAM byte)
FreeBlock g_free[kMaxOrder + 1];
uint64_t g_free_pages = 0;
uint64_t g_total_pages = 0;

FreeBlock* block_at(uint64_t pfn) {
    return vmem::from_gpa<FreeBlock>(pfn * kPageSize);
}

void list_init() {
    for (FreeBlock& head : g_free) head.next = head.prev = &head;
}

void push(unsigned order, uint64_t pfn) {
    FreeBlock* b = block_at(pfn);
    FreeBlock& head = g_free[order];
    b->next = head.next;
    b->prev = &head;
    head.next->prev = b;
    head.next = b;
    g_pages[pfn].free_order = uint8_t(order + 1);
}

void unlink(uint64_t pfn) {
    FreeBlock* b = block_at(pfn);
    b->prev->next = b->next;
    b->next->prev = b->prev;
    g_pages[pfn].free_order = 0;
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
    if (first < last) add_range(first, last);
}

}  // namespace

void init(const Range* ram, size_t ram_count, const Range* reserved, size_t reserved_count) {
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
    memset(g_pages, 0, info_bytes);

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

uint64_t alloc(unsigned order) {
    if (order > kMaxOrder) return 0;
    LockGuard guard(g_lock);
    unsigned o = order;
    while (o <= kMaxOrder && g_free[o].next == &g_free[o]) ++o;
    if (o > kMaxOrder) return 0;
    const uint64_t pfn = (vmem::to_gpa(g_free[o].next)) / kPageSize;
    unlink(pfn);
    while (o > order) {  // split, keeping the lower half
        --o;
        push(o, pfn + (uint64_t(1) << o));
    }
    g_free_pages -= uint64_t(1) << order;
    g_pages[pfn].refcount = 1;
    return pfn * kPageSize;
}

uint64_t alloc_user() {
    const uint64_t reserve = g_total_pages / 32 > 256 ? g_total_pages / 32 : 256;  // >= 1 MiB
    if (free_pages() <= reserve) return 0;
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
    return __atomic_load_n(&g_free_pages, __ATOMIC_RELAXED);
}

uint64_t total_pages() {
    return g_total_pages;
}

}  // namespace phys
