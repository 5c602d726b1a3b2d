// Builds newc cpio archives byte by byte for the parser's tests and the fuzzer's seeds, with
// every field overridable so that a test can break exactly one rule.
#pragma once

#include <cstdint>
#include <cstdio>
#include <optional>
#include <span>
#include <string>
#include <vector>

namespace domus::test {

struct NewcEntry {
    std::string name;
    uint32_t mode = 0100644;
    std::string data;
    std::string magic = "070701";
    uint32_t ino = 1;
    uint32_t uid = 0;
    uint32_t gid = 0;
    uint32_t nlink = 1;
    uint32_t mtime = 0x5f000000;
    uint32_t dev_major = 0, dev_minor = 0, rdev_major = 0, rdev_minor = 0;
    std::optional<uint32_t> filesize;  // default: data.size()
    std::optional<uint32_t> namesize;  // default: name.size() + 1
    std::optional<uint32_t> check;     // default: the byte sum for "070702", else 0
    bool nul = true;                   // write the name's terminating NUL
};

inline uint32_t byte_sum(const std::string& s) {
    uint32_t sum = 0;
    for (unsigned char c : s) sum += c;
    return sum;
}

inline void pad4(std::string& out) {
    while (out.size() % 4 != 0) out += '\0';
}

// Appends the entry at the end of `out` (whose size must be a multiple of 4).
inline void append_entry(std::string& out, const NewcEntry& e) {
    const uint32_t fields[13] = {e.ino,
                                 e.mode,
                                 e.uid,
                                 e.gid,
                                 e.nlink,
                                 e.mtime,
                                 e.filesize.value_or(static_cast<uint32_t>(e.data.size())),
                                 e.dev_major,
                                 e.dev_minor,
                                 e.rdev_major,
                                 e.rdev_minor,
                                 e.namesize.value_or(static_cast<uint32_t>(e.name.size() + 1)),
                                 e.check.value_or(e.magic == "070702" ? byte_sum(e.data) : 0)};
    out += e.magic;
    for (uint32_t f : fields) {
        char buf[9];
        std::snprintf(buf, sizeof buf, "%08X", f);
        out += buf;
    }
    out += e.name;
    if (e.nul) out += '\0';
    pad4(out);
    out += e.data;
    pad4(out);
}

inline NewcEntry file(std::string name, std::string data, uint32_t mode = 0100644) {
    NewcEntry e;
    e.name = std::move(name);
    e.data = std::move(data);
    e.mode = mode;
    return e;
}

inline NewcEntry dir(std::string name) {
    NewcEntry e;
    e.name = std::move(name);
    e.mode = 040755;
    e.nlink = 2;
    return e;
}

inline NewcEntry symlink(std::string name, std::string target) {
    NewcEntry e;
    e.name = std::move(name);
    e.mode = 0120777;
    e.data = std::move(target);
    return e;
}

inline NewcEntry trailer() {
    NewcEntry e;
    e.name = "TRAILER!!!";
    e.mode = 0;
    e.ino = 0;
    e.nlink = 1;
    e.mtime = 0;
    return e;
}

// The entries followed by a trailer.
inline std::string archive(const std::vector<NewcEntry>& entries, bool with_trailer = true) {
    std::string out;
    for (const auto& e : entries) append_entry(out, e);
    if (with_trailer) append_entry(out, trailer());
    return out;
}

inline std::span<const uint8_t> bytes_of(const std::string& s) {
    return {reinterpret_cast<const uint8_t*>(s.data()), s.size()};
}

inline std::vector<uint8_t> vec(const std::string& s) {
    return {s.begin(), s.end()};
}

}  // namespace domus::test
