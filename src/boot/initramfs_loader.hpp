// A domain's initramfs, from its file into guest memory, validated where the guest will read
// it. An uncompressed archive in a regular file goes straight from the page cache into the
// guest's memfd (no copy through this process); a gzip'd one (or a FIFO, a device...) is
// decoded in memory first (boot/initramfs.hpp). Either way the monitor parses every header of
// what the guest gets, before the guest runs, and places it at the offset into its first page
// that page-aligns the most file data (initramfs_page_offset), so the guest keeps those pages.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "base/fd.hpp"
#include "base/result.hpp"
#include "memory/guest_memory.hpp"

namespace domus {

struct InitramfsPlacement {
    uint64_t gpa = 0;   // where the archive starts (any byte; its pages are its own)
    uint64_t size = 0;  // bytes of the uncompressed archive
};

class InitramfsFile {
  public:
    // Opens `path` and makes the checks that need no guest memory (size limit, format,
    // decompression of a gzip'd archive), so that a bad ramdisk is refused before a VM exists.
    // Messages name the path, and the limit as "<max_bytes> bytes (<limit_name>)".
    static Result<InitramfsFile> open(const std::string& path, uint64_t max_bytes,
                                      std::string limit_name);

    // An uncompressed archive of `size` bytes in `fd` from offset 0 (the memfd `domus run
    // --exec` packs): size-checked now, validated in guest memory by load(); `label` stands
    // for the path in messages.
    static Result<InitramfsFile> from_fd(Fd fd, uint64_t size, std::string label,
                                         uint64_t max_bytes, std::string limit_name);

    // Copies the archive into `mem`, clear of the kernel's pages [kernel_start, kernel_end)
    // and the boot area, validates it there and returns where it is.
    Result<InitramfsPlacement> load(GuestMemory& mem, uint64_t kernel_start, uint64_t kernel_end);

  private:
    InitramfsFile() = default;
    std::string path_;
    uint64_t max_bytes_ = 0;
    std::string limit_name_;
    Fd fd_;                         // an uncompressed archive in a regular file: read at load()
    uint64_t size_ = 0;             // its size at open()
    std::vector<uint8_t> decoded_;  // otherwise: the whole archive, validated
};

}  // namespace domus
