// Validating parser of "newc" cpio archives (what `find . | cpio -o -H newc` makes, and the
// format of a Linux initramfs). Pure: parse_cpio() reads nothing but its input and never reads
// outside it; every failure is Errc::bad_image with one line naming the problem, the entry
// (escaped and cut when hostile) and its byte offset.
//
// Accepted: magic "070701", or "070702" whose check field must equal the byte sum of a regular
// file's data (other entries are not summed, as GNU cpio writes them); each of the 13 fields is
// 8 hex digits; the name is NUL-terminated at exactly namesize - 1 and holds no other NUL; the
// header + name and the data are each followed by zero padding to a multiple of 4 bytes (counted
// from the start of the input); file types regular, directory, symlink, char/block device, fifo
// and socket; hard links (nlink > 1, same ino; GNU cpio stores the data with the last link).
// Names: leading "/" and "./" are stripped; what remains is "." (the root, a directory) or
// components separated by single slashes, none empty, "." or ".."; at most 4095 bytes.
// A symlink's data is its target: 1..4095 bytes, no NUL. Directories, devices, fifos and sockets
// carry no data. "TRAILER!!!" (no data) ends an archive; after it only zero bytes may follow, or
// another archive starting at a 4-byte boundary (Linux unpacks concatenated archives in order).
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.hpp"

namespace domus {

enum class CpioType : uint8_t {
    regular,
    directory,
    symlink,
    char_device,
    block_device,
    fifo,
    socket
};

const char* to_string(CpioType type);

struct CpioEntry {
    std::string name;  // normalised (see above); "." is the root directory
    CpioType type = CpioType::regular;
    uint32_t mode = 0;  // st_mode: type bits and permissions (<= 0177777)
    uint32_t uid = 0;
    uint32_t gid = 0;
    uint32_t nlink = 0;
    uint32_t mtime = 0;
    uint32_t ino = 0;
    uint32_t dev_major = 0;
    uint32_t dev_minor = 0;
    uint32_t rdev_major = 0;  // char/block devices: the device number
    uint32_t rdev_minor = 0;
    uint64_t header_offset = 0;     // where the entry's header starts in the input
    uint64_t data_offset = 0;       // where its data starts in the input
    std::span<const uint8_t> data;  // file contents or symlink target; inside the input
    uint32_t permissions() const { return mode & 07777; }
};

struct CpioLimits {
    size_t max_entries = 1'000'000;  // entries (trailers not counted) over all archives
};

inline constexpr size_t kCpioHeaderBytes = 110;
inline constexpr size_t kCpioMaxNameBytes = 4095;  // without the NUL (PATH_MAX - 1)
inline constexpr size_t kCpioMaxSymlinkBytes = 4095;

// True when `bytes` starts like a newc archive ("07070" then '1' or '2').
bool looks_like_cpio(std::span<const uint8_t> bytes);

// Parses and validates every header of every concatenated archive in `archive`. The entries
// keep spans into `archive`: it must outlive them. At least one archive (a trailer) is required.
Result<std::vector<CpioEntry>> parse_cpio(std::span<const uint8_t> archive,
                                          const CpioLimits& limits = {});

// `s` for a message: printable ASCII as is, \xNN otherwise, cut to 64 bytes with "...".
std::string escape_for_message(std::string_view s);

}  // namespace domus
