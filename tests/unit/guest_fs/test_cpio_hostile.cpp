// Malformed archives: each is refused with -EINVAL, a reason and the offset of the header,
// before anything is created; the input is read only inside its bounds (the archives sit in
// exactly sized heap buffers, so ASan in the debug preset catches a read one byte past).
#include "fs/cpio_parse.hpp"
#include "fs/cpio_unpack.hpp"

#include <string.h>

#include <random>

#include "cpio_writer.hpp"
#include "fs_fixture.hpp"

namespace guest_fs_test {
namespace {

// An exactly sized copy of `bytes`.
std::unique_ptr<uint8_t[]> exact(const std::string& bytes) {
    std::unique_ptr<uint8_t[]> copy(new uint8_t[bytes.size() + !bytes.size()]);
    memcpy(copy.get(), bytes.data(), bytes.size());
    return copy;
}

// Parses the whole input; the last cpio_next result.
int parse_all(const std::string& bytes, fs::CpioReader* reader) {
    auto copy = exact(bytes);
    fs::cpio_reader_init(reader, copy.get(), bytes.size());
    fs::CpioRecord record;
    int n;
    while ((n = fs::cpio_next(reader, &record)) > 0) {
    }
    return n;
}

class GuestFsCpioHostile : public FsTest {
  protected:
    int unpack(const std::string& bytes) {
        auto copy = exact(bytes);
        stats_ = {};
        return fs::cpio_unpack(root_, copy.get(), bytes.size(), &stats_);
    }

    void expect_refused(const std::string& bytes, const char* why, size_t offset = SIZE_MAX) {
        const size_t before = list("/").size();
        EXPECT_EQ(unpack(bytes), -EINVAL);
        ASSERT_NE(stats_.error, nullptr);
        EXPECT_NE(strstr(stats_.error, why), nullptr) << stats_.error << " (wanted " << why << ")";
        if (offset != SIZE_MAX) {
            EXPECT_EQ(stats_.error_offset, offset) << stats_.error;
        }
        EXPECT_EQ(list("/").size(), before) << "a refused archive created something";
    }

