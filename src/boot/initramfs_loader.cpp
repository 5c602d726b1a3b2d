#include "boot/initramfs_loader.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "boot/gunzip.hpp"
#include "boot/initramfs.hpp"

namespace domus {

namespace {

constexpr uint64_t kPage = 4096;

Error with_path(const std::string& path, const Error& e) {
    return make_error(e.code, "ramdisk '" + path + "': " + e.message);
}

}  // namespace

Result<InitramfsFile> InitramfsFile::open(const std::string& path, uint64_t max_bytes,
                                          std::string limit_name) {
    InitramfsFile f;
    f.path_ = path;
    f.max_bytes_ = max_bytes;
    f.limit_name_ = std::move(limit_name);
    Fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK));
    struct stat st {};
    uint8_t head[6] = {};
    ssize_t got = -1;
    if (fd.valid() && ::fstat(fd.get(), &st) == 0 && S_ISREG(st.st_mode)) {
        got = ::pread(fd.get(), head, sizeof head, 0);
    }
    const std::span<const uint8_t> peek(head, got > 0 ? static_cast<size_t>(got) : 0);
    if (got >= 2 && head[0] == '0' && head[1] == '7' && !looks_like_gzip(peek)) {
        const auto size = static_cast<uint64_t>(st.st_size);
        if (size > max_bytes) {
            return make_error(Errc::bad_image, "ramdisk '" + path + "': the archive of " +
                                                   std::to_string(size) + " bytes is larger than " +
                                                   std::to_string(max_bytes) + " bytes (" +
                                                   f.limit_name_ + ")");
        }
        f.fd_ = std::move(fd);
        f.size_ = size;
        return f;
    }
    // Anything else (gzip, a bad file, not a regular file): the general path says what is
    // wrong, or decodes it.
    auto archive = load_initramfs(path, max_bytes, f.limit_name_);
    if (!archive) return archive.error();
    f.decoded_ = std::move(archive.value());
    return f;
}

Result<InitramfsFile> InitramfsFile::from_fd(Fd fd, uint64_t size, std::string label,
                                             uint64_t max_bytes, std::string limit_name) {
    InitramfsFile f;
    f.path_ = std::move(label);
    f.max_bytes_ = max_bytes;
    f.limit_name_ = std::move(limit_name);
    if (size == 0) return make_error(Errc::bad_image, "ramdisk '" + f.path_ + "' is empty");
    if (size > max_bytes) {
        return make_error(Errc::bad_image, "ramdisk '" + f.path_ + "': the archive of " +
                                               std::to_string(size) + " bytes is larger than " +
                                               std::to_string(max_bytes) + " bytes (" +
                                               f.limit_name_ + ")");
    }
    f.fd_ = std::move(fd);
    f.size_ = size;
    return f;
}

Result<InitramfsPlacement> InitramfsFile::load(GuestMemory& mem, uint64_t kernel_start,
                                               uint64_t kernel_end) {
    if (!fd_.valid()) {
        const uint32_t offset = initramfs_page_offset(decoded_);
        auto gpa = place_initramfs(mem.size(), decoded_.size(), kernel_start, kernel_end, offset);
        if (!gpa) return with_path(path_, gpa.error());
        if (auto st = mem.write(*gpa, decoded_); !st) return st.error();
        const InitramfsPlacement placed{*gpa, decoded_.size()};
        decoded_ = {};  // the guest has its copy
        return placed;
    }
    // Read into a staging place a page lower than any final one, validate there, then move it
    // up to the page offset the entries ask for (by less than two pages).
    auto lowest = place_initramfs(mem.size(), size_, kernel_start, kernel_end, kPage - 1);
    if (!lowest) return with_path(path_, lowest.error());
    const uint64_t staging = *lowest - (kPage - 1);
    if (auto st = mem.copy_from_file(staging, fd_.get(), size_, "ramdisk '" + path_ + "'"); !st) {
        return st.error();
    }
    fd_ = Fd();
    auto bytes = mem.span(staging, size_);
    if (!bytes) return bytes.error();
    auto entries = validate_initramfs(*bytes, max_bytes_, limit_name_);
    if (!entries) return with_path(path_, entries.error());
    auto gpa = place_initramfs(mem.size(), size_, kernel_start, kernel_end,
                               initramfs_page_offset(*entries));
    if (!gpa) return with_path(path_, gpa.error());
    if (*gpa != staging) {  // *gpa > staging: place_initramfs rounds the same way
        const uint64_t shift = *gpa - staging;
        auto both = mem.span(staging, shift + size_);
        if (!both) return both.error();
        std::memmove(both->data() + shift, both->data(), size_);
        std::memset(both->data(), 0, shift);
    }
    return InitramfsPlacement{*gpa, size_};
}

}  // namespace domus
