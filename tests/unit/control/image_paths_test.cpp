// The confinement of disk image paths to the image dirs, on a real file system: symlinks out,
// FIFOs and devices refused with stat alone (nothing here may block), small and missing files.
#include "control/image_paths.hpp"

#include <fcntl.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>

namespace domus::control {
namespace {

using ::testing::HasSubstr;

class ImagePaths : public ::testing::Test {
  protected:
    void SetUp() override {
        char tmpl[] = "/tmp/domus-images-test-XXXXXX";
        const char* dir = ::mkdtemp(tmpl);
        ASSERT_NE(dir, nullptr);
        root_ = dir;
        auto dirs = prepare_image_dirs({root_ + "/images", root_ + "/more/images2/"});
        ASSERT_TRUE(dirs.ok()) << dirs.error().message;
        dirs_ = *dirs;
        file(dirs_[0] + "/root.img", 4096);
    }
    void TearDown() override { std::filesystem::remove_all(root_); }
    static void file(const std::string& path, size_t size) {
        std::ofstream(path) << std::string(size, 'x');
    }
    std::string error(const std::string& path) {
        auto r = resolve_disk_image(dirs_, path);
        EXPECT_FALSE(r.ok()) << path;
        return r.ok() ? "" : r.error().message;
    }

    std::string root_;
    std::vector<std::string> dirs_;
};

TEST(PathWithin, IsLexicalAndComponentWise) {
    EXPECT_TRUE(path_within("/srv/img", "/srv/img/a"));
    EXPECT_TRUE(path_within("/srv/img", "/srv/img"));
    EXPECT_FALSE(path_within("/srv/img", "/srv/img2/a"));
    EXPECT_FALSE(path_within("/srv/img", "/srv"));
    EXPECT_FALSE(path_within("", "/a"));
    EXPECT_TRUE(path_within("/", "/a"));
}

TEST_F(ImagePaths, DirsAreCreatedAndResolved) {
    ASSERT_EQ(dirs_.size(), 2u);
    EXPECT_EQ(dirs_[0], root_ + "/images");
    EXPECT_EQ(dirs_[1], root_ + "/more/images2");
    EXPECT_TRUE(std::filesystem::is_directory(dirs_[1]));
    file(root_ + "/plain", 10);
    auto not_dir = prepare_image_dirs({root_ + "/plain"});
    ASSERT_FALSE(not_dir.ok());
    EXPECT_THAT(not_dir.error().message, HasSubstr("plain"));
    EXPECT_FALSE(prepare_image_dirs({"relative/dir"}).ok());
}

TEST_F(ImagePaths, AcceptsFilesInsideAnyDirRelativeToTheFirst) {
    auto rel = resolve_disk_image(dirs_, "root.img");
    ASSERT_TRUE(rel.ok()) << rel.error().message;
    EXPECT_EQ(*rel, dirs_[0] + "/root.img");
    file(dirs_[1] + "/b.img", 512);
    auto abs = resolve_disk_image(dirs_, dirs_[1] + "/b.img");
    ASSERT_TRUE(abs.ok()) << abs.error().message;
    // A symlink that stays inside is followed: the monitor gets the resolved path.
    ASSERT_EQ(::symlink((dirs_[1] + "/b.img").c_str(), (dirs_[0] + "/link.img").c_str()), 0);
    auto link = resolve_disk_image(dirs_, "link.img");
    ASSERT_TRUE(link.ok()) << link.error().message;
    EXPECT_EQ(*link, dirs_[1] + "/b.img");
}

TEST_F(ImagePaths, RefusesEverythingElseByPathAndReason) {
    file(root_ + "/outside.img", 4096);
    EXPECT_THAT(error(root_ + "/outside.img"), HasSubstr("is outside the image dirs"));
    EXPECT_THAT(error("../outside.img"), HasSubstr("'../outside.img' resolves to " + root_ +
                                                   "/outside.img, which is outside"));
    ASSERT_EQ(::symlink((root_ + "/outside.img").c_str(), (dirs_[0] + "/out.img").c_str()), 0);
    EXPECT_THAT(error("out.img"), HasSubstr("'out.img' resolves to " + root_ +
                                            "/outside.img, which is outside the image dirs"));
    ASSERT_EQ(::symlink("/dev/zero", (dirs_[0] + "/zero.img").c_str()), 0);
    EXPECT_THAT(error("zero.img"), HasSubstr("resolves to /dev/zero"));
    EXPECT_THAT(error("/dev/zero"), HasSubstr("'/dev/zero' is outside the image dirs"));
    EXPECT_THAT(error("/etc/passwd"), HasSubstr("outside"));
    // A FIFO: refused from stat alone, at once (opening it would block without a writer).
    ASSERT_EQ(::mkfifo((dirs_[0] + "/fifo.img").c_str(), 0600), 0);
    EXPECT_THAT(error("fifo.img"), HasSubstr("'fifo.img' is a FIFO, not a regular file"));
    if (::getuid() == 0) {
        ASSERT_EQ(::mknod((dirs_[0] + "/null.img").c_str(), S_IFCHR | 0600, makedev(1, 3)), 0);
        EXPECT_THAT(error("null.img"), HasSubstr("is a character device, not a regular file"));
    }
    std::filesystem::create_directory(dirs_[0] + "/sub");
    EXPECT_THAT(error("sub"), HasSubstr("'sub' is a directory, not a regular file"));
    EXPECT_THAT(error(dirs_[0]), HasSubstr("outside"));  // the dir itself is no image
    EXPECT_THAT(error("missing.img"), HasSubstr("'missing.img' does not exist"));
    ASSERT_EQ(::symlink("nowhere", (dirs_[0] + "/dangling.img").c_str()), 0);
    EXPECT_THAT(error("dangling.img"), HasSubstr("does not exist"));
    file(dirs_[0] + "/small.img", 511);
    EXPECT_THAT(error("small.img"),
                HasSubstr("'small.img' is 511 bytes, smaller than one sector (512 bytes)"));
    file(dirs_[0] + "/a,b.img", 512);
    EXPECT_THAT(error("a,b.img"), HasSubstr("contains a comma"));
    EXPECT_THAT(resolve_disk_image({}, "x").error().message, HasSubstr("no image dirs"));
}

TEST_F(ImagePaths, SubdirsForDiskCreate) {
    std::filesystem::create_directory(dirs_[0] + "/tree");
    auto ok = resolve_image_subdir(dirs_, "tree");
    ASSERT_TRUE(ok.ok()) << ok.error().message;
    EXPECT_EQ(*ok, dirs_[0] + "/tree");
    EXPECT_THAT(resolve_image_subdir(dirs_, "/etc").error().message, HasSubstr("outside"));
    ASSERT_EQ(::symlink("/etc", (dirs_[0] + "/etc").c_str()), 0);
    EXPECT_THAT(resolve_image_subdir(dirs_, "etc").error().message, HasSubstr("resolves to /etc"));
    EXPECT_THAT(resolve_image_subdir(dirs_, "root.img").error().message,
                HasSubstr("is not a directory"));
}

}  // namespace
}  // namespace domus::control

