// A small freestanding printf-style formatter.
//   conversions: %s %c %d %i %u %x %X %p %%
//   flags/width/precision: '-', '0', width (digits or *), precision for %s (.N or .*)
//   length modifiers: l, ll, z (h and hh accepted and ignored)
#pragma once

#include <stddef.h>

struct FormatSink {
    void (*put)(FormatSink* self, char c);
};

void format_v(FormatSink* sink, const char* format, __builtin_va_list args);

// snprintf-like: always NUL-terminates (if capacity > 0); returns the length written.
[[gnu::format(printf, 3, 4)]] size_t format_to(char* buffer, size_t capacity, const char* format,
                                               ...);
size_t format_to_v(char* buffer, size_t capacity, const char* format, __builtin_va_list args);
