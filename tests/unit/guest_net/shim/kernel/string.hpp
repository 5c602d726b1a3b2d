// Host stand-in for guest/kernel/string.hpp (same interface): the mem* functions come from the
// host's <string.h>, whose declarations the guest header would contradict.
#pragma once

#include <stddef.h>
#include <stdint.h>
#include <string.h>

inline size_t kstrnlen(const char* s, size_t max) {
    size_t n = 0;
    while (n < max && s[n] != '\0') ++n;
    return n;
}

inline bool kstreq_n(const char* s, size_t length, const char* literal) {
    size_t i = 0;
    for (; i < length; ++i) {
        if (literal[i] == '\0' || literal[i] != s[i]) return false;
    }
    return literal[i] == '\0';
}
