// ext2 (guest/fs/ext2) on a file-backed block device: images made by mke2fs -d from a host
// tree (1 KiB and 4 KiB blocks, revisions 0 and 1) read back byte for byte through the VFS;
// changes checked by e2fsck -fn and debugfs and read back after a remount; damaged images
// refused or answered with EIO.
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <map>
#include <random>
#include <set>
#include <thread>

#include "dev/block.hpp"
#include "file_device.hpp"
#include "fs/ext2/ext2.hpp"
#include "fs_fixture.hpp"
#include "host_shims.hpp"
#include "mm/kheap.hpp"

namespace guest_fs_test {
namespace {

namespace stdfs = std::filesystem;

// e2fsprogs live in /sbin and /usr/sbin, which a user's PATH may lack.
std::string run(const std::string& cmd, int* status = nullptr) {
    FILE* p = popen(("PATH=\"$PATH:/sbin:/usr/sbin\"; " + cmd).c_str(), "r");
    std::string out;
    char buf[4096];
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
    const int st = pclose(p);
    if (status) *status = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
    return out;
}

std::string pattern(size_t size, uint32_t seed) {
    std::string s(size, '\0');
    std::mt19937 rng(seed);
    for (auto& c : s) c = char(rng());
    return s;
}

void write_host(const stdfs::path& p, const std::string& data) {
    std::ofstream(p, std::ios::binary).write(data.data(), std::streamsize(data.size()));
}

std::string read_host(const stdfs::path& p) {
    std::ifstream f(p, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(f), {});
}

struct ImageSpec {
    uint32_t block_size;
    bool rev0;
};

class Ext2Test : public FsTest, public ::testing::WithParamInterface<ImageSpec> {
  protected:
    void SetUp() override {
        FsTest::SetUp();
        int status = -1;
        run("command -v mke2fs && command -v e2fsck && command -v debugfs", &status);
        if (status != 0) GTEST_SKIP() << "e2fsprogs (mke2fs, e2fsck, debugfs) not installed";
        std::string name = ::testing::UnitTest::GetInstance()->current_test_info()->name();
        for (char& c : name) {
            if (c == '/') c = '_';
        }
        dir_ =
            stdfs::temp_directory_path() / ("domus_ext2_" + std::to_string(getpid()) + "_" + name);
        stdfs::remove_all(dir_);
        stdfs::create_directories(dir_ / "tree");
        image_ = (dir_ / "image").string();
        ASSERT_EQ(mkdir("/mnt"), 0);
    }

    void TearDown() override {
        unmount();
        if (fd_ >= 0) close(fd_);
        if (!dir_.empty()) stdfs::remove_all(dir_);
        FsTest::TearDown();
    }

    // A tree worth reading: small and large files, holes, both kinds of symlinks, a hard
    // link, a big directory, nested directories, a FIFO.
    void populate() {
        const stdfs::path t = dir_ / "tree";
        write_host(t / "hello", "hello, ext2\n");
        write_host(t / "empty", "");
        write_host(t / "big", pattern(5 * 1024 * 1024 + 1234, 1));  // double-indirect
        {
            const int fd = ::open((t / "sparse").c_str(), O_CREAT | O_WRONLY, 0644);
            ASSERT_GE(fd, 0);
            ASSERT_EQ(pwrite(fd, "head", 4, 0), 4);
            ASSERT_EQ(pwrite(fd, "middle", 6, 3 * 1024 * 1024), 6);
            ASSERT_EQ(ftruncate(fd, 8 * 1024 * 1024), 0);
            close(fd);
        }
        stdfs::create_directories(t / "a/b/c");
        write_host(t / "a/b/c/deep", "deep\n");
        stdfs::create_symlink("hello", t / "fast");
        stdfs::create_symlink(std::string(100, 'x') + "/target", t / "slow");
        stdfs::create_hard_link(t / "hello", t / "a/hello2");
        stdfs::create_directories(t / "many");
        for (int i = 0; i < 300; ++i) {
            write_host(t / "many" / ("entry-number-" + std::to_string(i)), std::to_string(i));
        }
        ASSERT_EQ(mkfifo((t / "fifo").c_str(), 0600), 0);
        chmod((t / "hello").c_str(), 0640);
    }

    void make_image(uint64_t size_kib = 32768) {
        const ImageSpec spec = GetParam();
        std::string cmd = "mke2fs -q -F -t ext2 -b " + std::to_string(spec.block_size) +
                          (spec.rev0 ? " -r 0" : "") + " -d '" + (dir_ / "tree").string() + "' '" +
                          image_ + "' " + std::to_string(size_kib) + "k 2>&1";
        int status = 0;
        const std::string out = run(cmd, &status);
        ASSERT_EQ(status, 0) << out;
    }

    int mount(bool read_only, const char** why_out = nullptr) {
        if (fd_ < 0) fd_ = ::open(image_.c_str(), O_RDWR);
        EXPECT_GE(fd_, 0);
        dev_ = {};
        dev_.ops = ops_;
        dev_.priv = reinterpret_cast<void*>(intptr_t(fd_));
        dev_.sectors = uint64_t(lseek(fd_, 0, SEEK_END)) / 512;
        const char* why = nullptr;
        fs::Inode* root = nullptr;
        const int err = fs::ext2_mount(&dev_, read_only, &root, &why);
        if (why_out) *why_out = why;
        if (err < 0) return err;
        ext_root_ = root;
        InodeRef mnt = lookup("/mnt");
        EXPECT_EQ(fs::vfs_mount(mnt.get(), root), 0);
        fs::inode_put(root);  // the mount and the instance keep theirs
        return 0;
    }

    int unmount() {
        if (ext_root_ == nullptr) return 0;
        InodeRef mnt = lookup("/mnt", at::SYMLINK_NOFOLLOW);
        // lookup("/mnt") crosses into the mounted root; the covered directory is its `covered`.
        fs::Inode* covered = mnt->covered != nullptr ? mnt->covered : mnt.get();
        mnt.reset();
        EXPECT_EQ(fs::vfs_umount(covered), 0);
        const int err = fs::ext2_umount(ext_root_->sb);
        EXPECT_EQ(err, 0);
        if (err == 0) ext_root_ = nullptr;
        close(fd_);
        fd_ = -1;
        return err;
    }

    int sync() { return fs::ext2_sync(ext_root_->sb); }

    fs::Ext2Stat statfs() {
        fs::Ext2Stat st{};
        fs::ext2_statfs(ext_root_->sb, &st);
        return st;
    }

    std::string fsck(int* status) { return run("e2fsck -fn '" + image_ + "' 2>&1", status); }

    std::string debugfs(const std::string& request) {
        return run("debugfs -R '" + request + "' '" + image_ + "' 2>/dev/null");
    }

    std::vector<std::string> list(const std::string& path) {
        std::vector<std::string> names;
        FileRef d = open(path, oflag::RDONLY | oflag::DIRECTORY);
        EXPECT_TRUE(d);
        if (!d) return names;
        char buf[1024];
        for (;;) {
            const int64_t n = fs::file_getdents64(d.get(), buf, sizeof buf);
            EXPECT_GE(n, 0);
            if (n <= 0) break;
            for (int64_t off = 0; off < n;) {
                uint16_t reclen;
                memcpy(&reclen, buf + off + 16, 2);
                names.emplace_back(buf + off + 19);
                off += reclen;
            }
        }
        return names;
    }

    void check_tree() {
        const stdfs::path t = dir_ / "tree";
        for (const auto& e : stdfs::recursive_directory_iterator(t)) {
            const std::string rel = e.path().lexically_relative(t).string();
            if (e.is_symlink()) {
                EXPECT_EQ(readlink("/mnt/" + rel), stdfs::read_symlink(e.path()).string()) << rel;
            } else if (e.is_regular_file()) {
                EXPECT_TRUE(get("/mnt/" + rel) == read_host(e.path())) << rel;
            } else if (e.is_directory()) {
                std::set<std::string> want, got;
                for (const auto& c : stdfs::directory_iterator(e.path())) {
                    want.insert(c.path().filename().string());
                }
                for (const auto& n : list("/mnt/" + rel)) {
                    if (n != "." && n != "..") got.insert(n);
                }
                EXPECT_EQ(want, got) << rel;
            }
        }
    }