namespace domus::control {
namespace {

// Kernels and ramdisks: the same confinement, then a non-blocking read of a regular file within
// the limit. Every refusal names the path and never quotes the file.
class BootFiles : public ImagePaths {
  protected:
    std::string boot_error(const std::string& path, uint64_t max = 1 << 20) {
        auto r = read_boot_file(dirs_, path, "kernel", max, "the test limit");
        EXPECT_FALSE(r.ok()) << path;
        if (r.ok()) return "";
        EXPECT_THAT(r.error().message, HasSubstr("kernel '" + path + "'"));
        EXPECT_THAT(r.error().message, ::testing::Not(HasSubstr("xxxx")));
        return r.error().message;
    }
};

TEST_F(BootFiles, ReadsARegularFileByAbsoluteOrRelativePath) {
    auto a = read_boot_file(dirs_, dirs_[0] + "/root.img", "kernel", 1 << 20, "limit");
    ASSERT_TRUE(a.ok()) << a.error().message;
    EXPECT_EQ(a->resolved, dirs_[0] + "/root.img");
    EXPECT_EQ(a->bytes.size(), 4096u);
    auto r = read_boot_file(dirs_, "root.img", "kernel", 1 << 20, "limit");
    ASSERT_TRUE(r.ok()) << r.error().message;
    EXPECT_EQ(r->resolved, dirs_[0] + "/root.img");
    auto s = resolve_boot_file(dirs_, "root.img", "kernel");
    ASSERT_TRUE(s.ok());
    EXPECT_EQ(*s, dirs_[0] + "/root.img");
}

TEST_F(BootFiles, HostileFilesAreRefusedWithoutBlocking) {
    ASSERT_EQ(::mkfifo((dirs_[0] + "/fifo").c_str(), 0600), 0);
    std::filesystem::create_symlink("/dev/zero", dirs_[0] + "/zero");
    std::filesystem::create_symlink(root_ + "/outside", dirs_[0] + "/out");
    file(root_ + "/outside", 100);
    file(dirs_[0] + "/big", 5000);
    std::ofstream(dirs_[0] + "/empty");
    EXPECT_THAT(boot_error("/dev/zero"), HasSubstr("outside the image dirs"));
    EXPECT_THAT(boot_error("/dev/kmsg"), HasSubstr("outside the image dirs"));
    EXPECT_THAT(boot_error("zero"), HasSubstr("resolves to /dev/zero, which is outside"));
    EXPECT_THAT(boot_error(dirs_[0] + "/out"), HasSubstr("outside the image dirs"));
    EXPECT_THAT(boot_error("fifo"), HasSubstr("is a FIFO, not a regular file"));
    std::filesystem::create_directory(dirs_[0] + "/sub");
    EXPECT_THAT(boot_error(dirs_[0] + "/sub"), HasSubstr("is a directory"));
    EXPECT_THAT(boot_error(dirs_[0]), HasSubstr("outside the image dirs"));  // the dir itself
    EXPECT_THAT(boot_error("big", 4999),
                HasSubstr("is 5000 bytes, larger than the limit of 4999 bytes (the test limit)"));
    EXPECT_THAT(boot_error("empty"), HasSubstr("is empty"));
    EXPECT_THAT(boot_error("missing"), HasSubstr("does not exist"));
    EXPECT_THAT(boot_error("../outside"), HasSubstr("outside the image dirs"));
    auto fifo = resolve_boot_file(dirs_, "fifo", "ramdisk");
    ASSERT_FALSE(fifo.ok());
    EXPECT_THAT(fifo.error().message, HasSubstr("ramdisk 'fifo' is a FIFO"));
}

TEST_F(BootFiles, ImageDirsAreMade0700WhateverTheUmask) {
    const mode_t old = ::umask(0);
    auto dirs = prepare_image_dirs({root_ + "/fresh"});
    ::umask(old);
    ASSERT_TRUE(dirs.ok());
    struct stat st {};
    ASSERT_EQ(::stat((root_ + "/fresh").c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 0777, 0700u);
}

}  // namespace
}  // namespace domus::control
