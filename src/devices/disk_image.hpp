// A raw disk image file a domain's virtio-blk device serves: opened once, checked (a regular
// file of at least one sector) and locked for the domain's lifetime with an open-file-
// description lock - shared for a read-only disk, exclusive for a writable one - so that no two
// domains write the same image, and no domain writes one another reads. The lock goes with the
// file's last descriptor (a monitor that dies releases it). Messages name the path.
#pragma once

#include <cstdint>
#include <string>

#include "base/fd.hpp"
#include "base/result.hpp"

namespace domus {

class DiskImage {
  public:
    static Result<DiskImage> open(const std::string& path, bool read_only);

    int fd() const { return fd_.get(); }
    uint64_t sectors() const { return sectors_; }  // whole 512-byte sectors (a tail is ignored)
    bool read_only() const { return read_only_; }
    const std::string& path() const { return path_; }

  private:
    DiskImage(Fd fd, std::string path, uint64_t sectors, bool read_only)
        : fd_(std::move(fd)), path_(std::move(path)), sectors_(sectors), read_only_(read_only) {}
    Fd fd_;
    std::string path_;
    uint64_t sectors_ = 0;
    bool read_only_ = false;
};

}  // namespace domus
