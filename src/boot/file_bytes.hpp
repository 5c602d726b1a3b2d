// Bounds-checked reading of an untrusted file image held in memory (the ELF loader, the --exec
// program check).
#pragma once

#include <cstdint>
#include <cstring>
#include <span>
#include <type_traits>

namespace domus::file_bytes {

// True when [offset, offset + len) lies inside a buffer of `size` bytes. Overflow-safe.
inline bool in_bounds(uint64_t offset, uint64_t len, uint64_t size) {
    return offset <= size && len <= size - offset;
}

// Copies a T out of `bytes` at `offset`; the caller has checked the bounds. Never aliases the
// (possibly unaligned) file bytes as a T.
template <typename T>
T load_at(std::span<const uint8_t> bytes, uint64_t offset) {
    static_assert(std::is_trivially_copyable_v<T>);
    T obj;
    std::memcpy(&obj, bytes.data() + offset, sizeof(T));
    return obj;
}

}  // namespace domus::file_bytes