    fs::CpioStats stats_{};
};

std::string valid_archive() {
    CpioWriter w;
    w.dir("bin").file("bin/sh", "#!/bin/sh\n").symlink("sh", "bin/sh");
    w.add({.name = "dev/null", .mode = 020666, .rdev_major = 1, .rdev_minor = 3});
    w.add({.name = "a", .data = "", .ino = 5, .nlink = 2});
    w.add({.name = "b", .data = "linked", .ino = 5, .nlink = 2});
    return w.trailer().bytes();
}

TEST_F(GuestFsCpioHostile, EmptyGarbageAndTruncatedHeaders) {
    expect_refused("", "empty", 0);
    expect_refused("hello, world", "truncated header", 0);
    expect_refused(std::string(200, '\0'), "bad magic", 0);
    expect_refused("070707" + std::string(104, '0') + "x", "bad magic", 0);  // odc
    const std::string valid = valid_archive();
    expect_refused(valid.substr(0, 109), "truncated header", 0);
    CpioWriter w;
    w.file("f", "data");  // no trailer
    expect_refused(w.bytes(), "no trailer", w.bytes().size());
}

TEST_F(GuestFsCpioHostile, BadHexFields) {
    for (size_t field = 0; field < 13; ++field) {
        std::string bytes = valid_archive();
        for (const char bad : {'g', ' ', '-', '\0', 'x'}) {
            bytes[6 + 8 * field + 3] = bad;
            expect_refused(bytes, "not 8 hex digits", 0);
        }
    }
}

TEST_F(GuestFsCpioHostile, HostileNames) {
    expect_refused(CpioWriter().add({.name = "x", .namesize = 0}).trailer().bytes(),
                   "c_namesize is 0", 0);
    expect_refused(CpioWriter().add({.name = "x", .namesize = 0xffffffff}).trailer().bytes(),
                   "over 4095", 0);
    expect_refused(CpioWriter().add({.name = std::string(4096, 'n')}).trailer().bytes(),
                   "over 4095", 0);
    expect_refused(CpioWriter().add({.name = "x", .namesize = 4000}).bytes(), "runs past the end",
                   0);
    expect_refused(CpioWriter().add({.name = "abc", .namesize = 3}).trailer().bytes(),
                   "not NUL-terminated", 0);
    expect_refused(CpioWriter().add({.name = std::string("a\0b", 3)}).trailer().bytes(),
                   "NUL byte inside", 0);
    for (const char* name : {"../etc/passwd", "a/../b", "a/./b", "a//b", "a/", "..", "x/.."}) {
        expect_refused(CpioWriter().file("ok", "").file(name, "x").trailer().bytes(), "component",
                       116);
    }
    expect_refused(CpioWriter().file(".", "x").trailer().bytes(), "not a directory", 0);
    expect_refused(CpioWriter().file("/", "x").trailer().bytes(), "not a directory", 0);
}

TEST_F(GuestFsCpioHostile, HostileSizesAndData) {
    expect_refused(CpioWriter().add({.name = "f", .filesize = 0xffffffff}).trailer().bytes(),
                   "data runs past the end", 0);
    CpioWriter past;
    past.add({.name = "f", .data = "abcd", .filesize = 5});
    expect_refused(past.bytes(), "data runs past the end", 0);
    expect_refused(CpioWriter().add({.name = "d", .mode = 040755, .data = "x"}).trailer().bytes(),
                   "takes none", 0);
    expect_refused(CpioWriter().add({.name = "c", .mode = 020600, .data = "x"}).trailer().bytes(),
                   "takes none", 0);
    expect_refused(CpioWriter().symlink("l", "").trailer().bytes(), "empty target", 0);
    expect_refused(CpioWriter().symlink("l", std::string("a\0b", 3)).trailer().bytes(),
                   "NUL byte in a symlink", 0);
    expect_refused(CpioWriter().symlink("l", std::string(4096, 't')).trailer().bytes(), "over 4095",
                   0);
    expect_refused(CpioWriter().add({.name = "TRAILER!!!", .mode = 0, .data = "x"}).bytes(),
                   "trailer carries data", 0);
}

TEST_F(GuestFsCpioHostile, HostileModesAndChecksums) {
    expect_refused(CpioWriter().add({.name = "f", .mode = 0170644}).trailer().bytes(),
                   "unsupported file type", 0);
    expect_refused(CpioWriter().add({.name = "f", .mode = 0}).trailer().bytes(),
                   "unsupported file type", 0);
    expect_refused(CpioWriter().add({.name = "f", .mode = 0777777}).trailer().bytes(),
                   "above 0177777", 0);
    CpioWriter crc;
    crc.add({.name = "f", .data = "ab", .magic = "070702", .check = 'a' + 'b'}).trailer();
    EXPECT_EQ(unpack(crc.bytes()), 0);
    EXPECT_EQ(get("f"), "ab");
    expect_refused(
        CpioWriter().add({.name = "g", .data = "ab", .magic = "070702", .check = 1}).bytes(),
        "c_check", 0);
}

TEST_F(GuestFsCpioHostile, PaddingAndWhatFollowsTheTrailer) {
    std::string bytes = CpioWriter().file("ab", "x").trailer().bytes();
    bytes[110 + 3] = 'P';  // padding after the name "ab\0" (header + 3 bytes -> 4-aligned)
    expect_refused(bytes, "padding after the name", 0);
    bytes = CpioWriter().file("abc", "x").trailer().bytes();
    bytes[117] = 'P';  // padding after the 1-byte data at 116 ("abc\0" ends at 114)
    expect_refused(bytes, "padding after the data", 0);
    const std::string good = CpioWriter().file("f", "x").trailer().bytes();
    expect_refused(good + "junk", "after the trailer", good.size());
    expect_refused(good + std::string(3, '\0') + "x", "after the trailer", good.size() + 3);
    const std::string second = CpioWriter().file("g", "y").trailer().bytes();
    expect_refused(good + std::string(1, '\0') + second, "after the trailer",
                   good.size() + 1);  // misaligned
    EXPECT_EQ(unpack(good + std::string(4, '\0') + second + std::string(9, '\0')), 0);
    EXPECT_EQ(get("g"), "y");
    // The trailer's own padding may be cut off at the end of the input.
    const std::string cut = CpioWriter().trailer().bytes();
    fs::CpioReader reader;
    EXPECT_EQ(parse_all(cut.substr(0, 110 + 11), &reader), 0);
}

TEST_F(GuestFsCpioHostile, EveryPrefixOfAValidArchive) {
    const std::string valid = valid_archive();
    const size_t trailer_end = valid.rfind("TRAILER!!!") + 11;
    for (size_t len = 0; len < valid.size(); ++len) {
        fs::CpioReader reader;
        const int n = parse_all(valid.substr(0, len), &reader);
        if (len >= trailer_end) {
            EXPECT_EQ(n, 0) << len;
        } else {
            EXPECT_EQ(n, -EINVAL) << len;
            EXPECT_NE(reader.error, nullptr);
            EXPECT_LE(reader.error_offset, len);
        }
        if (len % 17 == 0 && len < trailer_end) {
            expect_refused(valid.substr(0, len), "cpio: ");
        }
    }
}

TEST_F(GuestFsCpioHostile, RandomMutationsNeverCrash) {
    const std::string valid = valid_archive();
    std::mt19937 rng(12345);
    int refused = 0;
    int unpacked = 0;
    for (int round = 0; round < 1500; ++round) {
        std::string bytes = valid;
        const int edits = 1 + int(rng() % 6);
        for (int e = 0; e < edits; ++e) {
            const size_t at = rng() % bytes.size();
            switch (rng() % 4) {
                case 0:
                    bytes[at] = char(rng());
                    break;
                case 1:
                    bytes[at] = "0123456789abcdefF"[rng() % 17];
                    break;
                case 2:
                    bytes[at] = '\0';
                    break;
                default:
                    bytes.resize(at);
                    break;
            }
            if (bytes.empty()) break;
        }
        // A fresh tree each round, torn down after (leaks show in TearDown's counts).
        fs::Inode* root = fs::ramfs_create(0755);
        ASSERT_NE(root, nullptr);
        fs::vfs_set_root(root);
        auto copy = exact(bytes);
        fs::CpioStats stats{};
        const int err = fs::cpio_unpack(root, copy.get(), bytes.size(), &stats);
        ASSERT_TRUE(err == 0 || err == -EINVAL) << round << ": " << err;
        (err == 0 ? unpacked : refused)++;
        fs::vfs_set_root(root_);
        fs::ramfs_teardown(root);
    }
    EXPECT_GT(refused, 0);
    EXPECT_GT(unpacked, 0);
}

}  // namespace
}  // namespace guest_fs_test
