// The initramfs on its way into guest memory: the page offset that page-aligns the most file
// data (initramfs_page_offset), placement at that offset, and InitramfsFile reading straight
// into a GuestMemory (uncompressed) or through a decoded copy (gzip), with its refusals.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <fstream>

#include "boot/cpio.hpp"
#include "boot/initramfs.hpp"
#include "boot/initramfs_loader.hpp"
#include "cpio_builder.hpp"
#include "gzip_member.hpp"

namespace domus {
namespace {

using namespace test;
using ::testing::HasSubstr;

constexpr uint64_t kMiB = 1ull << 20;

std::span<const uint8_t> span_of(const std::string& s) {
    return {reinterpret_cast<const uint8_t*>(s.data()), s.size()};
}

// Where `content` (unique in the archive) starts.
uint64_t offset_of(const std::string& archive_bytes, const std::string& content) {
    const size_t at = archive_bytes.find(content);
    EXPECT_NE(at, std::string::npos);
    return at;
}

// A small file first, so that the big ones do not start on a page boundary by chance; the
// largest file (3 whole pages) and a smaller one (2 whole pages) want different offsets.
const std::string kBig(3 * 4096 + 100, 'B');
const std::string kMid(2 * 4096 + 7, 'M');
const std::string kArchive =
    archive({dir("."), file("a", "x"), file("bin/big", kBig, 0100755), file("mid", kMid),
             symlink("link", "bin/big"), file("small", std::string(4095, 's'))});

TEST(InitramfsPageOffset, AlignsTheMostWholePagesOfFileData) {
    auto entries = parse_cpio(span_of(kArchive));
    ASSERT_TRUE(entries.ok()) << entries.error().message;
    const uint32_t offset = initramfs_page_offset(*entries);
    EXPECT_LT(offset, 4096u);
    EXPECT_EQ((offset + offset_of(kArchive, kBig)) % 4096, 0u);
    EXPECT_EQ(initramfs_page_offset(span_of(kArchive)), offset);  // the parsing overload
}

TEST(InitramfsPageOffset, PagesAddUpAcrossFilesAndTiesTakeTheSmallerOffset) {
    // y's data plus z's 112-byte header ("z": 110 + 2, padded) span exactly three pages, so y
    // and z want the same offset: their 2 + 2 whole pages beat x's 3.
    const std::string x(3 * 4096 + 1000, 'x'), y(3 * 4096 - 112, 'y'), z(2 * 4096, 'z');
    const std::string a = archive({file("x", x), file("y", y), file("z", z)});
    ASSERT_EQ(offset_of(a, z) - offset_of(a, y), 3u * 4096);
    ASSERT_NE(offset_of(a, x) % 4096, offset_of(a, y) % 4096);
    auto e = parse_cpio(span_of(a));
    ASSERT_TRUE(e.ok()) << e.error().message;
    const uint32_t got = initramfs_page_offset(*e);
    EXPECT_EQ((got + offset_of(a, y)) % 4096, 0u);
    EXPECT_EQ((got + offset_of(a, z)) % 4096, 0u);

    // One page each at two offsets: the smaller offset wins.
    const std::string p(4096, 'p'), q(4096 + 2000, 'q');
    const std::string b = archive({file("p", p), file("q", q)});
    e = parse_cpio(span_of(b));
    ASSERT_TRUE(e.ok());
    const uint32_t want_p = (4096 - offset_of(b, p) % 4096) % 4096;
    const uint32_t want_q = (4096 - offset_of(b, q) % 4096) % 4096;
    ASSERT_NE(want_p, want_q);
    EXPECT_EQ(initramfs_page_offset(*e), std::min(want_p, want_q));

    // Nothing of a whole page: no shift.
    const std::string tiny = archive({file("t", std::string(4095, 't')), dir("d")});
    e = parse_cpio(span_of(tiny));
    ASSERT_TRUE(e.ok());
    EXPECT_EQ(initramfs_page_offset(*e), 0u);
    // Garbage: no shift either (the caller has refused it already).
    EXPECT_EQ(initramfs_page_offset(span_of("070701 not an archive")), 0u);
}

TEST(PlaceInitramfs, AtAPageOffset) {
    // Ends in the last page, starting `offset` bytes into its first one.
    auto r = place_initramfs(64 * kMiB, 10000, kMiB, 2 * kMiB, 0xf10);
    ASSERT_TRUE(r.ok()) << r.error().message;
    EXPECT_EQ(*r % 4096, 0xf10u);
    EXPECT_LE(*r + 10000, 64 * kMiB);
    EXPECT_GT(*r + 10000, 64 * kMiB - 4096);
    // Pushed down a page when the offset does not fit in the space above.
    r = place_initramfs(64 * kMiB, 4096, kMiB, 2 * kMiB, 1);
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(*r, 64 * kMiB - 8192 + 1);
    r = place_initramfs(64 * kMiB, 100, kMiB, 2 * kMiB, 4096);
    ASSERT_FALSE(r.ok());
    EXPECT_THAT(r.error().message, HasSubstr("page offset 4096 is not below 4096"));
    // The offset counts towards overlapping the kernel: its pages are the ramdisk's.
    r = place_initramfs(64 * kMiB, 16 * kMiB, kMiB, 48 * kMiB, 0);
    EXPECT_TRUE(r.ok());
    r = place_initramfs(64 * kMiB, 16 * kMiB, kMiB, 48 * kMiB, 8);
    ASSERT_FALSE(r.ok());
    EXPECT_THAT(r.error().message, HasSubstr("would overlap the kernel image"));
}

class InitramfsLoad : public ::testing::Test {
  protected:
    void SetUp() override {
        char tmpl[] = "/tmp/domus-initramfs-load-XXXXXX";
        ASSERT_NE(::mkdtemp(tmpl), nullptr);
        dir_ = tmpl;
        auto mem = GuestMemory::create(16 * kMiB);
        ASSERT_TRUE(mem.ok()) << mem.error().message;
        mem_ = std::move(mem.value());
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
    std::string guest_bytes(uint64_t gpa, uint64_t len) {
        std::string out(len, '\0');
        EXPECT_TRUE(mem_.read(gpa, {reinterpret_cast<uint8_t*>(out.data()), len}).ok());
        return out;
    }
    std::string dir_;
    GuestMemory mem_;
};

TEST_F(InitramfsLoad, UncompressedAndGzipLandAlignedAndWhole) {
    for (const std::string& path : {write("rd.cpio", kArchive), write("rd.gz", gzip(kArchive))}) {
        SCOPED_TRACE(path);
        auto f = InitramfsFile::open(path, 8 * kMiB, "half");
        ASSERT_TRUE(f.ok()) << f.error().message;
        auto placed = f->load(mem_, kMiB, 2 * kMiB);
        ASSERT_TRUE(placed.ok()) << placed.error().message;
        EXPECT_EQ(placed->size, kArchive.size());
        EXPECT_EQ(guest_bytes(placed->gpa, placed->size), kArchive);
        EXPECT_EQ((placed->gpa + offset_of(kArchive, kBig)) % 4096, 0u) << std::hex << placed->gpa;
        EXPECT_LT(16 * kMiB - (placed->gpa + placed->size), 4096u);
        // Below the archive, in its first page, nothing is left of the staging copy.
        const uint64_t page = placed->gpa & ~0xfffull;
        EXPECT_EQ(guest_bytes(page - 4096, 4096 + (placed->gpa - page)),
                  std::string(4096 + (placed->gpa - page), '\0'));
    }
}

TEST_F(InitramfsLoad, RefusalsNameThePath) {
    const std::string big = write("big.cpio", kArchive);
    auto f = InitramfsFile::open(big, 1000, "half of the guest's 4 MiB");
    ASSERT_FALSE(f.ok());
    EXPECT_THAT(f.error().message, HasSubstr("ramdisk '" + big + "': the archive of " +
                                             std::to_string(kArchive.size()) +
                                             " bytes is larger than 1000 bytes (half of the "
                                             "guest's 4 MiB)"));

    // A bad header is found where the guest would read it, before the guest runs.
    std::string bad = kArchive;
    bad[kArchive.size() - 20] = 'X';
    const std::string corrupt = write("bad.cpio", bad);
    f = InitramfsFile::open(corrupt, 8 * kMiB, "half");
    ASSERT_TRUE(f.ok()) << f.error().message;
    auto placed = f->load(mem_, kMiB, 2 * kMiB);
    ASSERT_FALSE(placed.ok());
    EXPECT_EQ(placed.error().code, Errc::bad_image);
    EXPECT_THAT(placed.error().message, HasSubstr("ramdisk '" + corrupt + "': cpio: "));

    const std::string missing = dir_ + "/none.cpio";
    f = InitramfsFile::open(missing, 8 * kMiB, "half");
    ASSERT_FALSE(f.ok());
    EXPECT_THAT(f.error().message, HasSubstr("cannot open '" + missing + "'"));
    f = InitramfsFile::open(write("x.xz", std::string("\xfd"
                                                      "7zXZ\0junk",
                                                      10)),
                            8 * kMiB, "h");
    ASSERT_FALSE(f.ok());
    EXPECT_THAT(f.error().message, HasSubstr("xz-compressed"));

    // Too close to the kernel.
    f = InitramfsFile::open(write("ok.cpio", kArchive), 8 * kMiB, "half");
    ASSERT_TRUE(f.ok());
    placed = f->load(mem_, kMiB, 16 * kMiB - 4096);
    ASSERT_FALSE(placed.ok());
    EXPECT_THAT(placed.error().message, HasSubstr("would overlap the kernel image"));
}

TEST_F(InitramfsLoad, AFileThatShrinksAfterOpenIsAnError) {
    const std::string path = write("rd.cpio", kArchive);
    auto f = InitramfsFile::open(path, 8 * kMiB, "half");
    ASSERT_TRUE(f.ok());
    ASSERT_EQ(::truncate(path.c_str(), 1000), 0);
    auto placed = f->load(mem_, kMiB, 2 * kMiB);
    ASSERT_FALSE(placed.ok());
    EXPECT_EQ(placed.error().code, Errc::io);
    EXPECT_THAT(placed.error().message, HasSubstr("ramdisk '" + path + "' ended after 1000 of " +
                                                  std::to_string(kArchive.size()) + " bytes"));
}

}  // namespace
}  // namespace domus
