// Whole files into memory, within a limit: by path (a kernel, a ramdisk, /etc/passwd) or from a
// descriptor already open (a file of an --exec overlay, opened without following links). One
// read loop for both.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "base/result.hpp"

namespace domus {

// Reads `fd` from its offset to its end. More than `max_bytes` -> invalid_argument ("'<path>'
// is larger than the limit of N bytes"; at most one byte beyond the limit is read); a read
// error -> io. `path` names the file in messages; `size_hint` (fstat's size, 0: unknown)
// reserves the buffer once. An empty file is an empty vector.
Result<std::vector<uint8_t>> read_fd(int fd, const std::string& path, uint64_t max_bytes,
                                     uint64_t size_hint = 0);

// Reads a whole file into memory. Missing -> not_found, unreadable -> io, empty or larger than
// max_bytes -> invalid_argument; every message names the path.
Result<std::vector<uint8_t>> read_file(const std::string& path, uint64_t max_bytes);

}  // namespace domus
