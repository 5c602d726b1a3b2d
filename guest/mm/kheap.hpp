// Kernel heap: small objects from power-of-two size classes (16..2048 bytes) carved out of
// pages, larger ones as whole buddy blocks with the heap's 16-byte header in front (so 1 MiB
// takes a 2 MiB block: buffers of whole pages are better had from block_alloc, which is exact
// and page aligned). Returned memory is 16-byte aligned and lives in the physmap. nullptr when
// memory is exhausted.
#pragma once

#include <stddef.h>
#include <stdint.h>

void* kmalloc(size_t size);
void* kzalloc(size_t size);  // zero-filled
void kfree(void* pointer);   // nullptr is ignored

// One zero-filled 4 KiB page, page aligned, and its release (kernel pointers, physmap). The
// page is reference counted (mm/phys.hpp): page_free drops the allocator's reference, and a
// process mapping the page (MAP_SHARED of a file) holds its own.
void* page_alloc_zeroed();
void* page_alloc();  // the same, not cleared: for a page about to be overwritten whole
void page_free(void* page);
void page_get(void* page);  // one more reference (a page cache's page pinned for a copy)

// 2^order whole pages (order <= 10: up to 4 MiB), page aligned, not cleared, with no header:
// the caller frees it with the same order. nullptr when none is free.
void* block_alloc(unsigned order);
// The same block as 2^order pages of their own: virtually (and physically) contiguous, each
// freed by page_free when its last reference goes (a buffer whose pages are pinned one by one).
void* block_alloc_pages(unsigned order);
void block_free(void* block, unsigned order);

// Placement new for freestanding code (no <new>).
inline void* operator new(size_t, void* where) noexcept {
    return where;
}

template <typename T, typename... Args>
T* knew(Args&&... args) {
    void* p = kzalloc(sizeof(T));
    return p ? new (p) T(static_cast<Args&&>(args)...) : nullptr;
}

template <typename T>
void kdelete(T* object) {
    if (!object) return;
    object->~T();
    kfree(object);
}
