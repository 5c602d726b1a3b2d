// The only way kernel code touches user memory. Every user pointer is untrusted: the range is
// checked to lie in the lower half (without wrapping), and the copy runs with a fault record
// armed, so an unmapped or protected page ends the copy with -EFAULT instead of a kernel
// fault. Pages that are merely not yet present (demand paging, copy-on-write) are resolved by
// the page-fault handler and the copy continues. Must run on the kernel page table of the
// current process (always true in a system call).
#pragma once

#include <stddef.h>
#include <stdint.h>

bool user_range_ok(uint64_t address, uint64_t length);

int copy_from_user(void* destination, uint64_t user_source, size_t length);  // 0 or -EFAULT
int copy_to_user(uint64_t user_destination, const void* source, size_t length);
int clear_user(uint64_t user_destination, size_t length);

// Copies a NUL-terminated string of at most max - 1 bytes plus the NUL into `destination`.
// Returns its length, -EFAULT, or -ENAMETOOLONG when no NUL is found within max bytes.
int64_t strncpy_from_user(char* destination, uint64_t user_source, size_t max);

template <typename T>
int get_user(T* out, uint64_t user_source) {
    return copy_from_user(out, user_source, sizeof(T));
}

template <typename T>
int put_user(uint64_t user_destination, const T& value) {
    return copy_to_user(user_destination, &value, sizeof(T));
}
