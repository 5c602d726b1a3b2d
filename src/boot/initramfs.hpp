// A domain's initramfs: read from a file, decompressed when gzip'd, validated as newc cpio
// (boot/cpio.hpp), and the guest physical address the monitor places it at. The guest gets the
// uncompressed archive (boot-info ramdisk_gpa / ramdisk_size, a DOMUS_MEM_RAMDISK region).
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.hpp"

namespace domus {

// Pure: `file` as an uncompressed newc archive, or gzip-compressed (one or more members) when
// it starts with 1f 8b. Returns the validated uncompressed archive; more than `max_bytes` of it
// is refused, the message naming the limit as "<max_bytes> bytes (<limit_name>)". Other
// compressions (xz, bzip2, zstd, lz4, lzma, lzo) are named and refused.
Result<std::vector<uint8_t>> decode_initramfs(std::vector<uint8_t> file, uint64_t max_bytes,
                                              std::string_view limit_name = "the limit");

// Reads `path` (at most `max_bytes`) and decodes it; every message names the path.
Result<std::vector<uint8_t>> load_initramfs(const std::string& path, uint64_t max_bytes,
                                            std::string_view limit_name = "the limit");

// The largest share of guest RAM an initramfs may take: half.
inline uint64_t max_initramfs_bytes(uint64_t ram_bytes) {
    return ram_bytes / 2;
}

// Pure: where an archive of `size` bytes goes in a guest of `ram_bytes` whose kernel occupies
// [kernel_start, kernel_end): the highest page-aligned GPA at which it ends at or below the end
// of RAM. Refused (Errc::invalid_argument, naming the sizes) when it is empty, takes more than
// max_initramfs_bytes(), or would overlap the kernel (rounded out to pages) or the boot area
// below DOMUS_GPA_KERNEL_MIN.
Result<uint64_t> place_initramfs(uint64_t ram_bytes, uint64_t size, uint64_t kernel_start,
                                 uint64_t kernel_end);

}  // namespace domus
