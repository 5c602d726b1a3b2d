// Unpacking initramfs archives: one made by the real `cpio -o -H newc` (and -H crc) from a
// directory tree, compared entry by entry with that tree; then Linux's initramfs semantics on
// hand-made archives (replacement, missing parents, hard links, devices, concatenation).
#include "fs/cpio_unpack.hpp"

#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#include "cpio_writer.hpp"
#include "fs_fixture.hpp"

namespace guest_fs_test {
namespace {

namespace stdfs = std::filesystem;

class TempTree {
  public:
    TempTree() {
        char tmpl[] = "/tmp/domus-guest-fs-XXXXXX";
        if (::mkdtemp(tmpl)) path_ = tmpl;
    }
    ~TempTree() {
        std::error_code ec;
        if (!path_.empty()) stdfs::remove_all(path_, ec);
    }
    std::string at(const std::string& rel) const { return path_ + "/tree/" + rel; }
    const std::string& path() const { return path_; }

  private:
    std::string path_;
};

void write_host(const std::string& path, const std::string& data) {
    std::ofstream(path, std::ios::binary) << data;
}

void set_mtime(const std::string& path, time_t t) {
    const struct timespec times[2] = {{t, 0}, {t, 0}};
    ASSERT_EQ(::utimensat(AT_FDCWD, path.c_str(), times, AT_SYMLINK_NOFOLLOW), 0) << path;
}

std::string slurp(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

class GuestFsCpio : public FsTest {
  protected:
    int unpack(const std::string& archive) {
        stats_ = {};
        return fs::cpio_unpack(root_, archive.data(), archive.size(), &stats_);
    }
    fs::CpioStats stats_{};
};

// A tree with every kind of entry a user's initramfs has, archived by GNU cpio.
class GuestFsRealCpio : public GuestFsCpio, public ::testing::WithParamInterface<const char*> {
  protected:
    void build_tree() {
        const std::string t = tree_.path() + "/tree";
        ASSERT_EQ(::mkdir(t.c_str(), 0755), 0);
        ASSERT_EQ(::mkdir(tree_.at("bin").c_str(), 0755), 0);
        ASSERT_EQ(::mkdir(tree_.at("etc").c_str(), 0700), 0);
        ASSERT_EQ(::mkdir(tree_.at("usr").c_str(), 0755), 0);
        ASSERT_EQ(::mkdir(tree_.at("usr/lib").c_str(), 0755), 0);
        ASSERT_EQ(::mkdir(tree_.at("empty").c_str(), 01777), 0);
        write_host(tree_.at("init"), "#!/bin/sh\necho hi\n");
        ASSERT_EQ(::chmod(tree_.at("init").c_str(), 0755), 0);
        std::string binary;
        for (int i = 0; i < 150'000; ++i) binary += char((i * 7919) >> 3);
        write_host(tree_.at("bin/tool"), binary);
        ASSERT_EQ(::chmod(tree_.at("bin/tool").c_str(), 04755), 0);
        write_host(tree_.at("etc/secret"), "s3cret");
        ASSERT_EQ(::chmod(tree_.at("etc/secret").c_str(), 0600), 0);
        write_host(tree_.at("usr/lib/empty_file"), "");
        write_host(tree_.at("bin/busybox"), "multi-call binary");
        ASSERT_EQ(::link(tree_.at("bin/busybox").c_str(), tree_.at("bin/sh").c_str()), 0);
        ASSERT_EQ(::link(tree_.at("bin/busybox").c_str(), tree_.at("usr/ls").c_str()), 0);
        ASSERT_EQ(::symlink("usr/lib", tree_.at("lib").c_str()), 0);
        ASSERT_EQ(::symlink("/bin/tool", tree_.at("usr/abs").c_str()), 0);
        ASSERT_EQ(::symlink("../nowhere", tree_.at("usr/dangling").c_str()), 0);
        ASSERT_EQ(::mkfifo(tree_.at("usr/fifo").c_str(), 0640), 0);
        time_t t0 = 1'500'000'000;
        for (const auto& e : stdfs::recursive_directory_iterator(t)) {
            set_mtime(e.path().string(), t0 += 1000);
        }
        set_mtime(t, 1'234'567'890);
    }

    std::string archive(const char* format) {
        const std::string out = tree_.path() + "/archive.cpio";
        const std::string cmd = "cd '" + tree_.path() + "/tree' && find . | cpio -o -H " + format +
                                " --quiet > '" + out + "'";
        if (std::system(cmd.c_str()) != 0) return {};
        return slurp(out);
    }

    TempTree tree_;
};

TEST_P(GuestFsRealCpio, UnpacksWhatGnuCpioArchived) {
    if (std::system("command -v cpio > /dev/null 2>&1") != 0) GTEST_SKIP() << "no cpio";
    build_tree();
    const std::string bytes = archive(GetParam());
    ASSERT_FALSE(bytes.empty());
    ASSERT_EQ(unpack(bytes), 0) << (stats_.error ? stats_.error : "");
    EXPECT_EQ(stats_.skipped, 0u);
    EXPECT_EQ(stats_.hard_links, 2u);
    EXPECT_EQ(stats_.symlinks, 3u);
    EXPECT_EQ(stats_.nodes, 1u);

    const std::string base = tree_.path() + "/tree";
    std::map<ino_t, uint64_t> inode_map;  // host inode -> ours: hard links must agree
    size_t compared = 0;
    for (const auto& e : stdfs::recursive_directory_iterator(base)) {
        const std::string host = e.path().string();
        const std::string rel = host.substr(base.size() + 1);
        struct ::stat hs;
        ASSERT_EQ(::lstat(host.c_str(), &hs), 0);
        const linux_abi::stat gs = stat(rel, at::SYMLINK_NOFOLLOW);
        EXPECT_EQ(gs.st_mode, hs.st_mode) << rel;
        EXPECT_EQ(gs.st_uid, hs.st_uid) << rel;
        EXPECT_EQ(gs.st_gid, hs.st_gid) << rel;
        EXPECT_EQ(gs.st_mtim.tv_sec, hs.st_mtim.tv_sec) << rel;
        EXPECT_EQ(gs.st_nlink, hs.st_nlink) << rel;
        if (S_ISREG(hs.st_mode)) {
            EXPECT_EQ(gs.st_size, hs.st_size) << rel;
            EXPECT_EQ(get(rel), slurp(host)) << rel;
            auto [it, fresh] = inode_map.emplace(hs.st_ino, gs.st_ino);
            if (!fresh) {
                EXPECT_EQ(it->second, gs.st_ino) << rel << " should be a hard link";
            }
        } else if (S_ISLNK(hs.st_mode)) {
            EXPECT_EQ(readlink(rel), stdfs::read_symlink(host).string()) << rel;
        }
        ++compared;
    }
    EXPECT_EQ(compared, 16u);
    EXPECT_EQ(stats_.entries, compared + 1);  // and "."
    EXPECT_EQ(stat("/").st_mtim.tv_sec, 1'234'567'890);
    EXPECT_EQ(stat("/").st_mode, smode::IFDIR | 0755);
    EXPECT_EQ(get("lib/empty_file"), "");  // through the symlink
    EXPECT_EQ(get("usr/abs").size(), 150'000u);
    // Nothing else is in the tree.
    EXPECT_EQ(list("/").size(), 2u + 6u);
}

INSTANTIATE_TEST_SUITE_P(Formats, GuestFsRealCpio, ::testing::Values("newc", "crc"));

TEST_F(GuestFsCpio, LaterEntriesReplaceEarlierOnes) {
    CpioWriter w;
    w.file("a", "first").file("a", "second");
    w.file("was_file", "x").dir("was_file", 040700);
    w.dir("was_empty_dir").file("was_empty_dir", "now a file");
    w.dir("full_dir").file("full_dir/inside", "i").file("full_dir", "refused");
    w.symlink("link", "one").symlink("link", "two");
    w.dir("kept", 040700).file("kept/x", "x").dir("kept", 040751);
    w.trailer();
    ASSERT_EQ(unpack(w.bytes()), 0);
    EXPECT_EQ(get("a"), "second");
    EXPECT_EQ(stat("was_file").st_mode, smode::IFDIR | 0700);
    EXPECT_EQ(get("was_empty_dir"), "now a file");
    EXPECT_EQ(get("full_dir/inside"), "i");
    EXPECT_EQ(stats_.skipped, 1u);
    EXPECT_STREQ(stats_.first_skipped, "full_dir");
    EXPECT_EQ(stats_.first_skipped_error, -ENOTEMPTY);
    EXPECT_EQ(readlink("link"), "two");
    EXPECT_EQ(stat("kept").st_mode, smode::IFDIR | 0751);
    EXPECT_EQ(get("kept/x"), "x");
}

TEST_F(GuestFsCpio, MissingParentsAreCreatedAndNamesNormalised) {
    CpioWriter w;
    w.file("deep/er/file", "d").file("/abs/olute", "a").file("./dot/slash", "s");
    w.file("././twice", "t").trailer();
    ASSERT_EQ(unpack(w.bytes()), 0);
    EXPECT_EQ(get("deep/er/file"), "d");
    EXPECT_EQ(stat("deep/er").st_mode, smode::IFDIR | 0755);
    EXPECT_EQ(get("abs/olute"), "a");
    EXPECT_EQ(get("dot/slash"), "s");
    EXPECT_EQ(get("twice"), "t");
}

TEST_F(GuestFsCpio, HardLinksGetTheDataWhereverItIs) {
    CpioWriter w;
    // GNU cpio: data with the last link. Other writers: with the first.
    w.add({.name = "l1", .data = "", .ino = 7, .nlink = 3});
    w.add({.name = "l2", .data = "", .ino = 7, .nlink = 3});
    w.add({.name = "l3", .data = "payload", .ino = 7, .nlink = 3});
    w.add({.name = "f1", .data = "first", .ino = 8, .nlink = 2});
    w.add({.name = "f2", .data = "", .ino = 8, .nlink = 2});
    w.add({.name = "lone", .data = "one", .ino = 7, .nlink = 1});  // nlink 1: not a link
    w.add({.name = "other_mode", .mode = 0100600, .data = "m", .ino = 8, .nlink = 2});
    w.trailer();
    ASSERT_EQ(unpack(w.bytes()), 0);
    EXPECT_EQ(get("l1"), "payload");
    EXPECT_EQ(stat("l1").st_ino, stat("l3").st_ino);
    EXPECT_EQ(stat("l1").st_nlink, 3u);
    EXPECT_EQ(get("f2"), "first");
    EXPECT_EQ(stat("f1").st_ino, stat("f2").st_ino);
    EXPECT_NE(stat("lone").st_ino, stat("l1").st_ino);
    EXPECT_NE(stat("other_mode").st_ino, stat("f1").st_ino);
    EXPECT_EQ(stats_.hard_links, 3u);
}

TEST_F(GuestFsCpio, AHardLinkSetWhoseNamesWereAllReplacedStartsAfresh) {
    CpioWriter w;
    w.add({.name = "a", .data = "old", .ino = 5, .nlink = 2});
    w.file("a", "replacement");
    w.add({.name = "b", .data = "", .ino = 5, .nlink = 2});
    w.add({.name = "c", .data = "", .ino = 5, .nlink = 2});
    w.trailer();
    ASSERT_EQ(unpack(w.bytes()), 0);
    EXPECT_EQ(stats_.skipped, 0u);
    EXPECT_EQ(get("a"), "replacement");
    EXPECT_EQ(get("b"), "");
    EXPECT_EQ(stat("b").st_ino, stat("c").st_ino);
    EXPECT_NE(stat("a").st_ino, stat("b").st_ino);
}

TEST_F(GuestFsCpio, DevicesFifosSocketsAndOwners) {
    CpioWriter w;
    w.add({.name = "dev/console", .mode = 020600, .rdev_major = 5, .rdev_minor = 1});
    w.add({.name = "dev/sda", .mode = 060660, .gid = 6, .rdev_major = 8});
    w.add({.name = "run/fifo", .mode = 010644});
    w.add({.name = "run/sock", .mode = 0140755});
    w.add({.name = "home", .mode = 040700, .uid = 1000, .gid = 1000});
    w.add({.name = "home/suid", .mode = 0104755, .data = "x", .uid = 1000});
    w.trailer();
    ASSERT_EQ(unpack(w.bytes()), 0);
    EXPECT_EQ(stat("dev/console").st_mode, smode::IFCHR | 0600);
    EXPECT_EQ(stat("dev/console").st_rdev, linux_abi::encode_dev(5, 1));
    EXPECT_EQ(stat("dev/sda").st_rdev, linux_abi::encode_dev(8, 0));
    EXPECT_EQ(stat("dev/sda").st_gid, 6u);
    EXPECT_EQ(stat("run/fifo").st_mode, smode::IFIFO | 0644);
    EXPECT_EQ(stat("run/sock").st_mode, smode::IFSOCK | 0755);
    EXPECT_EQ(stat("home").st_uid, 1000u);
    EXPECT_EQ(stat("home/suid").st_mode, smode::IFREG | 04755);  // kept despite the chown
    EXPECT_EQ(stat("dev/console").st_mtim.tv_sec, 1'600'000'000);
    EXPECT_EQ(stats_.nodes, 4u);
}

TEST_F(GuestFsCpio, DirectoryTimesAreAppliedAfterTheirEntries) {
    CpioWriter w;
    w.add({.name = ".", .mode = 040711, .mtime = 11});
    w.add({.name = "d", .mode = 040755, .mtime = 22});
    w.add({.name = "d/f", .data = "f", .mtime = 33});
    w.add({.name = "d/sub", .mode = 040755, .mtime = 44});
    w.trailer();
    ASSERT_EQ(unpack(w.bytes()), 0);
    EXPECT_EQ(stat("/").st_mtim.tv_sec, 11);
    EXPECT_EQ(stat("/").st_mode, smode::IFDIR | 0711);
    EXPECT_EQ(stat("d").st_mtim.tv_sec, 22);
    EXPECT_EQ(stat("d/f").st_mtim.tv_sec, 33);
    EXPECT_EQ(stat("d/sub").st_mtim.tv_sec, 44);
}

TEST_F(GuestFsCpio, EntriesThatCannotBeCreatedAreSkipped) {
    CpioWriter w;
    w.file("file", "x").file("file/under", "y");
    w.file(std::string(256, 'n'), "too long a component");
    w.file("ok", "ok").trailer();
    ASSERT_EQ(unpack(w.bytes()), 0);
    EXPECT_EQ(stats_.skipped, 2u);
    EXPECT_EQ(stats_.first_skipped_error, -ENOTDIR);
    EXPECT_EQ(get("ok"), "ok");
}

TEST_F(GuestFsCpio, ConcatenatedArchivesWithZeroPadding) {
    CpioWriter w;
    w.file("one", "1").trailer().raw(std::string(512, '\0'));
    w.file("two", "2").file("one", "1 again").trailer().raw(std::string(3, '\0'));
    ASSERT_EQ(unpack(w.bytes()), 0);
    EXPECT_EQ(get("one"), "1 again");
    EXPECT_EQ(get("two"), "2");
}

TEST_F(GuestFsCpio, OutOfMemoryStopsCleanly) {
    CpioWriter w;
    for (int i = 0; i < 20; ++i) w.file("f" + std::to_string(i), std::string(9000, 'x'));
    w.trailer();
    for (size_t budget : {0, 1, 5, 17, 40}) {
        fail_after(budget);
        const int err = unpack(w.bytes());
        fail_never();
        EXPECT_TRUE(err == -ENOMEM || err == -ENOSPC) << budget << ": " << err;
    }
    EXPECT_EQ(unpack(w.bytes()), 0);
    EXPECT_EQ(get("f19").size(), 9000u);
}

}  // namespace
}  // namespace guest_fs_test
