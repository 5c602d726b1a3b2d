// Making an ext2 disk image with Debian's mke2fs (e2fsprogs), the way `mke2fs -t ext2 -d DIR`
// does: built under a temporary dot-file name in the same dir, then linked to its name only if
// no file has that name (never replacing one), so no half-made image is ever left behind.
#pragma once

#include <cstdint>
#include <string>

#include "base/result.hpp"

namespace domus::control {

// The first of /usr/sbin/mke2fs and /sbin/mke2fs that is executable ("" when neither is).
std::string find_mke2fs();

// Creates `dir`/`name` (mode 0600) of `size` bytes holding an ext2 file system, filled with the
// contents of `from_dir` unless it is empty. mke2fs runs with an argument vector (no shell), a
// fixed environment, standard input from /dev/null; its messages are in the error. Errc::
// invalid_argument when the name is taken (checked again atomically at the end).
Status create_ext2_image(const std::string& mke2fs, const std::string& dir, const std::string& name,
                         uint64_t size, const std::string& from_dir);

}  // namespace domus::control
