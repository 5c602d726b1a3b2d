// parse_cpio on hostile archives: each case breaks one rule, and the message names the problem,
// the entry and the byte offset.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "boot/cpio.hpp"
#include "cpio_builder.hpp"

namespace domus {
namespace {

using namespace test;
using ::testing::HasSubstr;

std::string error_of(const std::string& a) {
    auto r = parse_cpio(bytes_of(a));
    EXPECT_FALSE(r.ok()) << "accepted: " << a.size() << " bytes";
    if (r.ok()) return {};
    EXPECT_EQ(r.error().code, Errc::bad_image);
    for (char c : r.error().message) {
        EXPECT_TRUE(c >= 0x20 && c < 0x7f) << "unprintable byte in: " << r.error().message;
    }
    return r.error().message;
}

// The first entry is at byte 0, the second after a 1-byte file "a": 110 + 2 + 1 + 3 = 116.
constexpr size_t kSecond = 116;
std::string after_a(const NewcEntry& e) {
    return archive({file("a", "x"), e});
}

TEST(CpioHostile, EmptyInput) {
    EXPECT_EQ(error_of(""), "cpio: the archive is empty");
}

TEST(CpioHostile, TruncatedHeader) {
    const std::string a = archive({file("init", "x")});
    EXPECT_THAT(error_of(a.substr(0, 60)),
                HasSubstr("header at byte 0: truncated: a header needs 110 bytes, 60 remain"));
    const std::string two = after_a(file("b", "y"));
    EXPECT_THAT(error_of(two.substr(0, kSecond + 109)),
                HasSubstr("header at byte 116: truncated: a header needs 110 bytes, 109 remain"));
}

TEST(CpioHostile, BadMagic) {
    NewcEntry e = file("b", "y");
    e.magic = "070707";  // the old portable format
    EXPECT_THAT(error_of(after_a(e)),
                HasSubstr("header at byte 116: bad magic \"070707\" (expected \"070701\""));
    EXPECT_THAT(error_of(std::string("\x7f"
                                     "ELF",
                                     4) +
                         std::string(200, '\0')),
                HasSubstr("bad magic \"\\x7fELF\\x00\\x00\""));
}

TEST(CpioHostile, NonHexField) {
    std::string a = after_a(file("b", "y"));
    a[kSecond + 6 + 8 + 3] = 'g';  // inside c_mode
    EXPECT_THAT(error_of(a), HasSubstr("header at byte 116: field c_mode \"000g81A4\" at byte 130 "
                                       "is not 8 hex digits"));
    a = archive({file("b", "y")});
    a[6 + 12 * 8] = ' ';  // c_check
    EXPECT_THAT(error_of(a), HasSubstr("field c_check"));
    a = archive({file("b", "y")});
    a[6 + 6 * 8 + 7] = '\0';  // c_filesize: a NUL is not a digit either
    EXPECT_THAT(error_of(a), HasSubstr("field c_filesize \"0000000\\x00\""));
}

TEST(CpioHostile, NamesizeZero) {
    NewcEntry e = file("b", "y");
    e.namesize = 0;
    EXPECT_THAT(error_of(after_a(e)),
                HasSubstr("header at byte 116: c_namesize is 0 (a name needs at least its NUL)"));
}

TEST(CpioHostile, NameNotNulTerminated) {
    NewcEntry e = file("bin", "y");
    e.namesize = 3;  // the NUL is at 3, outside the name
    EXPECT_THAT(error_of(after_a(e)),
                HasSubstr("entry \"bi\" (header at byte 116): the name is not NUL-terminated at "
                          "c_namesize - 1 (byte 228)"));
}

TEST(CpioHostile, NulInsideTheName) {
    NewcEntry e = file(std::string("ab\0cd", 5), "y");
    EXPECT_THAT(
        error_of(after_a(e)),
        HasSubstr("entry \"ab\" (header at byte 116): the name has a NUL byte at byte 228"));
}

TEST(CpioHostile, NameRunsPastTheEnd) {
    NewcEntry e = file("b", "");
    e.namesize = 4000;
    EXPECT_THAT(error_of(after_a(e)), HasSubstr("header at byte 116: the name of 4000 bytes (with "
                                                "its NUL) runs past the end of the input"));
}

TEST(CpioHostile, NameTooLong) {
    EXPECT_THAT(error_of(archive({file(std::string(4096, 'n'), "")})),
                HasSubstr("header at byte 0: the name of 4096 bytes is longer than 4095"));
    NewcEntry e = file("b", "");
    e.namesize = 0xffffffff;
    EXPECT_THAT(error_of(archive({e})), HasSubstr("the name of 4294967294 bytes is longer"));
}

TEST(CpioHostile, FilesizePastTheEnd) {
    NewcEntry e = file("b", "short");
    e.filesize = 1000;  // past the trailer that follows, and the end
    EXPECT_THAT(error_of(after_a(e)),
                HasSubstr("entry \"b\" (header at byte 116): the data of 1000 bytes at byte 228 "
                          "runs past the end of the input (360 bytes)"));
    e.filesize = 100;  // swallows the trailer: then no trailer is left
    EXPECT_THAT(error_of(after_a(e)), HasSubstr("header at byte 328: truncated"));
}

TEST(CpioHostile, HugeFilesizeDoesNotWrap) {
    NewcEntry e = file("b", "abc");
    e.filesize = 0xffffffff;
    EXPECT_THAT(error_of(after_a(e)), HasSubstr("the data of 4294967295 bytes at byte 228 runs "
                                                "past the end"));
    e.filesize = 0xfffffffd;  // + the 228 before it stays far from 2^64: still refused
    EXPECT_THAT(error_of(after_a(e)), HasSubstr("runs past the end"));
}

TEST(CpioHostile, MissingTrailer) {
    EXPECT_THAT(error_of(archive({file("a", "x"), dir("d")}, false)),
                HasSubstr("header at byte 228: truncated: a header needs 110 bytes, 0 remain (no "
                          "TRAILER!!!?)"));
    // The last entry's padding is cut off as well.
    std::string a = archive({file("a", "xy")}, false);
    a.resize(a.size() - 1);
    EXPECT_THAT(error_of(a), HasSubstr("truncated: the input ends at byte 115 inside the entry's "
                                       "padding (no TRAILER!!!)"));
}

TEST(CpioHostile, GarbageAfterTheTrailer) {
    std::string a = archive({file("a", "x")});
    const size_t end = a.size();
    EXPECT_THAT(error_of(a + "garbage"),
                HasSubstr("cpio: at byte " + std::to_string(end) +
                          ": unexpected byte 0x67 after the trailer (only zero padding or "
                          "another newc archive may follow)"));
    EXPECT_THAT(error_of(a + std::string(9, '\0') + "x"),
                HasSubstr("at byte " + std::to_string(end + 9) + ": unexpected byte 0x78"));
    EXPECT_THAT(error_of(a + std::string("\x1f\x8b\x08\x00", 4)),
                HasSubstr("gzip data follows the archive"));
    // Another archive, but not on a 4-byte boundary.
    EXPECT_THAT(error_of(a + std::string(1, '\0') + archive({})),
                HasSubstr("another archive starts at a byte offset that is not a multiple of 4"));
    // Another archive that is itself broken.
    std::string second = archive({file("b", "y")});
    second[6] = 'x';
    EXPECT_THAT(error_of(a + second),
                HasSubstr("header at byte " + std::to_string(end) + ": field c_ino"));
}

TEST(CpioHostile, BadChecksumFor070702) {
    NewcEntry e = file("etc/passwd", "root:x:0:0::/root:/bin/sh\n");
    e.magic = "070702";
    e.check = byte_sum(e.data) + 1;
    EXPECT_THAT(error_of(after_a(e)),
                HasSubstr("entry \"etc/passwd\" (header at byte 116): c_check 0x868 does not "
                          "match the byte sum 0x867 of its 26 bytes"));
    // 070701 ignores the field, as Linux does.
    e.magic = "070701";
    EXPECT_TRUE(parse_cpio(bytes_of(after_a(e))).ok());
}

TEST(CpioHostile, DotDotAndEmptyComponents) {
    for (const char* name : {"..", "../etc/passwd", "a/../../b", "./..", "/a/.."}) {
        EXPECT_THAT(error_of(archive({file(name, "x")})),
                    HasSubstr("the name has a \"..\" component"))
            << name;
    }
    for (const char* name : {"a//b", "a/", "a/b/"}) {
        EXPECT_THAT(error_of(archive({file(name, "x")})), HasSubstr("an empty component")) << name;
    }
    EXPECT_THAT(error_of(archive({file("a/./b", "x")})), HasSubstr("a \".\" component"));
}

TEST(CpioHostile, RootMustBeADirectory) {
    EXPECT_THAT(error_of(archive({file(".", "x")})),
                HasSubstr("the root \".\" must be a directory, not a regular file"));
    EXPECT_THAT(error_of(archive({symlink("/", "x")})), HasSubstr("not a symlink"));
}

TEST(CpioHostile, UnsupportedFileType) {
    NewcEntry e = file("weird", "");
    e.mode = 0;  // no type bits at all
    EXPECT_THAT(error_of(after_a(e)),
                HasSubstr("entry \"weird\" (header at byte 116): unsupported file type 00 in "
                          "c_mode 00"));
    e.mode = 0170644;
    EXPECT_THAT(error_of(after_a(e)), HasSubstr("unsupported file type 0170000"));
    e.mode = 0030644;
    EXPECT_THAT(error_of(after_a(e)), HasSubstr("unsupported file type 030000"));
    e.mode = 0x10081a4;  // bits above st_mode
    EXPECT_THAT(error_of(after_a(e)), HasSubstr("has bits above 0177777"));
}

TEST(CpioHostile, SymlinkTargets) {
    EXPECT_THAT(error_of(archive({symlink("l", "")})),
                HasSubstr("the symlink has an empty target"));
    EXPECT_THAT(error_of(archive({symlink("l", std::string(4096, 't'))})),
                HasSubstr("the symlink target of 4096 bytes is longer than 4095"));
    EXPECT_THAT(error_of(archive({symlink("l", std::string("a\0b", 3))})),
                HasSubstr("the symlink target contains a NUL byte"));
}

TEST(CpioHostile, DataWhereThereShouldBeNone) {
    NewcEntry d = dir("d");
    d.data = "oops";
    EXPECT_THAT(error_of(archive({d})), HasSubstr("a directory with 4 bytes of data"));
    NewcEntry f = file("p", "z");
    f.mode = 010644;
    EXPECT_THAT(error_of(archive({f})), HasSubstr("a fifo with 1 bytes of data"));
    NewcEntry t = trailer();
    t.data = "tail";
    EXPECT_THAT(
        error_of(archive({file("a", "x"), t}, false)),
        HasSubstr("entry \"TRAILER!!!\" (header at byte 116): the trailer carries 4 bytes"));
}

TEST(CpioHostile, NonZeroPadding) {
    std::string a = archive({file("ab", "x")});  // name ends at 113: pad 113..115
    a[113] = 'P';
    EXPECT_THAT(error_of(a),
                HasSubstr("entry \"ab\" (header at byte 0): padding after the name at byte 113 is "
                          "0x50, not zero"));
    a = archive({file("ab", "x")});  // data at 116, padding 117..119
    a[118] = '\x01';
    EXPECT_THAT(error_of(a), HasSubstr("padding after the data at byte 118 is 0x1, not zero"));
}

TEST(CpioHostile, HostileNamesAreEscapedAndCut) {
    NewcEntry e = file("\x1b[31m" + std::string(300, 'A') + "/../x", "");
    const std::string msg = error_of(archive({e}));
    EXPECT_THAT(msg, HasSubstr("cpio: entry \"\\x1b[31mAAAA"));
    EXPECT_THAT(msg, HasSubstr("AAAA\"... (header at byte 0): the name has a \"..\" component"));
    EXPECT_LT(msg.size(), 200u);
}

TEST(CpioHostile, EveryTruncationIsRefusedWithoutReadingPastTheEnd) {
    NewcEntry crc = file("c", "checked");
    crc.magic = "070702";
    const std::string a =
        archive({dir("."), file("init", "#!/bin/sh\n"), symlink("sh", "busybox"), crc});
    for (size_t n = 0; n + 3 < a.size(); ++n) {
        // Each prefix lives in a buffer of its own size, so ASan sees any read beyond it.
        const std::vector<uint8_t> prefix(a.begin(), a.begin() + static_cast<long>(n));
        EXPECT_FALSE(parse_cpio(prefix).ok()) << "prefix of " << n << " bytes";
    }
}

TEST(CpioHostile, EveryFlippedByteIsRefusedOrStillValid) {
    const std::string a = archive({dir("etc"), file("etc/hostname", "domus\n"), symlink("l", "x")});
    for (size_t i = 0; i < a.size(); ++i) {
        for (uint8_t v : {0x00, 0x2f, 0x30, 0x39, 0x46, 0x7f, 0xff}) {
            std::vector<uint8_t> b(a.begin(), a.end());
            b[i] = v;
            auto r = parse_cpio(b);
            if (!r.ok()) continue;
            for (const auto& e : *r) {
                EXPECT_GE(e.data.data(), b.data());
                EXPECT_LE(e.data.data() + e.data.size(), b.data() + b.size());
                EXPECT_EQ(e.name.find('\0'), std::string::npos);
            }
        }
    }
}

}  // namespace
}  // namespace domus
