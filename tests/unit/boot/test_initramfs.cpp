// gunzip, decode_initramfs / load_initramfs and place_initramfs: compressed and uncompressed
// archives, hostile gzip streams (truncated, corrupt, bombs), files and placement in RAM.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>

#include "boot/gunzip.hpp"
#include "boot/initramfs.hpp"
#include "cpio_builder.hpp"
#include "domus/abi/boot_info.h"
#include "gzip_member.hpp"

namespace domus {
namespace {

using namespace test;
using ::testing::HasSubstr;

std::string as_string(const std::vector<uint8_t>& v) {
    return {v.begin(), v.end()};
}

std::string decode_error(const std::string& file, uint64_t max = 1 << 20) {
    auto r = decode_initramfs(vec(file), max, "the test's limit");
    EXPECT_FALSE(r.ok());
    return r.ok() ? std::string() : r.error().message;
}

const std::string kArchive =
    archive({dir("."), dir("bin"), file("bin/busybox", std::string(3000, 'B'), 0100755),
             symlink("bin/sh", "busybox"), file("init", "#!/bin/sh\nexec /bin/sh\n", 0100755)});

TEST(Gunzip, OneMember) {
    auto r = gunzip(bytes_of(gzip("hello, world")), 100);
    ASSERT_TRUE(r.ok()) << r.error().message;
    EXPECT_EQ(as_string(*r), "hello, world");
}

TEST(Gunzip, ConcatenatedMembersAndZeroPadding) {
    const std::string z = gzip("first ") + gzip("") + gzip("second", 9) + std::string(100, '\0');
    auto r = gunzip(bytes_of(z), 100);
    ASSERT_TRUE(r.ok()) << r.error().message;
    EXPECT_EQ(as_string(*r), "first second");
}

TEST(Gunzip, ExactlyTheLimitIsAccepted) {
    const std::string data(100000, 'q');
    auto r = gunzip(bytes_of(gzip(data)), data.size());
    ASSERT_TRUE(r.ok()) << r.error().message;
    EXPECT_EQ(r->size(), data.size());
    r = gunzip(bytes_of(gzip(data)), data.size() - 1);
    ASSERT_FALSE(r.ok());
    EXPECT_THAT(r.error().message, HasSubstr("decompresses to more than 99999 bytes"));
}

TEST(Gunzip, Truncated) {
    const std::string z = gzip(std::string(5000, 'x') + "tail");
    for (size_t n : {size_t{2}, size_t{10}, z.size() / 2, z.size() - 1}) {
        auto r = gunzip(bytes_of(z.substr(0, n)), 1 << 20);
        ASSERT_FALSE(r.ok()) << n;
        EXPECT_THAT(r.error().message, HasSubstr("truncated: the input ends inside gzip member 1"))
            << n;
    }
}

TEST(Gunzip, BombIsRefusedAtTheCap) {
    const std::string bomb = gzip(std::string(64 << 20, '\0'), 9);  // 64 MiB in ~64 KiB
    ASSERT_LT(bomb.size(), 100u * 1024);
    auto r = gunzip(bytes_of(bomb), 1 << 20, "half of guest RAM");
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().code, Errc::bad_image);
    EXPECT_THAT(r.error().message, HasSubstr("the data decompresses to more than 1048576 bytes "
                                             "(half of guest RAM, 1 MiB)"));
}

TEST(Gunzip, CorruptData) {
    std::string z = gzip(std::string(1000, 'a') + "payload");
    z[z.size() - 6] ^= 0x55;  // inside the CRC32 trailer
    auto r = gunzip(bytes_of(z), 1 << 20);
    ASSERT_FALSE(r.ok());
    EXPECT_THAT(r.error().message, HasSubstr("corrupt data in member 1: incorrect data check"));

    // The magic, then garbage.
    r = gunzip(bytes_of(std::string("\x1f\x8b") + std::string(64, 'G')), 1 << 20);
    ASSERT_FALSE(r.ok());
    EXPECT_THAT(r.error().message, HasSubstr("corrupt data in member 1: unknown compression"));
    std::string header = gzip("x").substr(0, 10);
    r = gunzip(bytes_of(header + std::string(64, '\xff')), 1 << 20);
    ASSERT_FALSE(r.ok());
    EXPECT_THAT(r.error().message, HasSubstr("corrupt data in member 1"));
}

TEST(Gunzip, GarbageAfterAMember) {
    const std::string z = gzip("abc");
    auto r = gunzip(bytes_of(z + "junk"), 100);
    ASSERT_FALSE(r.ok());
    EXPECT_THAT(r.error().message, HasSubstr("gzip: at input byte " + std::to_string(z.size()) +
                                             ": unexpected data after gzip member 1"));
    r = gunzip(bytes_of(z + gzip("def") + std::string(3, '\0') + "\x1f"), 100);
    ASSERT_FALSE(r.ok());
    EXPECT_THAT(r.error().message, HasSubstr("after gzip member 2"));
}

TEST(Gunzip, NotGzip) {
    EXPECT_FALSE(gunzip(bytes_of("plain"), 100).ok());
    EXPECT_FALSE(looks_like_gzip(bytes_of("\x1f")));
    EXPECT_TRUE(looks_like_gzip(bytes_of("\x1f\x8b")));
}

TEST(DecodeInitramfs, UncompressedPassesThroughUnchanged) {
    auto r = decode_initramfs(vec(kArchive), 1 << 20);
    ASSERT_TRUE(r.ok()) << r.error().message;
    EXPECT_EQ(as_string(*r), kArchive);
}

TEST(DecodeInitramfs, GzipIsDecompressed) {
    auto r = decode_initramfs(vec(gzip(kArchive)), 1 << 20);
    ASSERT_TRUE(r.ok()) << r.error().message;
    EXPECT_EQ(as_string(*r), kArchive);
    // Two compressed archives one after the other: both, as Linux unpacks them.
    r = decode_initramfs(vec(gzip(kArchive) + gzip(archive({file("etc/motd", "hi")}))), 1 << 20);
    ASSERT_TRUE(r.ok()) << r.error().message;
    EXPECT_EQ(r->size(), kArchive.size() + archive({file("etc/motd", "hi")}).size());
}

TEST(DecodeInitramfs, BadArchiveInsideGoodGzip) {
    std::string bad = kArchive;
    bad[0] = '1';
    EXPECT_THAT(decode_error(gzip(bad)), HasSubstr("cpio: header at byte 0: bad magic"));
    EXPECT_THAT(
        decode_error(gzip("just some text")),
        HasSubstr("cpio: header at byte 0: truncated: a header needs 110 bytes, 14 remain"));
    EXPECT_THAT(decode_error(gzip(std::string(200, 'T'))), HasSubstr("bad magic \"TTTTTT\""));
    EXPECT_THAT(decode_error(gzip(kArchive.substr(0, 300))), HasSubstr("cpio: "));
}

TEST(DecodeInitramfs, SizeLimits) {
    EXPECT_THAT(decode_error(kArchive, 1000),
                HasSubstr("the archive of " + std::to_string(kArchive.size()) +
                          " bytes is larger than 1000 bytes (the test's limit)"));
    EXPECT_THAT(decode_error(gzip(kArchive), 1000),
                HasSubstr("decompresses to more than 1000 bytes (the test's limit"));
}

TEST(DecodeInitramfs, OtherFormatsAreNamed) {
    EXPECT_THAT(decode_error(std::string("\xfd"
                                         "7zXZ\0rest",
                                         10)),
                HasSubstr("the initramfs is xz-compressed; Domus takes a newc cpio archive, "
                          "uncompressed or gzip"));
    EXPECT_THAT(decode_error("BZh91AY&SY"), HasSubstr("bzip2-compressed"));
    EXPECT_THAT(decode_error(std::string("\x28\xb5\x2f\xfd", 4) + "x"), HasSubstr("zstd"));
    EXPECT_THAT(decode_error(std::string("\x02\x21\x4c\x18", 4)), HasSubstr("lz4"));
    EXPECT_THAT(decode_error(std::string("\x89LZO", 4)), HasSubstr("lzo"));
    EXPECT_THAT(decode_error(std::string("\x5d\0\0\x80", 4)), HasSubstr("lzma"));
    EXPECT_THAT(decode_error("\x7f"
                             "ELF\x02\x01\x01"),
                HasSubstr("not a newc cpio archive or gzip data (it starts with 7f 45 4c 46 02 "
                          "01; expected \"070701\")"));
    EXPECT_THAT(decode_error("070707" + std::string(200, '0')),
                HasSubstr("bad magic \"070707\" (expected \"070701\" or \"070702\": a newc cpio "
                          "archive; this is the old odc format: use -H newc)"));
}

class InitramfsFile : public ::testing::Test {
  protected:
    void SetUp() override {
        char tmpl[] = "/tmp/domus-initramfs-test-XXXXXX";
        ASSERT_NE(::mkdtemp(tmpl), nullptr);
        dir_ = tmpl;
    }
    void TearDown() override {
        const std::string cmd = "rm -rf '" + dir_ + "'";
        EXPECT_EQ(std::system(cmd.c_str()), 0);
    }
    std::string write(const std::string& name, const std::string& content) {
        const std::string path = dir_ + "/" + name;
        std::ofstream(path, std::ios::binary) << content;
        return path;
    }
    std::string dir_;
};

TEST_F(InitramfsFile, LoadsCompressedAndUncompressed) {
    auto r = load_initramfs(write("rd.cpio", kArchive), 1 << 20);
    ASSERT_TRUE(r.ok()) << r.error().message;
    EXPECT_EQ(as_string(*r), kArchive);
    r = load_initramfs(write("rd.cpio.gz", gzip(kArchive)), 1 << 20);
    ASSERT_TRUE(r.ok()) << r.error().message;
    EXPECT_EQ(as_string(*r), kArchive);
}

TEST_F(InitramfsFile, ErrorsNameThePath) {
    const std::string missing = dir_ + "/nope.cpio";
    auto r = load_initramfs(missing, 1 << 20);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().code, Errc::not_found);
    EXPECT_THAT(r.error().message, HasSubstr("ramdisk: cannot open '" + missing + "'"));

