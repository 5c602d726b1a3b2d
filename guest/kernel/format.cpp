#include "kernel/format.hpp"

#include <stdint.h>

namespace {

struct Spec {
    bool left = false;
    bool zero = false;
    int width = 0;
    int precision = -1;
};

void pad(FormatSink* sink, int count, char c) {
    for (int i = 0; i < count; ++i) sink->put(sink, c);
}

void put_string(FormatSink* sink, const char* s, const Spec& spec) {
    if (s == nullptr) s = "(null)";
    int length = 0;
    while (s[length] != '\0' && (spec.precision < 0 || length < spec.precision)) ++length;
    if (!spec.left) pad(sink, spec.width - length, ' ');
    for (int i = 0; i < length; ++i) sink->put(sink, s[i]);
    if (spec.left) pad(sink, spec.width - length, ' ');
}

void put_number(FormatSink* sink, uint64_t value, bool negative, unsigned base, bool upper,
                const char* prefix, const Spec& spec) {
    const char* digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
    char text[24];
    int length = 0;
    do {
        text[length++] = digits[value % base];
        value /= base;
    } while (value != 0);
    int prefix_length = 0;
    while (prefix[prefix_length] != '\0') ++prefix_length;
    const int body = length + prefix_length + (negative ? 1 : 0);
    const int fill = spec.width > body ? spec.width - body : 0;

    if (!spec.left && !spec.zero) pad(sink, fill, ' ');
    if (negative) sink->put(sink, '-');
    for (int i = 0; i < prefix_length; ++i) sink->put(sink, prefix[i]);
    if (!spec.left && spec.zero) pad(sink, fill, '0');
    while (length > 0) sink->put(sink, text[--length]);
    if (spec.left) pad(sink, fill, ' ');
}

struct BufferSink {
    FormatSink base;
    char* buffer;
    size_t capacity;
    size_t length;
};

void buffer_put(FormatSink* self, char c) {
    BufferSink* sink = reinterpret_cast<BufferSink*>(self);
    if (sink->length + 1 < sink->capacity) sink->buffer[sink->length++] = c;
}

}  // namespace

void format_v(FormatSink* sink, const char* f, __builtin_va_list args) {
    while (*f != '\0') {
        if (*f != '%') {
            sink->put(sink, *f++);
            continue;
        }
        ++f;
        Spec spec;
        for (;; ++f) {
            if (*f == '-') {
                spec.left = true;
            } else if (*f == '0') {
                spec.zero = true;
            } else {
                break;
            }
        }
        if (*f == '*') {
            spec.width = __builtin_va_arg(args, int);
            ++f;
        } else {
            while (*f >= '0' && *f <= '9') spec.width = spec.width * 10 + (*f++ - '0');
        }
        if (*f == '.') {
            ++f;
            spec.precision = 0;
            if (*f == '*') {
                spec.precision = __builtin_va_arg(args, int);
                ++f;
            } else {
                while (*f >= '0' && *f <= '9') spec.precision = spec.precision * 10 + (*f++ - '0');
            }
        }
        int longs = 0;
        for (;; ++f) {
            if (*f == 'l' || *f == 'z') {
                ++longs;
            } else if (*f != 'h') {
                break;
            }
        }
        const bool wide = longs > 0;  // long, long long and size_t are all 64-bit here

        switch (*f) {
            case 'd':
            case 'i': {
                const int64_t v =
                    wide ? __builtin_va_arg(args, int64_t) : __builtin_va_arg(args, int);
                const uint64_t magnitude = v < 0 ? uint64_t(0) - uint64_t(v) : uint64_t(v);
                put_number(sink, magnitude, v < 0, 10, false, "", spec);
                break;
            }
            case 'u':
            case 'x':
            case 'X': {
                const uint64_t v =
                    wide ? __builtin_va_arg(args, uint64_t) : __builtin_va_arg(args, unsigned);
                put_number(sink, v, false, *f == 'u' ? 10 : 16, *f == 'X', "", spec);
                break;
            }
            case 'p':
                put_number(sink, uint64_t(__builtin_va_arg(args, void*)), false, 16, false, "0x",
                           spec);
                break;
            case 's':
                put_string(sink, __builtin_va_arg(args, const char*), spec);
                break;
            case 'c': {
                const char text[2] = {char(__builtin_va_arg(args, int)), '\0'};
                put_string(sink, text, spec);
                break;
            }
            case '%':
                sink->put(sink, '%');
                break;
            case '\0':
                return;  // a lone '%' at the end
            default:     // unknown conversion: show it rather than guess
                sink->put(sink, '%');
                sink->put(sink, *f);
                break;
        }
        ++f;
    }
}

size_t format_to_v(char* buffer, size_t capacity, const char* format, __builtin_va_list args) {
    BufferSink sink{{buffer_put}, buffer, capacity, 0};
    format_v(&sink.base, format, args);
    if (capacity > 0) buffer[sink.length] = '\0';
    return sink.length;
}

size_t format_to(char* buffer, size_t capacity, const char* format, ...) {
    __builtin_va_list args;
    __builtin_va_start(args, format);
    const size_t length = format_to_v(buffer, capacity, format, args);
    __builtin_va_end(args);
    return length;
}
