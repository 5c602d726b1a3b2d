// Disk images: opened and locked for one domain at a time when writable, shared when read-only;
// refusals for missing files, directories, FIFOs, devices, files under a sector, and files
// the monitor may not write. Each DiskImage stands for a domain (OFD locks conflict between
// open file descriptions, also within one process).
#include <fcntl.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <optional>

#include "devices/disk_image.hpp"

namespace domus {
namespace {

using ::testing::HasSubstr;

class DiskImageTest : public ::testing::Test {
  protected:
    void SetUp() override {
        char tmpl[] = "/tmp/domus-disk-image-XXXXXX";
        ASSERT_NE(::mkdtemp(tmpl), nullptr);
        dir_ = tmpl;
    }
    void TearDown() override { (void)!std::system(("rm -rf '" + dir_ + "'").c_str()); }
    std::string image(const std::string& name, size_t bytes) {
        const std::string path = dir_ + "/" + name;
        std::ofstream(path, std::ios::binary) << std::string(bytes, '\0');
        return path;
    }
    std::string dir_;
};

TEST_F(DiskImageTest, SizeIsWholeSectors) {
    auto d = DiskImage::open(image("a.img", 1 << 20), false);
    ASSERT_TRUE(d.ok()) << d.error().message;
    EXPECT_EQ(d->sectors(), 2048u);
    EXPECT_FALSE(d->read_only());
    auto tail = DiskImage::open(image("b.img", 1000), true);
    ASSERT_TRUE(tail.ok());
    EXPECT_EQ(tail->sectors(), 1u);  // the 488-byte tail is not a sector
}

TEST_F(DiskImageTest, AWritableImageBelongsToOneDomain) {
    const std::string path = image("disk.img", 4096);
    std::optional<DiskImage> first(DiskImage::open(path, false).value());
    auto second = DiskImage::open(path, false);
    ASSERT_FALSE(second.ok());
    EXPECT_THAT(second.error().message,
                HasSubstr("disk image '" + path + "' is in use by another domain"));
    auto reader = DiskImage::open(path, true);
    ASSERT_FALSE(reader.ok());  // nobody reads what a domain writes
    EXPECT_THAT(reader.error().message, HasSubstr("attached writable there"));
    first.reset();  // the domain ends: the image is free again
    EXPECT_TRUE(DiskImage::open(path, false).ok());
}

TEST_F(DiskImageTest, ReadOnlyImagesAreShared) {
    const std::string path = image("base.img", 4096);
    auto a = DiskImage::open(path, true);
    auto b = DiskImage::open(path, true);
    ASSERT_TRUE(a.ok());
    ASSERT_TRUE(b.ok());
    auto writer = DiskImage::open(path, false);
    ASSERT_FALSE(writer.ok());
    EXPECT_THAT(writer.error().message, HasSubstr("is in use by another domain"));
}

TEST_F(DiskImageTest, RefusalsNameThePath) {
    auto r = DiskImage::open(dir_ + "/missing.img", false);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().code, Errc::not_found);
    EXPECT_THAT(r.error().message, HasSubstr("cannot open disk image '" + dir_ + "/missing.img'"));
    r = DiskImage::open(dir_, true);
    ASSERT_FALSE(r.ok());
    EXPECT_THAT(r.error().message, HasSubstr("is not a regular file"));
    const std::string fifo = dir_ + "/fifo";
    ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
    r = DiskImage::open(fifo, true);  // must not hang waiting for a writer
    ASSERT_FALSE(r.ok());
    EXPECT_THAT(r.error().message, HasSubstr("is not a regular file"));
    r = DiskImage::open("/dev/null", true);
    ASSERT_FALSE(r.ok());
    EXPECT_THAT(r.error().message, HasSubstr("is not a regular file"));
    r = DiskImage::open(image("tiny.img", 511), true);
    ASSERT_FALSE(r.ok());
    EXPECT_THAT(r.error().message, HasSubstr("holds 511 bytes, less than one 512-byte sector"));
    if (::geteuid() != 0) {
        const std::string locked = image("ro.img", 4096);
        ASSERT_EQ(::chmod(locked.c_str(), 0444), 0);
        r = DiskImage::open(locked, false);
        ASSERT_FALSE(r.ok());
        EXPECT_THAT(r.error().message, HasSubstr("(attach it read-only)"));
    }
}

}  // namespace
}  // namespace domus
