// Freestanding string helpers (the compiler-required mem* functions are in string.cpp).
#pragma once

#include <stddef.h>
#include <stdint.h>

extern "C" {
void* memcpy(void* destination, const void* source, size_t count);
void* memmove(void* destination, const void* source, size_t count);
void* memset(void* destination, int value, size_t count);
int memcmp(const void* a, const void* b, size_t count);
}

inline size_t kstrnlen(const char* s, size_t max) {
    size_t n = 0;
    while (n < max && s[n] != '\0') ++n;
    return n;
}

// True if the `length` bytes at `s` equal the NUL-terminated `literal`.
inline bool kstreq_n(const char* s, size_t length, const char* literal) {
    size_t i = 0;
    for (; i < length; ++i) {
        if (literal[i] == '\0' || literal[i] != s[i]) return false;
    }
    return literal[i] == '\0';
}
