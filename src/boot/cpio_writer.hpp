// Writer of "newc" cpio archives (magic 070701), the format parse_cpio() reads (boot/cpio.hpp).
// Pure: it builds the archive in memory from what it is given and touches no file. Every entry
// gets its own inode number (no hard links), nlink 1 (2 for directories), the given owner and
// mode, and mtime 0 unless given; the archive ends with "TRAILER!!!" and is padded to 4 bytes.
// The archive is built in memory or streamed into a file descriptor (to_fd).
// Refused (Errc::invalid_argument, naming the entry): a name parse_cpio would not accept (empty
// components, "." or "..", longer than 4095 bytes), the same name twice, permission bits above
// 07777, a symlink target that is empty, longer than 4095 bytes or holds a NUL, a regular file
// of 4 GiB or more (the 32-bit c_filesize), more than `max_bytes` of archive in total.
#pragma once

#include <cstddef>
#include <cstdint>
#include <set>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.hpp"

namespace domus {

struct CpioOwner {
    uint32_t uid = 0;
    uint32_t gid = 0;
    uint32_t mtime = 0;
};

class CpioWriter {
  public:
    // Builds the archive in memory (finish() returns it).
    explicit CpioWriter(uint64_t max_bytes = UINT64_MAX) : max_bytes_(max_bytes) {}
    // Streams the archive into `fd` (a fresh memfd, say: the archive starts at its offset 0), so
    // that file data added from a descriptor goes from file to file in the kernel (sendfile), never
    // through this process's memory; finish() returns an empty vector. `fd` is not owned.
    static CpioWriter to_fd(int fd, uint64_t max_bytes = UINT64_MAX);

    // `name` as parse_cpio normalises it: a leading "/" or "./" is dropped; "." is the root.
    // `permissions` are the low 12 bits of st_mode (the type bits are the writer's).
    Status add_directory(std::string_view name, uint32_t permissions, CpioOwner owner = {});
    Status add_file(std::string_view name, uint32_t permissions, std::span<const uint8_t> data,
                    CpioOwner owner = {});
    Status add_symlink(std::string_view name, std::string_view target, CpioOwner owner = {});
    // A regular file of `size` bytes read from `fd` at offsets [0, size) (sendfile in to_fd()
    // mode, else pread; `fd`'s own offset is left alone): a file that ends early is an error naming
    // the entry (Errc::io), after which the writer refuses every call (the archive is incomplete).
    Status add_file_from_fd(std::string_view name, uint32_t permissions, int fd, uint64_t size,
                            CpioOwner owner = {});

    // Appends the trailer and hands over the archive; the writer is empty afterwards.
    Result<std::vector<uint8_t>> finish();

    uint64_t size() const { return written_ + out_.size(); }  // the archive so far
    bool contains(std::string_view name) const;

  private:
    Status check(std::string_view raw, uint32_t mode, uint64_t data_size, std::string& name);
    Status add(std::string_view name, uint32_t mode, std::span<const uint8_t> data,
               CpioOwner owner);
    Status flush();
    void header(std::string_view name, uint32_t ino, uint32_t mode, uint32_t nlink,
                uint64_t filesize, CpioOwner owner);

    uint64_t max_bytes_;
    int fd_ = -1;           // to_fd(): where out_ goes once it grows and at finish()
    uint64_t written_ = 0;  // bytes already in fd_
    bool broken_ = false;   // an I/O error left a partial entry: every later call fails
    std::vector<uint8_t> out_;
    std::set<std::string, std::less<>> names_;
    uint32_t next_ino_ = 1;
};

// Pure: `name` as parse_cpio stores it ("/" and "./" prefixes dropped, "." for the root), or an
// error naming what is wrong with it.
Result<std::string> normalise_cpio_name(std::string_view name);

}  // namespace domus
