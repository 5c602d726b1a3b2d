#include "memory/guest_memory.hpp"

#include <sys/mman.h>
#include <sys/sendfile.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <string>
#include <utility>

#include "base/hex.hpp"

namespace domus {

namespace {
constexpr uint64_t kPage = 4096;
}  // namespace

Result<GuestMemory> GuestMemory::create(uint64_t bytes) {
    if (bytes == 0 || bytes % kPage != 0) {
        return make_error(Errc::invalid_argument, "guest memory size " + std::to_string(bytes) +
                                                      " bytes is not a positive multiple of 4096");
    }
    Fd fd(::memfd_create("domus-guest-ram", MFD_CLOEXEC));
    if (!fd.valid()) {
        return make_error(Errc::resource, std::string("memfd_create: ") + std::strerror(errno));
    }
    if (::ftruncate(fd.get(), static_cast<off_t>(bytes)) != 0) {
        return make_error(Errc::resource, "cannot size guest memory to " + std::to_string(bytes) +
                                              " bytes: " + std::strerror(errno));
    }
    void* p =
        ::mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_NORESERVE, fd.get(), 0);
    if (p == MAP_FAILED) {
        return make_error(Errc::resource, "cannot map " + std::to_string(bytes) +
                                              " bytes of guest memory: " + std::strerror(errno));
    }
    return GuestMemory(std::move(fd), static_cast<uint8_t*>(p), bytes);
}

GuestMemory::~GuestMemory() {
    if (base_ != nullptr) ::munmap(base_, size_);
}

GuestMemory::GuestMemory(GuestMemory&& other) noexcept
    : fd_(std::move(other.fd_)),
      base_(std::exchange(other.base_, nullptr)),
      size_(std::exchange(other.size_, 0)) {}

GuestMemory& GuestMemory::operator=(GuestMemory&& other) noexcept {
    if (this != &other) {
        if (base_ != nullptr) ::munmap(base_, size_);
        fd_ = std::move(other.fd_);
        base_ = std::exchange(other.base_, nullptr);
        size_ = std::exchange(other.size_, 0);
    }
    return *this;
}

Error GuestMemory::range_error(uint64_t gpa, uint64_t len) const {
    return make_error(Errc::out_of_range, "guest range " + hex(gpa) + "+" + hex(len) +
                                              " is outside guest RAM [0, " + hex(size_) + ")");
}

Result<std::span<uint8_t>> GuestMemory::span(uint64_t gpa, uint64_t len) {
    if (!contains(gpa, len)) return range_error(gpa, len);
    return std::span<uint8_t>(base_ + gpa, len);
}

Result<std::span<const uint8_t>> GuestMemory::span(uint64_t gpa, uint64_t len) const {
    if (!contains(gpa, len)) return range_error(gpa, len);
    return std::span<const uint8_t>(base_ + gpa, len);
}

Status GuestMemory::write(uint64_t gpa, std::span<const uint8_t> data) {
    if (!contains(gpa, data.size())) return range_error(gpa, data.size());
    if (!data.empty()) std::memcpy(base_ + gpa, data.data(), data.size());
    return {};
}

Status GuestMemory::read(uint64_t gpa, std::span<uint8_t> out) const {
    if (!contains(gpa, out.size())) return range_error(gpa, out.size());
    if (!out.empty()) std::memcpy(out.data(), base_ + gpa, out.size());
    return {};
}

Status GuestMemory::copy_from_file(uint64_t gpa, int fd, uint64_t len, std::string_view what) {
    if (!contains(gpa, len)) return range_error(gpa, len);
    const auto short_file = [&](uint64_t done) {
        return make_error(Errc::io, std::string(what) + " ended after " + std::to_string(done) +
                                        " of " + std::to_string(len) +
                                        " bytes (did it change while being read?)");
    };
    const auto failed = [&](const char* call, int err) {
        return make_error(Errc::io, "cannot read " + std::string(what) + " (" + call +
                                        "): " + std::strerror(err));
    };
    uint64_t done = 0;
    // sendfile(memfd <- file): page cache to shmem pages in the kernel.
    off_t in = 0;
    if (::lseek(fd_.get(), static_cast<off_t>(gpa), SEEK_SET) == static_cast<off_t>(gpa)) {
        while (done < len) {
            const ssize_t n = ::sendfile(fd_.get(), fd, &in, static_cast<size_t>(len - done));
            if (n < 0 && errno == EINTR) continue;
            if (n < 0 && done == 0 && (errno == EINVAL || errno == ENOSYS)) break;  // pread below
            if (n < 0) return failed("sendfile", errno);
            if (n == 0) return short_file(done);
            done += static_cast<uint64_t>(n);
        }
    }
    // Otherwise through the mapping.
    while (done < len) {
        const ssize_t n = ::pread(fd, base_ + gpa + done, static_cast<size_t>(len - done),
                                  static_cast<off_t>(done));
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) return failed("pread", errno);
        if (n == 0) return short_file(done);
        done += static_cast<uint64_t>(n);
    }
    return {};
}

Status GuestMemory::fill(uint64_t gpa, uint64_t len, uint8_t value) {
    if (!contains(gpa, len)) return range_error(gpa, len);
    if (value != 0) {
        if (len != 0) std::memset(base_ + gpa, value, len);
        return {};
    }
    // Zeroing: the memfd's holes read as zero already and are left alone, so a fresh kernel's
    // bss or a boot area does not become guest memory the domain owns (a read would not help:
    // a read fault on a shared memfd mapping allocates too). SEEK_DATA finds what is not a hole.
    uint64_t at = gpa;
    const uint64_t end = gpa + len;
    while (at < end) {
        const off_t data = ::lseek(fd_.get(), static_cast<off_t>(at), SEEK_DATA);
        if (data < 0 && errno != ENXIO) {  // no SEEK_DATA here: zero the old way
            std::memset(base_ + at, 0, static_cast<size_t>(end - at));
            break;
        }
        if (data < 0 || static_cast<uint64_t>(data) >= end) break;  // only holes are left
        at = static_cast<uint64_t>(data);
        off_t hole = ::lseek(fd_.get(), static_cast<off_t>(at), SEEK_HOLE);
        const uint64_t stop = hole < 0 ? end : std::min(end, static_cast<uint64_t>(hole));
        std::memset(base_ + at, 0, static_cast<size_t>(stop - at));
        at = stop;
    }
    return {};
}

}  // namespace domus
