// parse_cpio on archives built byte by byte: what it accepts and what each entry says.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "boot/cpio.hpp"
#include "cpio_builder.hpp"

namespace domus {
namespace {

using namespace test;
using ::testing::HasSubstr;

// The entries point into `a`: keep it alive while they are used.
std::vector<CpioEntry> parse_ok(const std::string& a) {
    auto r = parse_cpio(bytes_of(a));
    EXPECT_TRUE(r.ok()) << r.error().message;
    return r.ok() ? std::move(r.value()) : std::vector<CpioEntry>{};
}

std::string text(std::span<const uint8_t> data) {
    return {reinterpret_cast<const char*>(data.data()), data.size()};
}

TEST(CpioParse, EveryFileTypeAndField) {
    NewcEntry chr;
    chr.name = "dev/console";
    chr.mode = 020600;
    chr.rdev_major = 5;
    chr.rdev_minor = 1;
    NewcEntry blk = chr;
    blk.name = "dev/vda";
    blk.mode = 060660;
    NewcEntry fifo = chr;
    fifo.name = "run/fifo";
    fifo.mode = 010644;
    NewcEntry sock = chr;
    sock.name = "run/sock";
    sock.mode = 0140755;
    NewcEntry init = file("init", "#!/bin/sh\necho hi\n", 0100755);
    init.uid = 1000;
    init.gid = 100;
    init.mtime = 0x65432100;
    init.ino = 0xabcdef01;
    init.dev_major = 8;
    init.dev_minor = 3;
    const std::string a = archive({dir("."), dir("dev"), chr, blk, dir("run"), fifo, sock, init,
                                   symlink("bin/sh", "busybox")});
    const auto e = parse_ok(a);
    ASSERT_EQ(e.size(), 9u);
    EXPECT_EQ(e[0].name, ".");
    EXPECT_EQ(e[0].type, CpioType::directory);
    EXPECT_EQ(e[2].name, "dev/console");
    EXPECT_EQ(e[2].type, CpioType::char_device);
    EXPECT_EQ(e[2].rdev_major, 5u);
    EXPECT_EQ(e[2].rdev_minor, 1u);
    EXPECT_EQ(e[2].permissions(), 0600u);
    EXPECT_EQ(e[3].type, CpioType::block_device);
    EXPECT_EQ(e[5].type, CpioType::fifo);
    EXPECT_EQ(e[6].type, CpioType::socket);
    const CpioEntry& f = e[7];
    EXPECT_EQ(f.name, "init");
    EXPECT_EQ(f.type, CpioType::regular);
    EXPECT_EQ(f.mode, 0100755u);
    EXPECT_EQ(f.uid, 1000u);
    EXPECT_EQ(f.gid, 100u);
    EXPECT_EQ(f.mtime, 0x65432100u);
    EXPECT_EQ(f.ino, 0xabcdef01u);
    EXPECT_EQ(f.dev_major, 8u);
    EXPECT_EQ(f.dev_minor, 3u);
    EXPECT_EQ(f.nlink, 1u);
    EXPECT_EQ(text(f.data), "#!/bin/sh\necho hi\n");
    EXPECT_EQ(f.data.data(), bytes_of(a).data() + f.data_offset);  // a view into the input
    EXPECT_EQ(f.data_offset % 4, 0u);
    EXPECT_EQ(f.header_offset % 4, 0u);
    EXPECT_EQ(e[8].type, CpioType::symlink);
    EXPECT_EQ(text(e[8].data), "busybox");
}

TEST(CpioParse, OnlyATrailerIsAnEmptyArchive) {
    EXPECT_TRUE(parse_ok(archive({})).empty());
}

TEST(CpioParse, NamesAreNormalised) {
    const auto e = parse_ok(archive({dir("./"), dir("/"), dir("./etc"), file("/etc/a", "x"),
                                     file(".//etc/b", ""), file("././c", "")}));
    ASSERT_EQ(e.size(), 6u);
    EXPECT_EQ(e[0].name, ".");
    EXPECT_EQ(e[1].name, ".");
    EXPECT_EQ(e[2].name, "etc");
    EXPECT_EQ(e[3].name, "etc/a");
    EXPECT_EQ(e[4].name, "etc/b");
    EXPECT_EQ(e[5].name, "c");
}

TEST(CpioParse, HexDigitsInEitherCase) {
    std::string a = archive({file("f", std::string(0xab, 'z'))});
    EXPECT_EQ(parse_ok(a)[0].data.size(), 0xabu);
    // c_filesize is the 7th field: offset 6 + 6 * 8; the builder writes upper case.
    ASSERT_EQ(a.substr(54, 8), "000000AB");
    a.replace(54, 8, "000000ab");
    EXPECT_EQ(parse_ok(a)[0].data.size(), 0xabu);
}

TEST(CpioParse, CrcFormatChecksumIsVerifiedForRegularFiles) {
    NewcEntry f = file("f", "hello\n");
    f.magic = "070702";
    NewcEntry l = symlink("l", "f");
    l.magic = "070702";
    l.check = 0;  // GNU cpio does not sum symlinks
    NewcEntry t = trailer();
    t.magic = "070702";
    std::string a;
    append_entry(a, f);
    append_entry(a, l);
    append_entry(a, t);
    const auto e = parse_ok(a);
    ASSERT_EQ(e.size(), 2u);
    EXPECT_EQ(text(e[0].data), "hello\n");
}

TEST(CpioParse, HardLinksShareAnInode) {
    // GNU cpio writes the data once, with the last link.
    NewcEntry a = file("a", "");
    NewcEntry b = file("b", "shared");
    a.nlink = b.nlink = 2;
    a.ino = b.ino = 77;
    const std::string bytes = archive({a, b});  // the entries' data points into it
    const auto e = parse_ok(bytes);
    ASSERT_EQ(e.size(), 2u);
    EXPECT_EQ(e[0].ino, e[1].ino);
    EXPECT_EQ(e[0].nlink, 2u);
    EXPECT_TRUE(e[0].data.empty());
    EXPECT_EQ(text(e[1].data), "shared");
}

TEST(CpioParse, ZeroPaddingAfterTheTrailer) {
    std::string a = archive({file("f", "x")});
    a += std::string(512 - a.size() % 512, '\0');  // cpio pads to 512-byte blocks
    EXPECT_EQ(parse_ok(a).size(), 1u);
}

TEST(CpioParse, TheTrailerMayLoseItsPaddingAtTheEnd) {
    std::string a = archive({file("f", "x")});
    ASSERT_EQ(a.substr(a.size() - 3), std::string("\0\0\0", 3));  // 110 + 11 -> 124
    a.resize(a.size() - 2);                                       // keep its NUL
    EXPECT_EQ(parse_ok(a).size(), 1u);
}

TEST(CpioParse, ConcatenatedArchivesAreRead) {
    std::string a = archive({file("a", "1")});
    a += std::string(8, '\0');
    a += archive({file("b", "22"), file("a", "333")});
    const auto e = parse_ok(a);
    ASSERT_EQ(e.size(), 3u);
    EXPECT_EQ(e[1].name, "b");
    EXPECT_EQ(e[2].name, "a");  // a later entry of the same name: the unpacker's call
    EXPECT_EQ(text(e[2].data), "333");
}

TEST(CpioParse, LongestNameAndSymlinkTarget) {
    const std::string name(kCpioMaxNameBytes, 'n');
    const std::string target(kCpioMaxSymlinkBytes, 't');
    const std::string bytes = archive({file(name, "x"), symlink("l", target)});
    const auto e = parse_ok(bytes);
    ASSERT_EQ(e.size(), 2u);
    EXPECT_EQ(e[0].name, name);
    EXPECT_EQ(e[1].data.size(), target.size());
}

TEST(CpioParse, EntryLimit) {
    std::vector<NewcEntry> many(10, file("f", ""));
    CpioLimits limits;
    limits.max_entries = 10;
    const std::string a = archive(many);
    EXPECT_TRUE(parse_cpio(bytes_of(a), limits).ok());
    limits.max_entries = 9;
    auto r = parse_cpio(bytes_of(a), limits);
    ASSERT_FALSE(r.ok());
    EXPECT_THAT(r.error().message, HasSubstr("more than 9 entries"));
}

TEST(CpioParse, LooksLikeCpio) {
    EXPECT_TRUE(looks_like_cpio(bytes_of("070701")));
    EXPECT_TRUE(looks_like_cpio(bytes_of("070702xyz")));
    EXPECT_FALSE(looks_like_cpio(bytes_of("070707")));  // odc: not supported
    EXPECT_FALSE(looks_like_cpio(bytes_of("07070")));
    EXPECT_FALSE(looks_like_cpio(bytes_of("")));
}

TEST(CpioParse, EscapeForMessage) {
    EXPECT_EQ(escape_for_message("a\"b\\c"), "\"a\\\"b\\\\c\"");
    EXPECT_EQ(escape_for_message(std::string("\x01\xff", 2)), "\"\\x01\\xff\"");
    const std::string long_one = escape_for_message(std::string(200, 'x'));
    EXPECT_EQ(long_one, "\"" + std::string(64, 'x') + "\"...");
}

}  // namespace
}  // namespace domus