    r = load_initramfs(dir_, 1 << 20);
    ASSERT_FALSE(r.ok());
    EXPECT_THAT(r.error().message, HasSubstr("is a directory"));

    r = load_initramfs(write("empty", ""), 1 << 20);
    ASSERT_FALSE(r.ok());
    EXPECT_THAT(r.error().message, HasSubstr("empty"));

    const std::string big = write("big.cpio", kArchive);
    r = load_initramfs(big, 1000, "half of the guest's 4 MiB");
    ASSERT_FALSE(r.ok());
    EXPECT_THAT(r.error().message, HasSubstr("larger than the limit of 1000 bytes (half of the "
                                             "guest's 4 MiB)"));

    std::string bad = kArchive;
    bad[kArchive.size() - 20] = 'X';  // inside the trailer's name
    const std::string corrupt = write("bad.cpio", bad);
    r = load_initramfs(corrupt, 1 << 20);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().code, Errc::bad_image);
    EXPECT_THAT(r.error().message, HasSubstr("ramdisk '" + corrupt + "': cpio: "));

    const std::string truncated = write("t.cpio.gz", gzip(kArchive).substr(0, 40));
    r = load_initramfs(truncated, 1 << 20);
    ASSERT_FALSE(r.ok());
    EXPECT_THAT(r.error().message, HasSubstr("ramdisk '" + truncated + "': gzip: "));
    EXPECT_THAT(r.error().message, HasSubstr("truncated"));
}