    stdfs::path dir_;
    std::string image_;
    int fd_ = -1;
    const blk::BlockOps* ops_ = &kFileOps;
    blk::BlockDevice dev_{};
    fs::Inode* ext_root_ = nullptr;
};

TEST_P(Ext2Test, ReadsEverythingMke2fsWrote) {
    populate();
    make_image();
    ASSERT_EQ(mount(true), 0);
    check_tree();
    EXPECT_EQ(list("/mnt/many").size(), 302u);
    const auto st = stat("/mnt/hello");
    EXPECT_EQ(st.st_nlink, 2u);
    EXPECT_EQ(st.st_mode, smode::IFREG | 0640u);
    EXPECT_EQ(st.st_size, 12);
    EXPECT_EQ(stat("/mnt/a/hello2").st_ino, st.st_ino);
    InodeRef one = lookup("/mnt/hello");
    InodeRef two = lookup("/mnt/a/hello2");
    EXPECT_EQ(one.get(), two.get());  // the inode cache: one Inode per inode number
    const auto sparse = stat("/mnt/sparse");
    EXPECT_EQ(sparse.st_size, 8 * 1024 * 1024);
    EXPECT_LT(sparse.st_blocks, 64);  // holes take no blocks
    EXPECT_EQ(stat("/mnt/fifo", at::SYMLINK_NOFOLLOW).st_mode & smode::IFMT, smode::IFIFO);
    EXPECT_EQ(get("/mnt/a/b/c/../../b/c/deep"), "deep\n");
    EXPECT_EQ(put("/mnt/new", "x"), -EROFS);
    one.reset();
    two.reset();
}

// Large reads go around the page cache for runs of uncached pages (straight from the device),
// but a page the cache holds, dirty or not, is read from the cache: the bytes are the file's
// whichever way they come, at any offset and length.
TEST_P(Ext2Test, LargeReadsMixTheDeviceAndTheCache) {
    populate();
    make_image();
    ASSERT_EQ(mount(false), 0);
    std::string want = pattern(5 * 1024 * 1024 + 1234, 1);
    FileRef f = open("/mnt/big", oflag::RDWR, 0);
    ASSERT_TRUE(f);
    // Dirty pages in the middle (not written back) and a cached clean one.
    ASSERT_EQ(fs::file_pwrite(f.get(), "DIRTY", 5, 10 * 4096 + 7), 5);
    want.replace(10 * 4096 + 7, 5, "DIRTY");
    ASSERT_EQ(fs::file_pwrite(f.get(), "more", 4, 200 * 4096), 4);
    want.replace(200 * 4096, 4, "more");
    char one = 0;
    ASSERT_EQ(fs::file_pread(f.get(), &one, 1, 300 * 4096), 1);
    for (const auto& [offset, len] :
         std::vector<std::pair<size_t, size_t>>{{0, want.size()},
                                                {4096, 1 << 20},
                                                {3, 700000},
                                                {8 * 4096, 64 * 4096},
                                                {want.size() - 9000, 9000},
                                                {199 * 4096, 3 * 4096 + 1}}) {
        std::string got(len, '\0');
        ASSERT_EQ(fs::file_pread(f.get(), got.data(), len, int64_t(offset)), int64_t(len))
            << offset;
        EXPECT_TRUE(got == want.substr(offset, len)) << "offset " << offset << " len " << len;
    }
}

// A file read and closed keeps its pages (its inode parked), a second read is served by them,
// the reclaimer gives them all back, and the file still reads exact; umount frees what is left.
TEST_P(Ext2Test, ClosedFilesStayCachedUntilReclaimed) {
    populate();
    make_image();
    const std::string want = pattern(5 * 1024 * 1024 + 1234, 1);
    const size_t pages = live_pages();
    ASSERT_EQ(mount(true), 0);
    const int64_t cached = cached_pages();
    ASSERT_TRUE(get("/mnt/big") == want);
    const uint64_t file_pages = (want.size() + 4095) / 4096;
    EXPECT_EQ(cached_pages(), cached + int64_t(file_pages));
    EXPECT_GE(live_pages(), pages + file_pages);
    ASSERT_TRUE(get("/mnt/big") == want);  // from the parked inode's pages
    EXPECT_EQ(cached_pages(), cached + int64_t(file_pages));
    EXPECT_GE(reclaim(1 << 30), file_pages);
    EXPECT_EQ(cached_pages(), 0);
    EXPECT_LT(live_pages(), pages + 16);
    ASSERT_TRUE(get("/mnt/big") == want);
    EXPECT_EQ(cached_pages(), int64_t(file_pages));
    ASSERT_EQ(unmount(), 0);
    EXPECT_EQ(cached_pages(), 0);
    EXPECT_EQ(live_pages(), pages);
}

TEST_P(Ext2Test, WritesWhatE2fsckAndDebugfsAccept) {
    populate();
    make_image();
    ASSERT_EQ(mount(false), 0);
    // Files: small, large (double indirect), sparse, extended and truncated.
    ASSERT_EQ(put("/mnt/new.txt", "written by domus\n"), 0);
    const std::string big = pattern(3 * 1024 * 1024 + 77, 7);
    ASSERT_EQ(put("/mnt/newbig", big), 0);
    {
        FileRef f = open("/mnt/holes", oflag::RDWR | oflag::CREAT, 0600);
        ASSERT_TRUE(f);
        ASSERT_EQ(fs::file_pwrite(f.get(), "end", 3, 5 * 1024 * 1024), 3);
        ASSERT_EQ(fs::file_pwrite(f.get(), "start", 5, 0), 5);
    }
    ASSERT_EQ(fs::vfs_truncate(root_, "/mnt/big", 100000), 0);
    ASSERT_EQ(fs::vfs_truncate(root_, "/mnt/hello", 5), 0);
    ASSERT_EQ(fs::vfs_truncate(root_, "/mnt/empty", 70000), 0);  // grows as a hole
    // Names.
    ASSERT_EQ(mkdir("/mnt/d1"), 0);
    ASSERT_EQ(mkdir("/mnt/d1/d2"), 0);
    ASSERT_EQ(put("/mnt/d1/d2/f", "in d2"), 0);
    ASSERT_EQ(symlink("victim", "/mnt/fastlink"), 0);
    const std::string long_target = std::string(200, 'y') + "/end";
    ASSERT_EQ(symlink(long_target, "/mnt/slowlink"), 0);
    ASSERT_EQ(link("/mnt/new.txt", "/mnt/d1/hard"), 0);
    ASSERT_EQ(unlink("/mnt/sparse"), 0);
    ASSERT_EQ(unlink("/mnt/slow"), 0);
    ASSERT_EQ(rmdir("/mnt/a/b/c"), -ENOTEMPTY);
    ASSERT_EQ(unlink("/mnt/a/b/c/deep"), 0);
    ASSERT_EQ(rmdir("/mnt/a/b/c"), 0);
    ASSERT_EQ(rename("/mnt/d1/d2", "/mnt/a/moved"), 0);  // a directory changes parent
    ASSERT_EQ(put("/mnt/victim", "old"), 0);
    ASSERT_EQ(rename("/mnt/new.txt", "/mnt/victim"), 0);  // replaces
    ASSERT_EQ(fs::vfs_mknod(root_, "/mnt/null", smode::IFCHR | 0666, 1, 3), 0);
    ASSERT_EQ(fs::vfs_mknod(root_, "/mnt/bigdev", smode::IFBLK | 0600, 259, 70000), 0);
    for (int i = 0; i < 150; ++i)
        ASSERT_EQ(unlink("/mnt/many/entry-number-" + std::to_string(i)), 0);
    for (int i = 0; i < 100; ++i) {
        ASSERT_EQ(put("/mnt/many/a-much-longer-name-than-before-" + std::to_string(i), "n"), 0);
    }
    ASSERT_EQ(fs::vfs_chown(root_, "/mnt/victim", 100000, 70000, 0), 0);
    {
        // An unlinked file stays readable while open; its blocks go with the last reference.
        FileRef f = open("/mnt/newbig", oflag::RDONLY);
        ASSERT_EQ(unlink("/mnt/newbig"), 0);
        char buf[10];
        ASSERT_EQ(fs::file_pread(f.get(), buf, 10, 1000), 10);
        EXPECT_EQ(std::string(buf, 10), big.substr(1000, 10));
    }
    ASSERT_EQ(put("/mnt/newbig", big), 0);

    EXPECT_EQ(sync(), 0);
    int status = -1;
    std::string out = fsck(&status);
    EXPECT_EQ(status, 0) << out;
    EXPECT_EQ(debugfs("cat /victim"), "written by domus\n");
    EXPECT_EQ(debugfs("cat /hello"), "hello");
    EXPECT_TRUE(debugfs("cat /newbig") == big);
    EXPECT_EQ(debugfs("cat /a/moved/f"), "in d2");
    EXPECT_NE(debugfs("stat /d1/hard").find("Links: 2"), std::string::npos);
    EXPECT_NE(debugfs("stat /d1/hard").find("Mode:  0644"), std::string::npos)
        << debugfs("stat /d1/hard");
    EXPECT_NE(debugfs("stat /a/moved").find("Type: directory    Mode:  0755"), std::string::npos);
    EXPECT_NE(debugfs("stat /null").find("Device major/minor number: 01:03"), std::string::npos)
        << debugfs("stat /null");
    EXPECT_NE(debugfs("stat /slowlink").find("Size: 204"), std::string::npos);
    EXPECT_NE(debugfs("stat /victim").find("User: 100000   Group: 70000"), std::string::npos)
        << debugfs("stat /victim");
    EXPECT_NE(debugfs("stat /fastlink").find("Fast link dest: \"victim\""), std::string::npos);
    EXPECT_NE(debugfs("stat /empty").find("Size: 70000"), std::string::npos);

    // Read back after a remount.
    ASSERT_EQ(unmount(), 0);
    out = fsck(&status);
    EXPECT_EQ(status, 0) << out;
    ASSERT_EQ(mount(true), 0);
    EXPECT_EQ(get("/mnt/victim"), "written by domus\n");
    EXPECT_EQ(get("/mnt/d1/hard"), "written by domus\n");
    EXPECT_TRUE(get("/mnt/newbig") == big);
    std::string holes = get("/mnt/holes");
    ASSERT_EQ(holes.size(), 5u * 1024 * 1024 + 3);
    EXPECT_EQ(holes.substr(0, 5), "start");
    EXPECT_EQ(holes.substr(5 * 1024 * 1024), "end");
    EXPECT_EQ(holes.find_first_not_of('\0', 5), 5u * 1024 * 1024);
    EXPECT_EQ(get("/mnt/big"), read_host(dir_ / "tree/big").substr(0, 100000));
    EXPECT_EQ(get("/mnt/empty"), std::string(70000, '\0'));
    EXPECT_EQ(readlink("/mnt/slowlink"), long_target);
    EXPECT_EQ(readlink("/mnt/fastlink"), "victim");
    EXPECT_EQ(get("/mnt/fastlink"), "written by domus\n");
    EXPECT_EQ(lookup_err("/mnt/d1/d2"), -ENOENT);
    EXPECT_EQ(get("/mnt/a/moved/../moved/f"), "in d2");
    EXPECT_EQ(list("/mnt/many").size(), 2u + 150 + 100);
    const auto dev = stat("/mnt/bigdev");
    EXPECT_EQ(dev.st_rdev, linux_abi::encode_dev(259, 70000));
    EXPECT_EQ(stat("/mnt").st_nlink, 2u + 4);  // lost+found, a, d1, many
}

TEST_P(Ext2Test, StatfsBusyAndFsync) {
    populate();
    make_image();
    ASSERT_EQ(mount(false), 0);
    const fs::Ext2Stat before = statfs();
    EXPECT_EQ(before.block_size, GetParam().block_size);
    EXPECT_FALSE(before.read_only);
    ASSERT_EQ(put("/mnt/f", pattern(100000, 3)), 0);
    const fs::Ext2Stat after = statfs();
    EXPECT_LT(after.free_blocks, before.free_blocks);
    EXPECT_EQ(after.free_inodes + 1, before.free_inodes);
    {
        InodeRef f = lookup("/mnt/f");
        EXPECT_EQ(fs::inode_fsync(f.get()), 0);
        EXPECT_EQ(fs::ext2_umount(ext_root_->sb), -EBUSY);  // f is referenced
        int status = -1;
        const std::string out = fsck(&status);  // fsync wrote everything
        EXPECT_EQ(status, 0) << out;
        EXPECT_TRUE(debugfs("cat /f") == pattern(100000, 3));
    }
}

TEST_P(Ext2Test, RenamesExchangesAndDeepFiles) {
    populate();
    make_image(GetParam().block_size == 1024 ? 65536 : 131072);
    ASSERT_EQ(mount(false), 0);
    ASSERT_EQ(mkdir("/mnt/x"), 0);
    ASSERT_EQ(mkdir("/mnt/x/sub"), 0);
    ASSERT_EQ(mkdir("/mnt/y"), 0);
    ASSERT_EQ(mkdir("/mnt/y/empty"), 0);
    ASSERT_EQ(put("/mnt/y/file", "file"), 0);
    // A directory replaces an empty one in another directory; then exchanges with a file.
    ASSERT_EQ(rename("/mnt/x/sub", "/mnt/y/empty"), 0);
    EXPECT_EQ(stat("/mnt/x").st_nlink, 2u);
    EXPECT_EQ(stat("/mnt/y").st_nlink, 3u);
    ASSERT_EQ(rename("/mnt/y/empty", "/mnt/hello", linux_abi::rename_flag::EXCHANGE), 0);
    EXPECT_EQ(get("/mnt/y/empty"), "hello, ext2\n");
    EXPECT_EQ(stat("/mnt/hello").st_mode & smode::IFMT, smode::IFDIR);
    EXPECT_EQ(stat("/mnt/y").st_nlink, 2u);
    ASSERT_EQ(put("/mnt/hello/inside", "inside"), 0);
    EXPECT_EQ(get("/mnt/hello/../y/file"), "file");
    // Triple indirect (1 KiB blocks) and beyond 2 GiB (large_file) as sparse files.
    const uint64_t far = GetParam().block_size == 1024 ? 100ull << 20 : 5ull << 30;
    {
        FileRef f = open("/mnt/far", oflag::RDWR | oflag::CREAT);
        ASSERT_TRUE(f);
        const int64_t n = fs::file_pwrite(f.get(), "far", 3, int64_t(far));
        if (GetParam().rev0 && far > 0x7fffffff) {
            EXPECT_EQ(n, -EFBIG);
        } else {
            EXPECT_EQ(n, 3);
            char buf[3];
            EXPECT_EQ(fs::file_pread(f.get(), buf, 3, int64_t(far)), 3);
            EXPECT_EQ(std::string(buf, 3), "far");
        }
    }
    // A file larger than the per-file page bound (written back while being written).
    const std::string six = pattern(6 << 20, 9);
    ASSERT_EQ(put("/mnt/six", six), 0);
    for (int i = 0; i < 40; ++i) ASSERT_EQ(mkdir("/mnt/x/d" + std::to_string(i)), 0);
    for (int i = 0; i < 40; i += 2) ASSERT_EQ(rmdir("/mnt/x/d" + std::to_string(i)), 0);
    ASSERT_EQ(sync(), 0);
    int status = -1;
    std::string out = fsck(&status);
    EXPECT_EQ(status, 0) << out;
    EXPECT_EQ(debugfs("cat /y/empty"), "hello, ext2\n");
    EXPECT_EQ(debugfs("cat /hello/inside"), "inside");
    EXPECT_TRUE(debugfs("cat /six") == six);
    ASSERT_EQ(fs::vfs_truncate(root_, "/mnt/far", 0), 0);
    ASSERT_EQ(unlink("/mnt/six"), 0);
    ASSERT_EQ(unmount(), 0);
    out = fsck(&status);
    EXPECT_EQ(status, 0) << out;
    ASSERT_EQ(mount(true), 0);
    EXPECT_EQ(get("/mnt/hello/inside"), "inside");
    EXPECT_EQ(stat("/mnt/far").st_blocks, 0);
    EXPECT_EQ(list("/mnt/x").size(), 2u + 20);
}

TEST_P(Ext2Test, FullFileSystemIsEnospcAndStaysConsistent) {
    make_image(2048);
    ASSERT_EQ(mount(false), 0);
    const std::string chunk = pattern(65536, 4);
    int64_t n = 0;
    int files = 0;
    for (; files < 100; ++files) {
        FileRef f = open("/mnt/fill" + std::to_string(files), oflag::WRONLY | oflag::CREAT);
        if (!f) break;
        while ((n = fs::file_write(f.get(), chunk.data(), chunk.size())) == int64_t(chunk.size())) {
        }
        if (n < int64_t(chunk.size())) break;
    }
    EXPECT_TRUE(n == -ENOSPC || (n >= 0 && n < int64_t(chunk.size()))) << n;
    const fs::Ext2Stat st = statfs();
    // Full to less than a page: a page's blocks that a failed write did get are given back.
    EXPECT_LT(st.free_blocks, 4096u / GetParam().block_size);
    EXPECT_FALSE(st.errored);
    // New names need directory blocks sooner or later: ENOSPC, and the new inodes go back.
    int err = 0;
    for (int i = 0; i < 400 && err == 0; ++i) {
        err = put("/mnt/name-long-enough-to-fill-blocks-" + std::to_string(i), "");
    }
    EXPECT_EQ(err, -ENOSPC);
    err = 0;
    for (int i = 0; i < 400 && err == 0; ++i) err = mkdir("/mnt/d" + std::to_string(i));
    EXPECT_EQ(err, -ENOSPC);
    ASSERT_EQ(sync(), 0);
    int status = -1;
    std::string out = fsck(&status);
    EXPECT_EQ(status, 0) << out;
    for (int i = 0; i <= files; ++i) unlink("/mnt/fill" + std::to_string(i));
    ASSERT_EQ(unmount(), 0);
    out = fsck(&status);
    EXPECT_EQ(status, 0) << out;
}

TEST_P(Ext2Test, IndexedDirectoriesAreReadAndChangedLinearly) {
    if (GetParam().rev0) GTEST_SKIP() << "dir_index needs revision 1";
    populate();
    make_image();
    int status = -1;
    run("e2fsck -fyD '" + image_ + "' 2>&1", &status);  // builds htree indexes
    ASSERT_NE(debugfs("stat /many").find("Flags: 0x1000"), std::string::npos);
    ASSERT_EQ(mount(false), 0);
    check_tree();
    EXPECT_EQ(get("/mnt/many/entry-number-123"), "123");
    ASSERT_EQ(unlink("/mnt/many/entry-number-5"), 0);
    ASSERT_EQ(put("/mnt/many/added", "added"), 0);
    ASSERT_EQ(sync(), 0);
    std::string out = fsck(&status);
    EXPECT_EQ(status, 0) << out;
    EXPECT_NE(debugfs("stat /many").find("Flags: 0x0"), std::string::npos);
    EXPECT_EQ(debugfs("cat /many/added"), "added");
}

TEST_P(Ext2Test, ThreadsWorkingTogether) {
    make_image(16384);
    ASSERT_EQ(mount(false), 0);
    ASSERT_EQ(put("/mnt/shared", "shared"), 0);
    std::atomic<bool> failed{false};
    std::vector<std::thread> threads;
    for (int t = 0; t < 4; ++t) {
        threads.emplace_back([&, t] {
            const std::string dir = "/mnt/t" + std::to_string(t);
            if (mkdir(dir) != 0) failed = true;
            for (int i = 0; i < 200; ++i) {
                const std::string name = dir + "/f" + std::to_string(i % 20);
                const std::string data = pattern(size_t(100 + (i * 997) % 20000), uint32_t(i));
                if (put(name, data) != 0 || get(name) != data) failed = true;
                if (get("/mnt/shared") != "shared") failed = true;  // shared cached inode
                if (i % 3 == 0 && unlink(dir + "/f" + std::to_string((i + 7) % 20)) < -ENOENT) {
                    failed = true;
                }
                if (i % 10 == 0 && rename(name, dir + "/renamed") != 0) failed = true;
            }
        });
    }
    for (auto& th : threads) th.join();
    EXPECT_FALSE(failed);
    ASSERT_EQ(unmount(), 0);
    int status = -1;
    std::string out = fsck(&status);
    EXPECT_EQ(status, 0) << out;
}

TEST_P(Ext2Test, PagesReadOnlyDevicesAndWriteErrors) {
    populate();
    make_image();
    ASSERT_EQ(mount(false), 0);
    {
        // A page handed out (as to a mapping) is the file's: changes to it reach the disk.
        InodeRef f = lookup("/mnt/big");
        auto* page = static_cast<char*>(fs::inode_get_page(f.get(), 1, true));
        ASSERT_NE(page, nullptr);
        memcpy(page + 10, "mapped", 6);
        EXPECT_EQ(fs::inode_get_page(f.get(), 1, false), page);
        InodeRef s = lookup("/mnt/sparse");
        EXPECT_EQ(fs::inode_get_page(s.get(), 100, false), nullptr);  // a hole
        void* fresh = fs::inode_get_page(s.get(), 100, true);
        EXPECT_NE(fresh, nullptr);
        EXPECT_EQ(fs::inode_adopt_page(s.get(), 2000, fresh), -EINVAL);
    }
    ASSERT_EQ(sync(), 0);
    EXPECT_EQ(debugfs("cat /big").substr(4096 + 10, 6), "mapped");
    int status = -1;
    std::string out = fsck(&status);
    EXPECT_EQ(status, 0) << out;
    // A device that stops writing: the sync says EIO and the instance stops changing.
    ASSERT_EQ(put("/mnt/late", "late"), 0);
    g_fail_writes = true;
    EXPECT_EQ(sync(), -EIO);
    const fs::Ext2Stat st = statfs();
    EXPECT_TRUE(st.errored);
    EXPECT_EQ(put("/mnt/later", "x"), -EIO);
    EXPECT_EQ(get("/mnt/late"), "late");
    g_fail_writes = false;
    ASSERT_EQ(unmount(), 0);
    EXPECT_NE(debugfs("stats").find("Filesystem state:         clean with errors"),
              std::string::npos)
        << debugfs("stats");
    // A read-only device mounts read-only whatever was asked.
    fd_ = ::open(image_.c_str(), O_RDWR);
    dev_ = {};
    dev_.ops = &kFileOps;
    dev_.priv = reinterpret_cast<void*>(intptr_t(fd_));
    dev_.sectors = uint64_t(lseek(fd_, 0, SEEK_END)) / 512;
    dev_.read_only = true;
    fs::Inode* root = nullptr;
    const char* why = nullptr;
    ASSERT_EQ(fs::ext2_mount(&dev_, false, &root, &why), 0);
    fs::Ext2Stat ro{};
    fs::ext2_statfs(root->sb, &ro);
    EXPECT_TRUE(ro.read_only);
    fs::SuperBlock* sb = root->sb;
    fs::inode_put(root);
    EXPECT_EQ(fs::ext2_umount(sb), 0);
}

// Write-back runs behind the writer: a file larger than the write batch goes to the device
// while the writer goes on (the device holds the last kAsyncHeld writes unanswered), reads
// back at once (its written pages were dropped: the reads wait for the held writes), is
// rewritten over the same blocks while older writes of them are held, and a write that fails
// after write() returned is the next sync's EIO.
TEST_P(Ext2Test, WriteBackBehindTheWriterIsOrderedAndReportsErrors) {
    make_image();
    ASSERT_EQ(mount(false), 0);
    const std::string first = pattern(12 * 1024 * 1024 + 100, 7);
    ASSERT_EQ(put("/mnt/big", first), 0);
    EXPECT_GT(held_writes(), 0);
    EXPECT_TRUE(get("/mnt/big") == first);
    const std::string second = pattern(12 * 1024 * 1024 + 100, 8);
    ASSERT_EQ(put("/mnt/big", second), 0);  // O_TRUNC: the freed blocks are taken again
    EXPECT_GT(held_writes(), 0);
    EXPECT_TRUE(get("/mnt/big") == second);
    ASSERT_EQ(sync(), 0);
    EXPECT_EQ(held_writes(), 0);
    int status = -1;
    const std::string out = fsck(&status);
    EXPECT_EQ(status, 0) << out;
    EXPECT_TRUE(debugfs("cat /big") == second);
    // A failure the writer could not see: sync reports it, and the instance stops changing.
    ASSERT_EQ(put("/mnt/late", pattern(6 * 1024 * 1024, 9)), 0);
    ASSERT_GT(held_writes(), 0);
    g_fail_writes = true;
    EXPECT_EQ(sync(), -EIO);
    g_fail_writes = false;
    const fs::Ext2Stat st = statfs();
    EXPECT_TRUE(st.errored);
    EXPECT_EQ(put("/mnt/later", "x"), -EIO);
}

// A device without asynchronous writes: write-back waits for each write, same result.
TEST_P(Ext2Test, ADeviceWithoutAsyncWritesIsWrittenInPlace) {
    make_image();
    ops_ = &kSyncOps;
    ASSERT_EQ(mount(false), 0);
    const std::string data = pattern(9 * 1024 * 1024 + 5, 10);
    ASSERT_EQ(put("/mnt/big", data), 0);
    EXPECT_EQ(held_writes(), 0);
    ASSERT_EQ(unmount(), 0);
    int status = -1;
    const std::string out = fsck(&status);
    EXPECT_EQ(status, 0) << out;
    EXPECT_TRUE(debugfs("cat /big") == data);
}

// What read(2) and write(2) use to spare their copy: cached pages pinned for a copy with no
// lock held, and buffers ext2 hands to the device as they are. Both give the bytes the
// copying paths give, leave no page pinned, and e2fsck finds the result clean.
struct Collect {
    std::string* out;
    size_t fail_at;  // the sink fails for a piece starting at or past this many bytes
};

int collect(void* ctx, uint64_t done, const void* src, size_t n) {
    auto* c = static_cast<Collect*>(ctx);
    if (done >= c->fail_at) return -EFAULT;
    EXPECT_EQ(done, c->out->size());
    c->out->append(static_cast<const char*>(src), n);
    return 0;
}

TEST_P(Ext2Test, CachedPagesReadWithoutTheLockAndBuffersWrittenAsTheyAre) {
    populate();
    make_image();
    ASSERT_EQ(mount(false), 0);
    std::string want = pattern(5 * 1024 * 1024 + 1234, 1);
    FileRef f = open("/mnt/big", oflag::RDWR, 0);
    ASSERT_TRUE(f);
    std::string got;
    Collect c{&got, SIZE_MAX};
    EXPECT_EQ(fs::file_read_cached(f.get(), 8192, 0, collect, &c), -EAGAIN);  // nothing cached
    {
        std::string copy(want.size(), '\0');
        ASSERT_EQ(fs::file_pread(f.get(), copy.data(), copy.size(), 0), int64_t(copy.size()));
    }
    // From the cache: at an offset, across pages, to the end, and past it.
    ASSERT_EQ(fs::file_read_cached(f.get(), 700000, 3, collect, &c), 700000);
    EXPECT_TRUE(got == want.substr(3, 700000));
    got.clear();
    ASSERT_EQ(fs::file_read_cached(f.get(), 1 << 20, int64_t(want.size() - 9000), collect, &c),
              9000);
    EXPECT_TRUE(got == want.substr(want.size() - 9000));
    got.clear();
    EXPECT_EQ(fs::file_read_cached(f.get(), 100, int64_t(want.size()), collect, &c), 0);
    EXPECT_EQ(fs::file_read_cached(f.get(), 100, int64_t(want.size() + 5), collect, &c), 0);
    // At the file position, which moves; a sink that fails stops the read where it failed.
    ASSERT_EQ(fs::file_lseek(f.get(), 4096 * 3, linux_abi::seek::SET), 4096 * 3);
    ASSERT_EQ(fs::file_read_cached(f.get(), 10000, -1, collect, &c), 10000);
    EXPECT_EQ(fs::file_lseek(f.get(), 0, linux_abi::seek::CUR), 4096 * 3 + 10000);
    got.clear();
    c.fail_at = 5000;
    EXPECT_EQ(fs::file_read_cached(f.get(), 20000, 0, collect, &c), 8192);
    c.fail_at = 0;
    EXPECT_EQ(fs::file_read_cached(f.get(), 20000, 0, collect, &c), -EFAULT);
    EXPECT_EQ(pinned_pages(), 0u);

    // A buffer of 9 pages and a bit, from a page boundary, over a dirty cached page: the page
    // takes the new bytes (a later write-back of it must not bring the old ones back).
    ASSERT_EQ(fs::file_pwrite(f.get(), "DIRTY", 5, 10 * 4096 + 7), 5);
    const std::string fresh = pattern(9 * 4096 + 100, 2);
    const unsigned order = 4;  // 64 KiB
    auto* buf = static_cast<char*>(block_alloc(order));
    ASSERT_NE(buf, nullptr);
    memcpy(buf, fresh.data(), fresh.size());
    bool taken = false;
    ASSERT_EQ(fs::file_write_buffer(f.get(), buf, order, fresh.size(), 8 * 4096, &taken),
              int64_t(fresh.size()));
    EXPECT_TRUE(taken);
    want.replace(8 * 4096, fresh.size(), fresh);
    // Not from a page boundary: copied, the buffer stays the caller's.
    buf = static_cast<char*>(block_alloc(order));
    ASSERT_NE(buf, nullptr);
    memcpy(buf, fresh.data(), fresh.size());
    ASSERT_EQ(fs::file_write_buffer(f.get(), buf, order, 3 * 4096, 300 * 4096 + 1, &taken),
              3 * 4096);
    EXPECT_FALSE(taken);
    block_free(buf, order);
    want.replace(300 * 4096 + 1, 3 * 4096, fresh.substr(0, 3 * 4096));
    // Past the end, leaving a hole.
    buf = static_cast<char*>(block_alloc(order));
    memcpy(buf, fresh.data(), fresh.size());
    const uint64_t far = (want.size() / 4096 + 20) * 4096;
    ASSERT_EQ(fs::file_write_buffer(f.get(), buf, order, 4 * 4096, int64_t(far), &taken), 4 * 4096);
    EXPECT_TRUE(taken);
    want.resize(far, '\0');
    want += fresh.substr(0, 4 * 4096);
    std::string copy(want.size(), '\0');
    ASSERT_EQ(fs::file_pread(f.get(), copy.data(), copy.size(), 0), int64_t(copy.size()));
    EXPECT_TRUE(copy == want);
    f.reset();
    ASSERT_EQ(sync(), 0);
    EXPECT_EQ(pinned_pages(), 0u);
    int status = -1;
    const std::string out = fsck(&status);
    EXPECT_EQ(status, 0) << out;
    EXPECT_TRUE(debugfs("cat /big") == want);
}

// What read(2) does: the cached pages (and what was read ahead) first, else the copying read.
int64_t syscall_read(fs::File* f, std::string& out, size_t len) {
    out.clear();
    Collect c{&out, SIZE_MAX};
    int64_t n = fs::file_read_cached(f, len, -1, collect, &c);
    if (n != -EAGAIN) return n;
    out.assign(len, '\0');
    n = fs::file_read(f, out.data(), len);
    out.resize(n > 0 ? size_t(n) : 0);
    return n;
}

// Reads `f` to its end in `chunk`-byte read(2)s, each checked against `want` at its offset.
void read_in_order(fs::File* f, const std::string& want, size_t chunk, const char* what = "") {
    std::string got;
    for (size_t at = 0; at < want.size();) {
        const int64_t n = syscall_read(f, got, chunk);
        ASSERT_GT(n, 0) << what << " at " << at;
        ASSERT_TRUE(got == want.substr(at, size_t(n))) << what << " at " << at;
        at += size_t(n);
    }
}

// A file read in order in large pieces is read ahead: the device fills the next run while the
// caller copies this one, and the next read pins those pages. A change to the file drops what
// was read ahead, a read elsewhere does not use it, a truncation ends it: every byte read is
// the file's, and no page stays pinned or allocated.
TEST_P(Ext2Test, SequentialReadsAreReadAheadAndChangesDropIt) {
    populate();
    make_image();
    const size_t pages = live_pages();
    ASSERT_EQ(mount(false), 0);
    std::string want = pattern(5 * 1024 * 1024 + 1234, 1);
    FileRef f = open("/mnt/big", oflag::RDWR, 0);
    ASSERT_TRUE(f);
    const size_t chunk = 256 * 1024;
    const int reads_before = g_async_reads;
    std::string got;
    ASSERT_EQ(syscall_read(f.get(), got, chunk), int64_t(chunk));
    EXPECT_TRUE(got == want.substr(0, chunk));
    EXPECT_GT(g_async_reads, reads_before);  // the next run is being read
    // A change inside the run read ahead: the next read sees it.
    ASSERT_EQ(fs::file_pwrite(f.get(), "CHANGED", 7, int64_t(chunk + 4096 + 3)), 7);
    want.replace(chunk + 4096 + 3, 7, "CHANGED");
    ASSERT_EQ(syscall_read(f.get(), got, chunk), int64_t(chunk));
    EXPECT_TRUE(got == want.substr(chunk, chunk));
    // In order to the end (from the read-ahead once it has started again), then elsewhere.
    const int reads_mid = g_async_reads;
    for (size_t at = 2 * chunk; at < want.size();) {
        const int64_t n = syscall_read(f.get(), got, chunk);
        ASSERT_GT(n, 0) << at;
        EXPECT_TRUE(got == want.substr(at, size_t(n))) << at;
        at += size_t(n);
    }
    EXPECT_GT(g_async_reads, reads_mid + 3);
    for (const size_t at : {size_t(3 * chunk), size_t(0), size_t(chunk)}) {
        std::string copy(chunk, '\0');
        ASSERT_EQ(fs::file_pread(f.get(), copy.data(), chunk, int64_t(at)), int64_t(chunk));
        EXPECT_TRUE(copy == want.substr(at, chunk)) << at;
    }
    EXPECT_EQ(pinned_pages(), 0u);
    // Truncated under a read-ahead: what is past the new end is gone.
    ASSERT_EQ(fs::file_lseek(f.get(), int64_t(8 * chunk), linux_abi::seek::SET),
              int64_t(8 * chunk));
    ASSERT_EQ(syscall_read(f.get(), got, chunk), int64_t(chunk));
    ASSERT_EQ(fs::file_truncate(f.get(), int64_t(9 * chunk + 100)), 0);
    ASSERT_EQ(syscall_read(f.get(), got, chunk), 100);
    EXPECT_TRUE(got == want.substr(9 * chunk, 100));
    f.reset();
    ASSERT_EQ(unmount(), 0);
    EXPECT_EQ(held_writes(), 0);
    EXPECT_EQ(live_pages(), pages);
}

// While memory allows, a run read ahead and taken whole joins the page cache: the file read
// again comes from memory (the device then fails every read, and no byte is wrong). A run the
// reader left part way is let go. The pages go with the file system.
TEST_P(Ext2Test, RunsReadAheadJoinTheCacheWhenTakenWhole) {
    populate();
    make_image();
    const size_t pages = live_pages();
    ASSERT_EQ(mount(false), 0);
    const std::string want = pattern(5 * 1024 * 1024 + 1234, 1);
    const size_t chunk = 256 * 1024;
    {
        FileRef f = open("/mnt/big", oflag::RDONLY, 0);
        ASSERT_TRUE(f);
        const int reads_before = g_async_reads;
        ASSERT_NO_FATAL_FAILURE(read_in_order(f.get(), want, chunk, "first pass"));
        EXPECT_GT(g_async_reads, reads_before + 2);  // the runs after the first were read ahead
    }
    g_reads_left = 0;  // from here every device read fails
    {
        FileRef f = open("/mnt/big", oflag::RDONLY, 0);
        ASSERT_TRUE(f);
        ASSERT_NO_FATAL_FAILURE(read_in_order(f.get(), want, chunk, "from the cache"));
    }
    g_reads_left = -1;
    EXPECT_EQ(pinned_pages(), 0u);
    ASSERT_EQ(unmount(), 0);
    EXPECT_EQ(held_writes(), 0);
    EXPECT_EQ(live_pages(), pages);
}

// A full file system: the buffer's pages that got blocks are written (a short write), and
// the blocks a page got before the space ran out are given back (e2fsck wants none past the
// end of the file).
TEST_P(Ext2Test, ABufferLargerThanTheFreeSpaceWritesWhatFits) {
    make_image(2048);
    ASSERT_EQ(mount(false), 0);
    FileRef f = open("/mnt/fill", oflag::WRONLY | oflag::CREAT, 0644);
    ASSERT_TRUE(f);
    const unsigned order = 10;  // 4 MiB: more than the image holds
    auto* buf = static_cast<char*>(block_alloc(order));
    ASSERT_NE(buf, nullptr);
    const std::string data = pattern(4096u << order, 3);
    memcpy(buf, data.data(), data.size());
    bool taken = false;
    const int64_t n = fs::file_write_buffer(f.get(), buf, order, data.size(), -1, &taken);
    EXPECT_TRUE(taken);
    ASSERT_GT(n, 0);
    ASSERT_LT(n, int64_t(data.size()));
    EXPECT_EQ(n % 4096, 0);
    EXPECT_EQ(fs::file_lseek(f.get(), 0, linux_abi::seek::CUR), n);
    const fs::Ext2Stat st = statfs();
    EXPECT_LT(st.free_blocks, 4096u / GetParam().block_size);  // less than a page is left
    f.reset();
    ASSERT_EQ(sync(), 0);
    int status = -1;
    const std::string out = fsck(&status);
    EXPECT_EQ(status, 0) << out;
    EXPECT_TRUE(debugfs("cat /fill") == data.substr(0, size_t(n)));
}

// A hole filled when the space runs out part way through a page (blocks smaller than a page):
// the blocks it did get held another file's bytes, and the hole must still read as zeros,
// through either write path, after a remount too.
TEST_P(Ext2Test, AHoleFilledAsTheSpaceRunsOutStillReadsZeros) {
    if (GetParam().block_size >= 4096) GTEST_SKIP() << "a page's one block is all or nothing";
    make_image(2048);
    ASSERT_EQ(mount(false), 0);
    for (const bool whole_pages : {true, false}) {
        SCOPED_TRACE(whole_pages ? "write_buffer" : "page cache");
        ASSERT_EQ(put("/mnt/s", ""), 0);
        {
            FileRef s = open("/mnt/s", oflag::RDWR, 0);
            ASSERT_EQ(fs::file_truncate(s.get(), 3 * 1024 * 1024), 0);  // all of it a hole
        }
        // Fill the disk with bytes that are not zeros, then give two blocks back.
        FileRef filler = open("/mnt/filler", oflag::WRONLY | oflag::CREAT | oflag::TRUNC, 0644);
        const std::string ff(1024, char(0xff));
        int64_t size = 0;
        while (fs::file_write(filler.get(), ff.data(), ff.size()) == int64_t(ff.size())) {
            size += int64_t(ff.size());
        }
        ASSERT_EQ(sync(), 0);  // those bytes on the disk
        ASSERT_EQ(fs::file_truncate(filler.get(), size - 2048), 0);
        FileRef s = open("/mnt/s", oflag::RDWR, 0);
        const std::string data = pattern(2 * 4096, 11);
        int64_t n;
        if (whole_pages) {
            auto* buf = static_cast<char*>(block_alloc(1));
            ASSERT_NE(buf, nullptr);
            memcpy(buf, data.data(), data.size());
            bool taken = false;
            n = fs::file_write_buffer(s.get(), buf, 1, data.size(), 0, &taken);
            if (!taken) block_free(buf, 1);
        } else {
            n = fs::file_pwrite(s.get(), data.data(), 4096, 0);
        }
        EXPECT_EQ(n, -ENOSPC);
        std::string got(4096, 'x');
        ASSERT_EQ(fs::file_pread(s.get(), got.data(), got.size(), 0), 4096);
        EXPECT_EQ(got, std::string(4096, '\0'));
        s.reset();
        filler.reset();
        ASSERT_EQ(sync(), 0);
        ASSERT_EQ(unmount(), 0);
        int status = -1;
        const std::string out = fsck(&status);
        EXPECT_EQ(status, 0) << out;
        EXPECT_EQ(debugfs("cat /s").substr(0, 4096), std::string(4096, '\0'));
        ASSERT_EQ(mount(false), 0);
        ASSERT_EQ(unlink("/mnt/filler"), 0);
    }
}

TEST_P(Ext2Test, MoreMetadataThanTheBlockCacheHolds) {
    make_image(GetParam().block_size == 1024 ? 16384 : 32768);
    ASSERT_EQ(mount(false), 0);
    // Each directory is a block of its own, plus inode-table blocks and bitmaps: well past the
    // cache's 512 blocks, so dirty blocks are written when evicted.
    for (int i = 0; i < 700; ++i) {
        ASSERT_EQ(mkdir("/mnt/d" + std::to_string(i)), 0) << i;
        ASSERT_EQ(put("/mnt/d" + std::to_string(i) + "/f", std::to_string(i)), 0);
    }
    for (int i = 0; i < 700; i += 7)
        EXPECT_EQ(get("/mnt/d" + std::to_string(i) + "/f"), std::to_string(i));
    ASSERT_EQ(sync(), 0);
    int status = -1;
    std::string out = fsck(&status);
    EXPECT_EQ(status, 0) << out;
    g_writes = 0;
    EXPECT_EQ(sync(), 0);
    EXPECT_EQ(g_writes, 1);  // nothing changed: the superblock (its write time) only
    ASSERT_EQ(unmount(), 0);
    ASSERT_EQ(mount(true), 0);
    EXPECT_EQ(list("/mnt").size(), 2u + 1 + 700);
    EXPECT_EQ(get("/mnt/d699/f"), "699");
    EXPECT_EQ(stat("/mnt").st_nlink, 2u + 1 + 700);
}

TEST_P(Ext2Test, OutOfMemoryAnywhere) {
    // Every allocation of a sequence of changes fails in turn: each answers ENOMEM or works,
    // nothing leaks, the instance unmounts and e2fsck finds the image consistent.
    write_host(dir_ / "tree/file", pattern(30000, 5));
    make_image(4096);
    const std::string pristine = read_host(image_);
    int failures = 0;
    for (size_t k = 0; k < 400; ++k) {
        write_host(image_, pristine);
        const size_t blocks = live_blocks(), pages = live_pages();
        ASSERT_EQ(mount(false), 0);
        fail_after(k);
        bool all_ok = true;
        auto step = [&](int err) {
            EXPECT_TRUE(err == 0 || err == -ENOMEM || err == -ENOENT || err == -EEXIST) << err;
            if (err != 0) all_ok = false;
        };
        step(mkdir("/mnt/dir"));
        step(put("/mnt/dir/f", pattern(20000, 6)));
        step(symlink(std::string(300, 's'), "/mnt/dir/slow"));
        step(rename("/mnt/dir", "/mnt/moved"));
        step(fs::vfs_truncate(root_, "/mnt/file", 5000));
        step(unlink("/mnt/moved/slow"));
        step(get("/mnt/file").size() == 5000 ? 0 : -ENOMEM);
        fail_never();
        ASSERT_EQ(unmount(), 0) << k;
        EXPECT_EQ(live_blocks(), blocks) << k;
        EXPECT_EQ(live_pages(), pages) << k;
        int status = -1;
        const std::string out = fsck(&status);
        EXPECT_EQ(status, 0) << "after failing from allocation " << k << "\n" << out;
        if (all_ok) break;
        ++failures;
    }
    EXPECT_GT(failures, 10);
}

TEST_P(Ext2Test, ReadErrorsAnywhere) {
    populate();
    make_image();
    for (int64_t k = 0; k < 2000; k += k < 10 ? 1 : 7) {
        const size_t blocks = live_blocks(), pages = live_pages();
        g_reads_left = k;
        const int err = mount(true);
        bool all_ok = err == 0;
        if (err == 0) {
            for (const char* path : {"/mnt/hello", "/mnt/big", "/mnt/sparse", "/mnt/a/b/c/deep",
                                     "/mnt/many/entry-number-299"}) {
                const std::string data = get(path);
                if (data.rfind("<errno", 0) == 0) {
                    EXPECT_EQ(data, "<errno 5>") << path;
                    all_ok = false;
                }
            }
            g_reads_left = -1;
            ASSERT_EQ(unmount(), 0);
        } else {
            EXPECT_EQ(err, -EIO);
            close(fd_);
            fd_ = -1;
        }
        g_reads_left = -1;
        EXPECT_EQ(live_blocks(), blocks) << k;
        EXPECT_EQ(live_pages(), pages) << k;
        if (all_ok) break;
    }
}

// Damaged images: refused at mount with a reason, or EIO from the operation that meets the
// damage (and the instance stops changing); never a crash (run under ASan+UBSan too).
class Ext2Hostile : public Ext2Test {
  protected:
    void patch(uint64_t offset, const void* bytes, size_t n) {
        const int fd = ::open(image_.c_str(), O_RDWR);
        ASSERT_GE(fd, 0);
        ASSERT_EQ(pwrite(fd, bytes, n, off_t(offset)), ssize_t(n));
        close(fd);
    }
    void patch32(uint64_t offset, uint32_t value) { patch(offset, &value, 4); }
    void patch16(uint64_t offset, uint16_t value) { patch(offset, &value, 2); }
    uint32_t peek32(uint64_t offset) {
        uint32_t v = 0;
        const int fd = ::open(image_.c_str(), O_RDONLY);
        EXPECT_EQ(pread(fd, &v, 4, off_t(offset)), 4);
        close(fd);
        return v;
    }
    void debugfs_w(const std::string& request) {
        run("debugfs -w -R '" + request + "' '" + image_ + "' 2>&1");
    }
    // The first data block of `path` (debugfs "blocks").
    uint64_t first_block(const std::string& path) { return std::stoull(debugfs("blocks " + path)); }
    // The block of the IND pointer of `path` (debugfs "stat": "(IND):1234").
    uint64_t ind_block(const std::string& path) {
        const std::string out = debugfs("stat " + path);
        const size_t at = out.find("(IND):");
        EXPECT_NE(at, std::string::npos) << out;
        return std::stoull(out.substr(at + 6));
    }
    void expect_refused(const char* expected_why) {
        const char* why = nullptr;
        EXPECT_EQ(mount(false, &why), -EINVAL);
        ASSERT_NE(why, nullptr);
        EXPECT_NE(std::string(why).find(expected_why), std::string::npos) << why;
    }
    uint32_t bs() { return GetParam().block_size; }
};

TEST_P(Ext2Hostile, SuperblockDamageIsRefused) {
    populate();
    make_image();
    patch16(1024 + 56, 0x1234);
    expect_refused("magic");
    make_image();
    patch32(1024 + 4, 0x10000000);  // blocks_count beyond the device
    expect_refused("larger than the device");
    make_image();
    patch32(1024 + 24, 7);  // 128 KiB blocks
    expect_refused("block size");
    make_image();
    patch32(1024 + 0, peek32(1024) + 8);  // inodes_count
    expect_refused("inode count");
    make_image();
    patch32(1024 + 32, 0);  // blocks_per_group
    expect_refused("blocks per group");
    if (!GetParam().rev0) {
        make_image();
        patch32(1024 + 96, peek32(1024 + 96) | 0x40);
        expect_refused("extent");
        make_image();
        patch32(1024 + 96, peek32(1024 + 96) | 0x4);
        expect_refused("needs_recovery");
        make_image();
        patch32(1024 + 96, peek32(1024 + 96) | 0x200);
        expect_refused("flex_bg");
        make_image();
        patch16(1024 + 88, 100);  // inode size
        expect_refused("inode size");
        // An unknown RO_COMPAT feature: mounted, read-only.
        make_image();
        patch32(1024 + 100, peek32(1024 + 100) | 0x4000);
        ASSERT_EQ(mount(false), 0);
        EXPECT_EQ(get("/mnt/hello"), "hello, ext2\n");
        EXPECT_EQ(put("/mnt/new", "x"), -EROFS);
        EXPECT_EQ(mkdir("/mnt/newdir"), -EROFS);
    }
}

TEST_P(Ext2Hostile, GroupDescriptorDamageIsRefused) {
    populate();
    make_image();
    const uint64_t gdt = uint64_t(bs() == 1024 ? 2 : 1) * bs();
    patch32(gdt + 8, 0x7fffffff);  // inode table
    expect_refused("inode table");
    make_image();
    patch32(gdt + 0, 0);  // block bitmap
    expect_refused("group descriptor");
    make_image();
    patch32(gdt + 4, peek32(gdt + 8));  // inode bitmap inside the inode table
    expect_refused("overlapping");
}

TEST_P(Ext2Hostile, BadBlockPointerIsEio) {
    populate();
    make_image();
    debugfs_w("sif /hello block[0] 0x7ffffff0");
    debugfs_w("sif /a/b/c/deep block[0] 3");  // the group descriptors
    ASSERT_EQ(mount(false), 0);
    EXPECT_EQ(get("/mnt/hello"), "<errno 5>");
    EXPECT_EQ(put("/mnt/new", "x"), -EIO);  // errored: no more changes
    const fs::Ext2Stat st = statfs();
    EXPECT_TRUE(st.errored);
    EXPECT_EQ(get("/mnt/a/b/c/deep"), "<errno 5>");
    EXPECT_EQ(get("/mnt/big").size(), 5u * 1024 * 1024 + 1234);  // the rest still reads
}

TEST_P(Ext2Hostile, BadDirectoryEntriesAreEio) {
    populate();
    make_image();
    const uint64_t a = first_block("/a");
    const uint64_t many = first_block("/many");
    patch16(a * bs() + 4, 5);                       // "." rec_len below 12
    patch16(many * bs() + 12 + 4, uint16_t(bs()));  // ".." crosses the block
    ASSERT_EQ(mount(true), 0);
    EXPECT_EQ(lookup_err("/mnt/a/hello2"), -EIO);
    FileRef d = open("/mnt/many", oflag::RDONLY | oflag::DIRECTORY);
    ASSERT_TRUE(d);
    char buf[4096];
    EXPECT_EQ(fs::file_getdents64(d.get(), buf, sizeof buf), -EIO);
    d.reset();
    EXPECT_EQ(get("/mnt/hello"), "hello, ext2\n");
}

TEST_P(Ext2Hostile, EntryNamingReservedInodeIsEio) {
    populate();
    make_image();
    const uint64_t a = first_block("/a/b");
    // "c" is the third entry of /a/b (after "." and ".."): point it at inode 7.
    patch32(a * bs() + 24, 7);
    ASSERT_EQ(mount(true), 0);
    EXPECT_EQ(lookup_err("/mnt/a/b/c"), -EIO);
}

TEST_P(Ext2Hostile, IndirectLoopIsCaught) {
    populate();
    make_image();
    const uint64_t ind = ind_block("/big");
    patch32(ind * bs(), uint32_t(ind));  // the indirect block's first pointer: itself
    ASSERT_EQ(mount(false), 0);
    EXPECT_EQ(get("/mnt/big").size(), 5u * 1024 * 1024 + 1234);  // wrong data, no hang
    EXPECT_EQ(unlink("/mnt/big"), 0);  // freeing the loop finds the double free
    const fs::Ext2Stat st = statfs();
    EXPECT_TRUE(st.errored);
    EXPECT_EQ(put("/mnt/new", "x"), -EIO);
}

// Large reads find their runs of blocks one index block at a time (bmap_run): a run ends where
// the blocks stop following each other, whatever the order on the disk, and a bad pointer in
// the middle of one is EIO for the read that meets it (the bytes before it were the file's).
TEST_P(Ext2Hostile, RunsEndWhereBlocksStopFollowingAndBadPointersAreEio) {
    populate();
    make_image();
    const uint64_t ind = ind_block("/big");
    const uint32_t third = peek32(ind * bs() + 12), fourth = peek32(ind * bs() + 16);
    patch32(ind * bs() + 12, fourth);  // logical blocks 15 and 16 swapped on the disk
    patch32(ind * bs() + 16, third);
    std::string want = pattern(5 * 1024 * 1024 + 1234, 1);
    const std::string fifteen = want.substr(15 * bs(), bs());
    want.replace(15 * bs(), bs(), want.substr(16 * bs(), bs()));
    want.replace(16 * bs(), bs(), fifteen);
    ASSERT_EQ(mount(false), 0);
    for (int pass = 0; pass < 2; ++pass) {  // from the device (and read ahead), then cached
        FileRef f = open("/mnt/big", oflag::RDONLY, 0);
        ASSERT_TRUE(f);
        ASSERT_NO_FATAL_FAILURE(
            read_in_order(f.get(), want, 256 * 1024, pass == 0 ? "from the device" : "cached"));
    }
    ASSERT_EQ(unmount(), 0);
    make_image();
    patch32(ind * bs() + 40, 0x7ffffff0);  // logical block 22
    ASSERT_EQ(mount(false), 0);
    FileRef f = open("/mnt/big", oflag::RDONLY, 0);
    ASSERT_TRUE(f);
    const std::string plain = pattern(5 * 1024 * 1024 + 1234, 1);
    std::string got;
    int64_t n = 0;
    size_t at = 0;
    while ((n = syscall_read(f.get(), got, 1024 * 1024)) > 0) {
        ASSERT_TRUE(got == plain.substr(at, size_t(n))) << at;
        at += size_t(n);
    }
    EXPECT_EQ(n, -EIO);
    EXPECT_LE(at, 22u * bs());
    EXPECT_TRUE(statfs().errored);
}

TEST_P(Ext2Hostile, BitmapsThatLieAreCaught) {
    populate();
    make_image();
    const uint64_t gdt = uint64_t(bs() == 1024 ? 2 : 1) * bs();
    const uint32_t table = peek32(gdt + 8);
    debugfs_w("freeb " + std::to_string(table));
    ASSERT_EQ(mount(false), 0);
    EXPECT_EQ(put("/mnt/new", "x"), -EIO);  // the free block is the inode table
    ASSERT_EQ(unmount(), 0);
    make_image();
    debugfs_w("freei /hello");
    ASSERT_EQ(mount(false), 0);
    int err = 0;
    for (int i = 0; i < 400 && err == 0; ++i) err = put("/mnt/n" + std::to_string(i), "x");
    EXPECT_EQ(err, -EIO);  // reached /hello's inode, which is linked
    EXPECT_EQ(get("/mnt/hello"), "hello, ext2\n");
}

INSTANTIATE_TEST_SUITE_P(Images, Ext2Hostile,
                         ::testing::Values(ImageSpec{1024, false}, ImageSpec{4096, false},
                                           ImageSpec{1024, true}),
                         [](const auto& info) {
                             return std::to_string(info.param.block_size) +
                                    (info.param.rev0 ? "_rev0" : "_rev1");
                         });

INSTANTIATE_TEST_SUITE_P(Images, Ext2Test,
                         ::testing::Values(ImageSpec{1024, false}, ImageSpec{4096, false},
                                           ImageSpec{1024, true}, ImageSpec{4096, true}),
                         [](const auto& info) {
                             return std::to_string(info.param.block_size) +
                                    (info.param.rev0 ? "_rev0" : "_rev1");
                         });

}  // namespace
}  // namespace guest_fs_test
