#include "boot/initramfs.hpp"

#include <cstdio>
#include <cstring>
#include <initializer_list>
#include <map>

#include "base/hex.hpp"
#include "boot/cpio.hpp"
#include "boot/file_read.hpp"
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

Result<std::vector<CpioEntry>> validate_initramfs(std::span<const uint8_t> archive,
                                                  uint64_t max_bytes, std::string_view limit_name) {
    if (const char* other = other_compression(archive)) {
        return make_error(Errc::bad_image,
                          std::string("the initramfs is ") + other +
                              "-compressed; Domus takes a newc cpio archive, uncompressed or gzip");
    }
    if (!starts_with(archive, {'0', '7'})) {  // "07...": let the cpio parser say what is wrong
        return make_error(Errc::bad_image, "not a newc cpio archive or gzip data (it starts with " +
                                               first_bytes(archive) + "; expected \"070701\")");
    }
    if (archive.size() > max_bytes) {
        return make_error(Errc::bad_image, "the archive of " + dec(archive.size()) +
                                               " bytes is larger than " + dec(max_bytes) +
                                               " bytes (" + std::string(limit_name) + ")");
    }
    return parse_cpio(archive);
}

Result<std::vector<uint8_t>> decode_initramfs(std::vector<uint8_t> file, uint64_t max_bytes,
                                              std::string_view limit_name) {
    if (!looks_like_gzip(file)) {
        if (auto entries = validate_initramfs(file, max_bytes, limit_name); !entries) {
            return entries.error();
        }
        return file;
    }
    auto archive = gunzip(file, max_bytes, limit_name);
    if (!archive) return archive.error();
    if (auto entries = parse_cpio(*archive); !entries) return entries.error();
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

uint32_t initramfs_page_offset(std::span<const CpioEntry> entries) {
    std::map<uint32_t, uint64_t> pages_at;  // offset -> whole data pages it aligns
    for (const CpioEntry& e : entries) {
        if (e.type != CpioType::regular || e.data.size() < kPage) continue;
        const auto offset = static_cast<uint32_t>((kPage - e.data_offset % kPage) % kPage);
        pages_at[offset] += e.data.size() / kPage;
    }
    uint32_t best = 0;
    uint64_t best_pages = 0;
    for (const auto& [offset, pages] : pages_at) {  // ascending: ties keep the smaller offset
        if (pages > best_pages) {
            best = offset;
            best_pages = pages;
        }
    }
    return best;
}

uint32_t initramfs_page_offset(std::span<const uint8_t> archive) {
    auto entries = parse_cpio(archive);
    return entries ? initramfs_page_offset(*entries) : 0;
}

Result<uint64_t> place_initramfs(uint64_t ram_bytes, uint64_t size, uint64_t kernel_start,
                                 uint64_t kernel_end, uint32_t page_offset) {
    if (size == 0) return make_error(Errc::invalid_argument, "the ramdisk is empty");
    if (page_offset >= kPage) {
        return make_error(Errc::invalid_argument,
                          "ramdisk page offset " + dec(page_offset) + " is not below 4096");
    }
    const uint64_t limit = max_initramfs_bytes(ram_bytes);
    if (size > limit) {
        return make_error(Errc::invalid_argument,
                          "the ramdisk of " + size_text(size) + " takes more than half of the " +
                              size_text(ram_bytes) + " of guest RAM (at most " + size_text(limit) +
                              ")");
    }
    if (size + page_offset > ram_bytes) {
        return make_error(Errc::invalid_argument, "the ramdisk of " + size_text(size) +
                                                      " does not fit " + size_text(ram_bytes) +
                                                      " of guest RAM");
    }
    const uint64_t gpa = (ram_bytes - size - page_offset) & ~(kPage - 1);
    if (gpa < DOMUS_GPA_KERNEL_MIN) {
        return make_error(Errc::invalid_argument,
                          "the ramdisk of " + size_text(size) + " at " + hex(gpa) +
                              " would overlap the boot area below " + hex(DOMUS_GPA_KERNEL_MIN) +
                              " in " + size_text(ram_bytes) + " of guest RAM");
    }
    const uint64_t kstart = kernel_start & ~(kPage - 1);
    const uint64_t kend =
        kernel_end > UINT64_MAX - kPage ? UINT64_MAX : (kernel_end + kPage - 1) & ~(kPage - 1);
    const uint64_t end = gpa + page_offset + size;
    if (gpa < kend && kstart < end) {
        return make_error(Errc::invalid_argument,
                          "the ramdisk of " + size_text(size) + " at [" + hex(gpa + page_offset) +
                              ", " + hex(end) + ") would overlap the kernel image at [" +
                              hex(kstart) + ", " + hex(kend) + ") in " + size_text(ram_bytes) +
                              " of guest RAM: give the domain more memory");
    }
    return gpa + page_offset;
}

}  // namespace domus
