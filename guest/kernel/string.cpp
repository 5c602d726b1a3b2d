// memcpy/memmove/memset/memcmp: GCC emits calls to these even in freestanding code (struct
// copies, zeroing). Written with string instructions so the compiler cannot turn their
// loops back into calls to themselves.
#include "kernel/string.hpp"

extern "C" {

void* memcpy(void* destination, const void* source, size_t count) {
    void* d = destination;
    asm volatile("rep movsb" : "+D"(d), "+S"(source), "+c"(count) : : "memory");
    return destination;
}

void* memmove(void* destination, const void* source, size_t count) {
    const uintptr_t d = reinterpret_cast<uintptr_t>(destination);
    const uintptr_t s = reinterpret_cast<uintptr_t>(source);
    if (d <= s || d >= s + count) return memcpy(destination, source, count);
    // Overlapping with the destination above the source: copy backwards.
    void* dl = static_cast<char*>(destination) + count - 1;
    const void* sl = static_cast<const char*>(source) + count - 1;
    asm volatile("std\n\trep movsb\n\tcld" : "+D"(dl), "+S"(sl), "+c"(count) : : "memory");
    return destination;
}

void* memset(void* destination, int value, size_t count) {
    void* d = destination;
    asm volatile("rep stosb" : "+D"(d), "+c"(count) : "a"(value) : "memory");
    return destination;
}

int memcmp(const void* a, const void* b, size_t count) {
    const unsigned char* x = static_cast<const unsigned char*>(a);
    const unsigned char* y = static_cast<const unsigned char*>(b);
    for (size_t i = 0; i < count; ++i) {
        if (x[i] != y[i]) return x[i] < y[i] ? -1 : 1;
    }
    return 0;
}
}
