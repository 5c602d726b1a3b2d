// The newc cpio header as both the parser (boot/cpio.cpp) and the writer (boot/cpio_writer.cpp)
// lay it out: a 6-byte magic, then 13 fields of 8 hex digits in this order, then the name.
// Private to boot/cpio*.cpp.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string_view>

namespace domus::cpio_layout {

inline constexpr std::string_view kMagicNewc = "070701";  // no checksum
inline constexpr std::string_view kMagicCrc = "070702";   // c_check: the data's byte sum
inline constexpr size_t kMagicBytes = 6;
inline constexpr size_t kFieldBytes = 8;  // hex digits per field

enum Field : size_t {
    kIno,
    kMode,
    kUid,
    kGid,
    kNlink,
    kMtime,
    kFilesize,
    kDevMajor,
    kDevMinor,
    kRdevMajor,
    kRdevMinor,
    kNamesize,
    kCheck,
    kFieldCount
};
inline constexpr std::array<const char*, kFieldCount> kFieldNames = {
    "c_ino",      "c_mode",     "c_uid",       "c_gid",       "c_nlink",    "c_mtime", "c_filesize",
    "c_devmajor", "c_devminor", "c_rdevmajor", "c_rdevminor", "c_namesize", "c_check"};

// Where field `f` starts in a header.
constexpr size_t field_offset(size_t f) {
    return kMagicBytes + kFieldBytes * f;
}
inline constexpr size_t kHeaderBytes = field_offset(kFieldCount);  // 110

// c_mode's file type bits.
inline constexpr uint32_t kTypeMask = 0170000;
inline constexpr uint32_t kRegular = 0100000;
inline constexpr uint32_t kDirectory = 0040000;
inline constexpr uint32_t kSymlink = 0120000;

// The name of the entry that ends an archive.
inline constexpr std::string_view kTrailer = "TRAILER!!!";

}  // namespace domus::cpio_layout
