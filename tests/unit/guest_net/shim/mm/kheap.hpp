// Host stand-in for guest/mm/kheap.hpp (same interface) for the network stack's tests: blocks
// come from host_shims.cpp, which counts them (leak checks) and can be told to fail
// (out-of-memory paths). Placement new comes from <new> here.
#pragma once

#include <stddef.h>
#include <stdint.h>

#include <new>

void* kmalloc(size_t size);
void* kzalloc(size_t size);
void kfree(void* pointer);

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
