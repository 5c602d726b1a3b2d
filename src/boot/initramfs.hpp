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
#include "boot/cpio.hpp"

namespace domus {

// Pure: `file` as an uncompressed newc archive, or gzip-compressed (one or more members) when
// it starts with 1f 8b. Returns the validated uncompressed archive; more than `max_bytes` of it
// is refused, the message naming the limit as "<max_bytes> bytes (<limit_name>)". Other
// compressions (xz, bzip2, zstd, lz4, lzma, lzo) are named and refused.
Result<std::vector<uint8_t>> decode_initramfs(std::vector<uint8_t> file, uint64_t max_bytes,
                                              std::string_view limit_name = "the limit");

// Pure: decode_initramfs's checks of an uncompressed archive (compression and magic named,
// the size limit, every cpio header), returning its entries (spans into `archive`).
Result<std::vector<CpioEntry>> validate_initramfs(std::span<const uint8_t> archive,
                                                  uint64_t max_bytes,
                                                  std::string_view limit_name = "the limit");

// Reads `path` (at most `max_bytes`) and decodes it; every message names the path.
Result<std::vector<uint8_t>> load_initramfs(const std::string& path, uint64_t max_bytes,
                                            std::string_view limit_name = "the limit");

// The largest share of guest RAM an initramfs may take: half.
inline uint64_t max_initramfs_bytes(uint64_t ram_bytes) {
    return ram_bytes / 2;
}

// Pure: the offset into its first page (0..4095) at which to place an archive so that the most
// regular-file data starts on page boundaries: the guest keeps such whole pages as the files'
// pages instead of copying them. The offset aligning the largest number of whole data pages
// wins (ties: the smaller offset); 0 when no file has a whole page of data.
uint32_t initramfs_page_offset(std::span<const CpioEntry> entries);
// The same for a validated archive (parsed again; 0 when it does not parse).
uint32_t initramfs_page_offset(std::span<const uint8_t> archive);

// Pure: where an archive of `size` bytes goes in a guest of `ram_bytes` whose kernel occupies
// [kernel_start, kernel_end): `page_offset` bytes into the highest page at which it still ends
// at or below the end of RAM. Refused (Errc::invalid_argument, naming the sizes) when it is
// empty, takes more than max_initramfs_bytes(), or its pages would overlap the kernel's or the
// boot area below DOMUS_GPA_KERNEL_MIN. `page_offset` must be below 4096.
Result<uint64_t> place_initramfs(uint64_t ram_bytes, uint64_t size, uint64_t kernel_start,
                                 uint64_t kernel_end, uint32_t page_offset = 0);

}  // namespace domus
