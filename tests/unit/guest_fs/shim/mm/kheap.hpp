// Host stand-in for guest/mm/kheap.hpp (same interface): the guest's fs code compiled for the
// host tests allocates through host_shims.cpp, which counts live blocks and can be told to
// fail (tests of out-of-memory paths). Placement new comes from <new> here.
#pragma once

#include <stddef.h>
#include <stdint.h>

#include <new>

void* kmalloc(size_t size);
void* kzalloc(size_t size);
void kfree(void* pointer);

void* page_alloc_zeroed();
void* page_alloc();          // filled with 0xcc here, so that a page not written whole shows
void page_free(void* page);  // drops a reference: frees at the last
void page_get(void* page);   // one more reference

void* block_alloc(unsigned order);        // counted as a live block
void* block_alloc_pages(unsigned order);  // 2^order live pages, each freed by page_free
void block_free(void* block, unsigned order);

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
