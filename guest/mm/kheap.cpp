// Size classes 16..2048 bytes, each a free list of slots carved from whole pages; anything
// bigger is a buddy block of its own. A small header before every allocation names its class
// (or buddy order), so kfree needs no size.
#include "mm/kheap.hpp"

#include "arch/vmem.hpp"
#include "kernel/lock.hpp"
#include "kernel/string.hpp"
#include "mm/phys.hpp"

namespace {

constexpr unsigned kClasses = 8;  // 16, 32, ..., 2048 bytes of payload + header
constexpr size_t kHeader = 16;    // keeps payloads 16-byte aligned
constexpr uint32_t kMagic = 0x6b686561;

struct Header {
    uint32_t magic;
    uint16_t size_class;  // < kClasses, or kBig
    uint16_t order;       // buddy order when size_class == kBig
    uint64_t pad;
};
static_assert(sizeof(Header) == kHeader);
constexpr uint16_t kBig = 0xffff;

struct Slot {
    Slot* next;
};

constinit SpinLock g_lock;
Slot* g_free[kClasses] = {};

size_t slot_size(unsigned c) {
    return size_t(32) << c;  // header + payload of 16 << c
}

bool refill(unsigned c) {
    const uint64_t gpa = phys::alloc(0);
    if (!gpa) return false;
    uint8_t* page = vmem::from_gpa<uint8_t>(gpa);
    const size_t size = slot_size(c);
    for (size_t off = 0; off + size <= phys::kPageSize; off += size) {
        Slot* s = reinterpret_cast<Slot*>(page + off);
        s->next = g_free[c];
        g_free[c] = s;
    }
    return true;
}

}  // namespace

void* kmalloc(size_t size) {
    if (size == 0) size = 1;
    unsigned c = 0;
    while (c < kClasses && (size_t(16) << c) < size) ++c;
    if (c < kClasses) {
        LockGuard guard(g_lock);
        if (!g_free[c] && !refill(c)) return nullptr;
        Slot* s = g_free[c];
        g_free[c] = s->next;
        Header* h = reinterpret_cast<Header*>(s);
        *h = Header{kMagic, uint16_t(c), 0, 0};
        return reinterpret_cast<uint8_t*>(h) + kHeader;
    }
    if (size > (phys::kPageSize << phys::kMaxOrder) - kHeader) return nullptr;
    unsigned order = 0;
    while ((phys::kPageSize << order) < size + kHeader) ++order;
    const uint64_t gpa = phys::alloc(order);
    if (!gpa) return nullptr;
    Header* h = vmem::from_gpa<Header>(gpa);
    *h = Header{kMagic, kBig, uint16_t(order), 0};
    return reinterpret_cast<uint8_t*>(h) + kHeader;
}

void* kzalloc(size_t size) {
    void* p = kmalloc(size);
    if (p) memset(p, 0, size);
    return p;
}

void kfree(void* pointer) {
    if (!pointer) return;
    Header* h = reinterpret_cast<Header*>(static_cast<uint8_t*>(pointer) - kHeader);
    if (h->magic != kMagic) return;  // not ours (or a double free): leak rather than corrupt
    h->magic = 0;
    if (h->size_class == kBig) {
        phys::free(vmem::to_gpa(h), h->order);
        return;
    }
    LockGuard guard(g_lock);
    Slot* s = reinterpret_cast<Slot*>(h);
    s->next = g_free[h->size_class];
    g_free[h->size_class] = s;
}

void* page_alloc_zeroed() {
    const uint64_t gpa = phys::alloc_zeroed(0);
    return gpa ? vmem::from_gpa(gpa) : nullptr;
}

void* page_alloc() {
    const uint64_t gpa = phys::alloc(0);
    return gpa ? vmem::from_gpa(gpa) : nullptr;
}

void page_free(void* page) {
    // A reference drop, not a free: a file page may still be mapped into a process (MAP_SHARED).
    if (page) phys::unref(vmem::to_gpa(page));
}

void page_get(void* page) {
    phys::ref(vmem::to_gpa(page));
}

void* block_alloc_pages(unsigned order) {
    const uint64_t gpa = phys::alloc(order);
    if (gpa == 0) return nullptr;
    phys::split(gpa, order);
    return vmem::from_gpa(gpa);
}

void* block_alloc(unsigned order) {
    const uint64_t gpa = phys::alloc(order);
    return gpa ? vmem::from_gpa(gpa) : nullptr;
}

void block_free(void* block, unsigned order) {
    if (block) phys::free(vmem::to_gpa(block), order);
}
