#include "boot/cpio.hpp"

#include <array>
#include <cstdio>
#include <cstring>
#include <optional>

#include "base/hex.hpp"
#include "boot/cpio_layout.hpp"

namespace domus {

namespace {

using namespace cpio_layout;

static_assert(kHeaderBytes == kCpioHeaderBytes);

constexpr uint32_t kModeMax = 0177777;

std::string dec(uint64_t v) {
    return std::to_string(v);
}

std::string octal(uint32_t v) {
    char buf[16];
    std::snprintf(buf, sizeof buf, "0%o", v);
    return buf;
}

uint64_t align4(uint64_t v) {
    return (v + 3) & ~uint64_t{3};
}

int hex_digit(uint8_t c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

std::optional<CpioType> type_of(uint32_t mode) {
    switch (mode & kTypeMask) {
        case kRegular:
            return CpioType::regular;
        case kDirectory:
            return CpioType::directory;
        case kSymlink:
            return CpioType::symlink;
        case 0020000:
            return CpioType::char_device;
        case 0060000:
            return CpioType::block_device;
        case 0010000:
            return CpioType::fifo;
        case 0140000:
            return CpioType::socket;
        default:
            return std::nullopt;
    }
}

// Strips leading "/" and "./"; "" when the name is not acceptable (`why` says why).
std::string normalise_name(std::string_view raw, std::string& why) {
    for (;;) {
        if (raw.starts_with("/")) {
            raw.remove_prefix(1);
        } else if (raw.starts_with("./")) {
            raw.remove_prefix(2);
        } else {
            break;
        }
    }
    if (raw.empty() || raw == ".") return ".";
    size_t start = 0;
    while (start <= raw.size()) {
        size_t end = raw.find('/', start);
        if (end == std::string_view::npos) end = raw.size();
        const std::string_view part = raw.substr(start, end - start);
        if (part.empty()) {
            why = "the name has an empty component (\"//\" or a trailing \"/\")";
            return {};
        }
        if (part == "." || part == "..") {
            why = "the name has a \"" + std::string(part) + "\" component";
            return {};
        }
        start = end + 1;
    }
    return std::string(raw);
}

class Parser {
  public:
    Parser(std::span<const uint8_t> in, const CpioLimits& limits) : in_(in), limits_(limits) {}

    Result<std::vector<CpioEntry>> run() {
        if (in_.empty()) return make_error(Errc::bad_image, "cpio: the archive is empty");
        uint64_t pos = 0;
        for (;;) {
            // Each step parses one entry; `pos` moves to the next header or, after a trailer,
            // to the next archive (or the end).
            bool trailer = false;
            if (auto st = entry(pos, trailer); !st) return st.error();
            if (!trailer) continue;
            while (pos < in_.size() && in_[pos] == 0) ++pos;
            if (pos >= in_.size()) return std::move(out_);
            if (auto st = next_archive(pos); !st) return st.error();
        }
    }

  private:
    Error fail(uint64_t header, std::string_view name, bool named, const std::string& what) const {
        std::string where = named ? "cpio: entry " + escape_for_message(name) +
                                        " (header at byte " + dec(header) + ")"
                                  : "cpio: header at byte " + dec(header);
        return make_error(Errc::bad_image, where + ": " + what);
    }

    Status next_archive(uint64_t pos) const {
        const std::span<const uint8_t> rest = in_.subspan(pos);
        if (pos % 4 == 0 && looks_like_cpio(rest)) return {};
        std::string what;
        if (rest.size() >= 2 && rest[0] == 0x1f && rest[1] == 0x8b) {
            what = "gzip data follows the archive (compress the whole initramfs, not a part)";
        } else if (looks_like_cpio(rest)) {
            what = "another archive starts at a byte offset that is not a multiple of 4";
        } else {
            what = "unexpected byte " + hex(rest[0]) +
                   " after the trailer (only zero padding or another newc archive may follow)";
        }
        return make_error(Errc::bad_image, "cpio: at byte " + dec(pos) + ": " + what);
    }

    Status header_fields(uint64_t at, std::array<uint32_t, kFieldCount>& f, bool& crc) const {
        if (in_.size() - at < kCpioHeaderBytes) {
            return fail(at, {}, false,
                        "truncated: a header needs " + dec(kCpioHeaderBytes) + " bytes, " +
                            dec(in_.size() - at) + " remain (no " + std::string(kTrailer) + "?)");
        }
        const uint8_t* h = in_.data() + at;
        if (!looks_like_cpio(in_.subspan(at, 6))) {
            std::string shown(reinterpret_cast<const char*>(h), 6);
            return fail(
                at, {}, false,
                "bad magic " + escape_for_message(shown) +
                    " (expected \"070701\" or \"070702\": a newc cpio archive" +
                    (shown == "070707" ? "; this is the old odc format: use -H newc)" : ")"));
        }
        crc = h[kMagicBytes - 1] == kMagicCrc.back();
        for (size_t i = 0; i < kFieldCount; ++i) {
            uint32_t v = 0;
            const uint8_t* p = h + field_offset(i);
            for (size_t k = 0; k < kFieldBytes; ++k) {
                const int d = hex_digit(p[k]);
                if (d < 0) {
                    std::string shown(reinterpret_cast<const char*>(p), kFieldBytes);
                    return fail(at, {}, false,
                                std::string("field ") + kFieldNames[i] + " " +
                                    escape_for_message(shown) + " at byte " +
                                    dec(at + field_offset(i)) + " is not 8 hex digits");
                }
                v = (v << 4) | static_cast<uint32_t>(d);
            }
            f[i] = v;
        }
        return {};
    }

    // Padding bytes in [from, to) that exist must be zero.
    Status zero_padding(uint64_t header, std::string_view name, uint64_t from, uint64_t to,
                        const char* after) const {
        for (uint64_t i = from; i < to && i < in_.size(); ++i) {
            if (in_[i] != 0) {
                return fail(header, name, true,
                            std::string("padding after the ") + after + " at byte " + dec(i) +
                                " is " + hex(in_[i]) + ", not zero");
            }
        }
        return {};
    }

    Status entry(uint64_t& pos, bool& trailer) {
        const uint64_t at = pos;
        std::array<uint32_t, kFieldCount> f{};
        bool crc = false;
        if (auto st = header_fields(at, f, crc); !st) return st;

        // The name.
        const uint64_t namesize = f[kNamesize];
        if (namesize == 0) {
            return fail(at, {}, false, "c_namesize is 0 (a name needs at least its NUL)");
        }
        if (namesize - 1 > kCpioMaxNameBytes) {
            return fail(at, {}, false,
                        "the name of " + dec(namesize - 1) + " bytes is longer than " +
                            dec(kCpioMaxNameBytes));
        }
        const uint64_t name_at = at + kCpioHeaderBytes;
        if (namesize > in_.size() - name_at) {
            return fail(at, {}, false,
                        "the name of " + dec(namesize) +
                            " bytes (with its NUL) runs past the end " + "of the input (" +
                            dec(in_.size()) + " bytes)");
        }
        const std::string_view raw(reinterpret_cast<const char*>(in_.data() + name_at),
                                   namesize - 1);
        if (in_[name_at + namesize - 1] != 0) {
            return fail(at, raw, true,
                        "the name is not NUL-terminated at c_namesize - 1 (byte " +
                            dec(name_at + namesize - 1) + ")");
        }
        if (const size_t nul = raw.find('\0'); nul != std::string_view::npos) {
            return fail(
                at, raw.substr(0, nul), true,
                "the name has a NUL byte at byte " + dec(name_at + nul) + ", before its end");
        }
        trailer = raw == kTrailer;

        // The data.
        const uint64_t data_at = align4(name_at + namesize);
        if (auto st = zero_padding(at, raw, name_at + namesize, data_at, "name"); !st) return st;
        const uint64_t filesize = f[kFilesize];
        if (filesize != 0 && (data_at > in_.size() || filesize > in_.size() - data_at)) {
            return fail(at, raw, true,
                        "the data of " + dec(filesize) + " bytes at byte " + dec(data_at) +
                            " runs past the end of the input (" + dec(in_.size()) + " bytes)");
        }
        const uint64_t next = align4(data_at + filesize);
        if (filesize != 0) {
            if (auto st = zero_padding(at, raw, data_at + filesize, next, "data"); !st) return st;
        }
        pos = next > in_.size() ? in_.size() : next;
        if (trailer) {
            if (filesize != 0) {
                return fail(at, raw, true,
                            "the trailer carries " + dec(filesize) + " bytes of data (expected 0)");
            }
            return {};
        }
        if (next > in_.size()) {
            // Only a trailer may lose its final padding to the end of the input.
            return fail(at, raw, true,
                        "truncated: the input ends at byte " + dec(in_.size()) +
                            " inside the entry's padding (no " + std::string(kTrailer) + ")");
        }
        // data_at <= size here (an entry whose padding ran past the end was refused above), so
        // even an empty span points into the input.
        return add(at, raw, f, crc, data_at, in_.subspan(data_at, filesize));
    }

    Status add(uint64_t at, std::string_view raw, const std::array<uint32_t, kFieldCount>& f,
               bool crc, uint64_t data_at, std::span<const uint8_t> data) {
        if (out_.size() >= limits_.max_entries) {
            return fail(at, raw, true,
                        "more than " + dec(limits_.max_entries) + " entries in the archive");
        }
        const uint32_t mode = f[kMode];
        if (mode > kModeMax) {
            return fail(at, raw, true,
                        "c_mode " + octal(mode) + " has bits above " + octal(kModeMax));
        }
        const auto type = type_of(mode);
        if (!type) {
            return fail(
                at, raw, true,
                "unsupported file type " + octal(mode & kTypeMask) + " in c_mode " + octal(mode));
        }
        std::string why;
        std::string name = normalise_name(raw, why);
        if (name.empty()) return fail(at, raw, true, why);
        if (name == "." && *type != CpioType::directory) {
            return fail(
                at, raw, true,
                std::string("the root \".\" must be a directory, not a ") + to_string(*type));
        }
        if (auto st = check_data(at, raw, *type, crc, f[kCheck], data); !st) return st;

        CpioEntry e;
        e.name = std::move(name);
        e.type = *type;
        e.mode = mode;
        e.uid = f[kUid];
        e.gid = f[kGid];
        e.nlink = f[kNlink];
        e.mtime = f[kMtime];
        e.ino = f[kIno];
        e.dev_major = f[kDevMajor];
        e.dev_minor = f[kDevMinor];
        e.rdev_major = f[kRdevMajor];
        e.rdev_minor = f[kRdevMinor];
        e.header_offset = at;
        e.data_offset = data_at;
        e.data = data;
        out_.push_back(std::move(e));
        return {};
    }

    Status check_data(uint64_t at, std::string_view raw, CpioType type, bool crc, uint32_t check,
                      std::span<const uint8_t> data) const {
        switch (type) {
            case CpioType::regular:
                if (crc) {
                    uint32_t sum = 0;
                    for (uint8_t b : data) sum += b;
                    if (sum != check) {
                        return fail(at, raw, true,
                                    "c_check " + hex(check) + " does not match the byte sum " +
                                        hex(sum) + " of its " + dec(data.size()) + " bytes");
                    }
                }
                return {};
            case CpioType::symlink: {
                if (data.empty()) return fail(at, raw, true, "the symlink has an empty target");
                if (data.size() > kCpioMaxSymlinkBytes) {
                    return fail(at, raw, true,
                                "the symlink target of " + dec(data.size()) +
                                    " bytes is longer than " + dec(kCpioMaxSymlinkBytes));
                }
                if (std::memchr(data.data(), 0, data.size()) != nullptr) {
                    return fail(at, raw, true, "the symlink target contains a NUL byte");
                }
                return {};
            }
            default:
                if (!data.empty()) {
                    return fail(at, raw, true,
                                std::string("a ") + to_string(type) + " with " + dec(data.size()) +
                                    " bytes of data (expected none)");
                }
                return {};
        }
    }

    std::span<const uint8_t> in_;
    const CpioLimits& limits_;
    std::vector<CpioEntry> out_;
};

}  // namespace

const char* to_string(CpioType type) {
    switch (type) {
        case CpioType::regular:
            return "regular file";
        case CpioType::directory:
            return "directory";
        case CpioType::symlink:
            return "symlink";
        case CpioType::char_device:
            return "character device";
        case CpioType::block_device:
            return "block device";
        case CpioType::fifo:
            return "fifo";
        case CpioType::socket:
            return "socket";
    }
    return "file";
}

bool looks_like_cpio(std::span<const uint8_t> b) {
    return b.size() >= 6 && std::memcmp(b.data(), "07070", 5) == 0 && (b[5] == '1' || b[5] == '2');
}

Result<std::vector<CpioEntry>> parse_cpio(std::span<const uint8_t> archive,
                                          const CpioLimits& limits) {
    return Parser(archive, limits).run();
}

std::string escape_for_message(std::string_view s) {
    constexpr size_t kShown = 64;
    std::string out = "\"";
    size_t i = 0;
    for (; i < s.size() && i < kShown; ++i) {
        const auto c = static_cast<unsigned char>(s[i]);
        if (c == '"' || c == '\\') {
            out += '\\';
            out += static_cast<char>(c);
        } else if (c >= 0x20 && c < 0x7f) {
            out += static_cast<char>(c);
        } else {
            char buf[8];
            std::snprintf(buf, sizeof buf, "\\x%02x", c);
            out += buf;
        }
    }
    out += '"';
    if (i < s.size()) out += "...";
    return out;
}

}  // namespace domus
