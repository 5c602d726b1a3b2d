// Builds newc cpio archives byte by byte for the tests (valid ones, and hostile ones by
// overriding any header field or writing raw bytes).
#pragma once

#include <stdint.h>
#include <stdio.h>

#include <string>
#include <vector>

namespace guest_fs_test {

struct CpioEntrySpec {
    std::string name{};
    uint32_t mode = 0100644;
    std::string data{};
    uint32_t ino = 0;  // 0: a fresh number
    uint32_t nlink = 1;
    uint32_t mtime = 1'600'000'000;
    uint32_t uid = 0;
    uint32_t gid = 0;
    uint32_t rdev_major = 0;
    uint32_t rdev_minor = 0;
    std::string magic = "070701";
    int64_t filesize = -1;  // -1: data.size()
    int64_t namesize = -1;  // -1: name.size() + 1
    uint32_t check = 0;
};

class CpioWriter {
  public:
    CpioWriter& add(CpioEntrySpec e) {
        if (e.ino == 0) e.ino = next_ino_++;
        const uint32_t fields[13] = {
            e.ino,
            e.mode,
            e.uid,
            e.gid,
            e.nlink,
            e.mtime,
            uint32_t(e.filesize < 0 ? e.data.size() : uint64_t(e.filesize)),
            0,
            0,
            e.rdev_major,
            e.rdev_minor,
            uint32_t(e.namesize < 0 ? e.name.size() + 1 : uint64_t(e.namesize)),
            e.check};
        bytes_ += e.magic;
        for (uint32_t f : fields) {
            char hex[9];
            snprintf(hex, sizeof hex, "%08X", f);
            bytes_ += hex;
        }
        bytes_ += e.name;
        bytes_ += '\0';
        pad();
        bytes_ += e.data;
        pad();
        return *this;
    }
    CpioWriter& file(const std::string& name, const std::string& data, uint32_t mode = 0100644) {
        return add({.name = name, .mode = mode, .data = data});
    }
    CpioWriter& dir(const std::string& name, uint32_t mode = 040755) {
        return add({.name = name, .mode = mode});
    }
    CpioWriter& symlink(const std::string& name, const std::string& target) {
        return add({.name = name, .mode = 0120777, .data = target});
    }
    CpioWriter& trailer() { return add({.name = "TRAILER!!!", .mode = 0, .ino = 0}); }
    CpioWriter& raw(const std::string& bytes) {
        bytes_ += bytes;
        return *this;
    }
    const std::string& bytes() const { return bytes_; }

  private:
    void pad() {
        while (bytes_.size() % 4) bytes_ += '\0';
    }
    std::string bytes_;
    uint32_t next_ino_ = 100;
};

}  // namespace guest_fs_test
