#include "boot/initramfs.hpp"

#include <cstdio>
#include <cstring>
#include <initializer_list>

#include "boot/cpio.hpp"
#include "boot/elf_loader.hpp"
#include "boot/gunzip.hpp"
#include "domus/abi/boot_info.h"

namespace domus {

namespace {

constexpr uint64_t kPage = 4096;

std::string dec(uint64_t v) {
    return std::to_string(v);
}

// "N bytes (M KiB)" style sizes for placement messages.
std::string size_text(uint64_t bytes) {
    if (bytes >= (1ull << 20)) return dec(bytes) + " bytes (" + dec(bytes >> 20) + " MiB)";
    return dec(bytes) + " bytes";
}

std::string hex(uint64_t v) {
    char buf[24];
    std::snprintf(buf, sizeof buf, "0x%llx", static_cast<unsigned long long>(v));
    return buf;
}

bool starts_with(std::span<const uint8_t> b, std::initializer_list<uint8_t> magic) {
    if (b.size() < magic.size()) return false;
    return std::memcmp(b.data(), magic.begin(), magic.size()) == 0;
}

// A compression Linux knows but Domus does not decompress, or nullptr.
const char* other_compression(std::span<const uint8_t> b) {
    if (starts_with(b, {0xfd, '7', 'z', 'X', 'Z', 0x00})) return "xz";
    if (starts_with(b, {'B', 'Z', 'h'})) return "bzip2";
    if (starts_with(b, {0x28, 0xb5, 0x2f, 0xfd})) return "zstd";
    if (starts_with(b, {0x02, 0x21, 0x4c, 0x18})) return "lz4";
    if (starts_with(b, {0x89, 'L', 'Z', 'O'})) return "lzo";
    if (starts_with(b, {0x5d, 0x00, 0x00})) return "lzma";
    return nullptr;
}

std::string first_bytes(std::span<const uint8_t> b) {
    std::string out;
    for (size_t i = 0; i < b.size() && i < 6; ++i) {
        char buf[4];
        std::snprintf(buf, sizeof buf, "%02x", b[i]);
        out += (i ? " " : "") + std::string(buf);
    }
    return out.empty() ? "nothing" : out;
}

}  // namespace

Result<std::vector<uint8_t>> decode_initramfs(std::vector<uint8_t> file, uint64_t max_bytes,
                                              std::string_view limit_name) {
    std::vector<uint8_t> archive;
    if (looks_like_gzip(file)) {
        auto out = gunzip(file, max_bytes, limit_name);
        if (!out) return out.error();
        archive = std::move(out.value());
    } else if (const char* other = other_compression(file)) {
        return make_error(Errc::bad_image,
                          std::string("the initramfs is ") + other +
                              "-compressed; Domus takes a newc cpio archive, uncompressed or gzip");
    } else if (!starts_with(file, {'0', '7'})) {  // "07...": let the cpio parser say what is wrong
        return make_error(Errc::bad_image, "not a newc cpio archive or gzip data (it starts with " +
                                               first_bytes(file) + "; expected \"070701\")");
    } else {
        if (file.size() > max_bytes) {
            return make_error(Errc::bad_image, "the archive of " + dec(file.size()) +
                                                   " bytes is larger than " + dec(max_bytes) +
                                                   " bytes (" + std::string(limit_name) + ")");
        }
        archive = std::move(file);
    }
    if (auto entries = parse_cpio(archive); !entries) return entries.error();
    return archive;
}

Result<std::vector<uint8_t>> load_initramfs(const std::string& path, uint64_t max_bytes,
                                            std::string_view limit_name) {
    auto file = read_file(path, max_bytes);
    if (!file) {
        std::string message = "ramdisk: " + file.error().message;
        if (message.find("larger than the limit") != std::string::npos) {
            message += " (" + std::string(limit_name) + ")";
        }
        return make_error(file.error().code, std::move(message));
    }
    auto archive = decode_initramfs(std::move(file.value()), max_bytes, limit_name);
    if (!archive) {
        return make_error(archive.error().code,
                          "ramdisk '" + path + "': " + archive.error().message);
    }
    return archive;
}

Result<uint64_t> place_initramfs(uint64_t ram_bytes, uint64_t size, uint64_t kernel_start,
                                 uint64_t kernel_end) {
    if (size == 0) return make_error(Errc::invalid_argument, "the ramdisk is empty");
    const uint64_t limit = max_initramfs_bytes(ram_bytes);
    if (size > limit) {
        return make_error(Errc::invalid_argument,
                          "the ramdisk of " + size_text(size) + " takes more than half of the " +
                              size_text(ram_bytes) + " of guest RAM (at most " + size_text(limit) +
                              ")");
    }
    const uint64_t gpa = (ram_bytes - size) & ~(kPage - 1);
    if (gpa < DOMUS_GPA_KERNEL_MIN) {
        return make_error(Errc::invalid_argument,
                          "the ramdisk of " + size_text(size) + " at " + hex(gpa) +
                              " would overlap the boot area below " + hex(DOMUS_GPA_KERNEL_MIN) +
                              " in " + size_text(ram_bytes) + " of guest RAM");
    }
    const uint64_t kstart = kernel_start & ~(kPage - 1);
    const uint64_t kend =
        kernel_end > UINT64_MAX - kPage ? UINT64_MAX : (kernel_end + kPage - 1) & ~(kPage - 1);
    if (gpa < kend && kstart < gpa + size) {
        return make_error(Errc::invalid_argument,
                          "the ramdisk of " + size_text(size) + " at [" + hex(gpa) + ", " +
                              hex(gpa + size) + ") would overlap the kernel image at [" +
                              hex(kstart) + ", " + hex(kend) + ") in " + size_text(ram_bytes) +
                              " of guest RAM: give the domain more memory");
    }
    return gpa;
}

}  // namespace domus