TEST_F(InitramfsFile, UnreadableFile) {
    if (::geteuid() == 0) GTEST_SKIP() << "root reads any file";
    const std::string path = write("secret.cpio", kArchive);
    ASSERT_EQ(::chmod(path.c_str(), 0), 0);
    auto r = load_initramfs(path, 1 << 20);
    ASSERT_FALSE(r.ok());
    EXPECT_THAT(r.error().message, HasSubstr(path));
    EXPECT_THAT(r.error().message, HasSubstr("Permission denied"));
}

constexpr uint64_t kMiB = 1ull << 20;

TEST(PlaceInitramfs, HighestPageAlignedAddress) {
    EXPECT_EQ(place_initramfs(64 * kMiB, 4096, kMiB, 2 * kMiB).value(), 64 * kMiB - 4096);
    EXPECT_EQ(place_initramfs(64 * kMiB, 4097, kMiB, 2 * kMiB).value(), 64 * kMiB - 8192);
    EXPECT_EQ(place_initramfs(64 * kMiB, 124, kMiB, 2 * kMiB).value(), 64 * kMiB - 4096);
    EXPECT_EQ(place_initramfs(64 * kMiB, 32 * kMiB, kMiB, 2 * kMiB).value(), 32 * kMiB);
}

TEST(PlaceInitramfs, Refusals) {
    auto r = place_initramfs(64 * kMiB, 32 * kMiB + 1, kMiB, 2 * kMiB);
    ASSERT_FALSE(r.ok());
    EXPECT_THAT(
        r.error().message,
        HasSubstr("the ramdisk of 33554433 bytes (32 MiB) takes more than half of the "
                  "67108864 bytes (64 MiB) of guest RAM (at most 33554432 bytes (32 MiB))"));
    EXPECT_FALSE(place_initramfs(64 * kMiB, 0, kMiB, 2 * kMiB).ok());
    // A kernel that reaches into the top half of RAM.
    r = place_initramfs(64 * kMiB, 16 * kMiB, kMiB, 50 * kMiB + 1);
    ASSERT_FALSE(r.ok());
    EXPECT_THAT(r.error().message, HasSubstr("would overlap the kernel image at [0x100000, "
                                             "0x3201000) in 67108864 bytes (64 MiB) of guest RAM"));
    // It may end right below the ramdisk's first page.
    EXPECT_TRUE(place_initramfs(64 * kMiB, 16 * kMiB, kMiB, 48 * kMiB).ok());
    // A tiny guest: half of it reaches into the boot area.
    r = place_initramfs(kMiB + 4096, kMiB / 2 + 1, kMiB, kMiB + 1);
    ASSERT_FALSE(r.ok());
    EXPECT_THAT(r.error().message, HasSubstr("would overlap the boot area below 0x100000"));
}

}  // namespace
}  // namespace domus
