// A fresh ramfs as "/" for each test, helpers that drive the VFS the way the system calls
// will, and a leak check at the end (every block and page the test allocated must be freed
// once its root is torn down: reference counting mistakes show up here).
//
// The tests compare results with the host's E* macros (<errno.h>): the same Linux x86-64
// values as guest/abi/errno.hpp, which only the guest sources include (its constants and the
// host's macros cannot meet in one translation unit). guest/abi/linux_types.hpp avoids libc's
// macro names, so it mixes freely with the host's headers.
#pragma once

#include "abi/linux_types.hpp"
#include "fs/fd_table.hpp"
#include "fs/file.hpp"
#include "fs/file_ops.hpp"
#include "fs/inode.hpp"
#include "fs/mount.hpp"
#include "fs/ramfs.hpp"
#include "fs/vfs.hpp"

#include <errno.h>
#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "host_shims.hpp"

namespace guest_fs_test {

namespace oflag = linux_abi::oflag;
namespace smode = linux_abi::smode;
namespace at = linux_abi::at;

struct FilePut {
    void operator()(fs::File* f) const { fs::file_put(f); }
};
struct InodePut {
    void operator()(fs::Inode* i) const { fs::inode_put(i); }
};
using FileRef = std::unique_ptr<fs::File, FilePut>;
using InodeRef = std::unique_ptr<fs::Inode, InodePut>;

class FsTest : public ::testing::Test {
  protected:
    void SetUp() override {
        fail_never();
        blocks_ = live_blocks();
        pages_ = live_pages();
        root_ = fs::ramfs_create(0755);
        ASSERT_NE(root_, nullptr);
        fs::vfs_set_root(root_);
    }

    void TearDown() override {
        fail_never();
        fs::vfs_set_root(nullptr);
        fs::ramfs_teardown(root_);
        EXPECT_EQ(live_blocks(), blocks_) << "kernel heap blocks leaked";
        EXPECT_EQ(live_pages(), pages_) << "pages leaked";
    }

    // open(2) relative to `dir` (default: the root); the File or nullptr with *err set.
    FileRef open(const std::string& path, uint32_t flags, uint32_t mode = 0644, int* err = nullptr,
                 fs::Inode* dir = nullptr) {
        fs::File* f = nullptr;
        const int e = fs::vfs_open(dir ? dir : root_, path.c_str(), flags, mode, &f);
        if (err) *err = e;
        return FileRef(e == 0 ? f : nullptr);
    }

    int open_err(const std::string& path, uint32_t flags, uint32_t mode = 0644) {
        int err = 0;
        open(path, flags, mode, &err);
        return err;
    }

    // Creates or truncates `path` with `data`; 0 or -errno.
    int put(const std::string& path, const std::string& data, uint32_t mode = 0644) {
        int err = 0;
        FileRef f = open(path, oflag::WRONLY | oflag::CREAT | oflag::TRUNC, mode, &err);
        if (!f) return err;
        const int64_t n = fs::file_write(f.get(), data.data(), data.size());
        return n < 0 ? int(n) : 0;
    }

    // The whole contents of `path`, or "<errno N>".
    std::string get(const std::string& path) {
        int err = 0;
        FileRef f = open(path, oflag::RDONLY, 0, &err);
        if (!f) return "<errno " + std::to_string(-err) + ">";
        std::string out;
        char buf[1000];
        for (;;) {
            const int64_t n = fs::file_read(f.get(), buf, sizeof buf);
            if (n < 0) return "<errno " + std::to_string(-n) + ">";
            if (n == 0) break;
            out.append(buf, size_t(n));
        }
        return out;
    }

    InodeRef lookup(const std::string& path, uint32_t at_flags = 0, int* err = nullptr,
                    fs::Inode* dir = nullptr) {
        fs::Inode* inode = nullptr;
        const int e = fs::vfs_lookup(dir ? dir : root_, path.c_str(), at_flags, false, &inode);
        if (err) *err = e;
        return InodeRef(e == 0 ? inode : nullptr);
    }

    int lookup_err(const std::string& path, uint32_t at_flags = 0, fs::Inode* dir = nullptr) {
        int err = 0;
        lookup(path, at_flags, &err, dir);
        return err;
    }

    linux_abi::stat stat(const std::string& path, uint32_t at_flags = 0) {
        linux_abi::stat st{};
        EXPECT_EQ(fs::vfs_stat(root_, path.c_str(), at_flags, &st), 0) << path;
        return st;
    }

    int mkdir(const std::string& path, uint32_t mode = 0755) {
        return fs::vfs_mkdir(root_, path.c_str(), mode);
    }
    int symlink(const std::string& target, const std::string& path) {
        return fs::vfs_symlink(target.c_str(), root_, path.c_str());
    }
    int unlink(const std::string& path) { return fs::vfs_unlink(root_, path.c_str()); }
    int rmdir(const std::string& path) { return fs::vfs_rmdir(root_, path.c_str()); }
    int rename(const std::string& from, const std::string& to, uint32_t flags = 0) {
        return fs::vfs_rename(root_, from.c_str(), root_, to.c_str(), flags);
    }
    int link(const std::string& from, const std::string& to, uint32_t at_flags = 0) {
        return fs::vfs_link(root_, from.c_str(), root_, to.c_str(), at_flags);
    }

    std::string readlink(const std::string& path) {
        char buf[4096];
        const int64_t n = fs::vfs_readlink(root_, path.c_str(), buf, sizeof buf);
        if (n < 0) return "<errno " + std::to_string(-n) + ">";
        return std::string(buf, size_t(n));
    }

    std::string getcwd(fs::Inode* dir) {
        char buf[4096];
        const int64_t n = fs::vfs_getcwd(dir, buf, sizeof buf);
        if (n < 0) return "<errno " + std::to_string(-n) + ">";
        return std::string(buf, size_t(n - 1));
    }

    // The names getdents64 returns for an open directory, from its current offset to the end,
    // with buffers of `buffer` bytes.
    static std::vector<std::string> read_dir(fs::File* dir, size_t buffer = 4096) {
        std::vector<std::string> names;
        std::vector<uint8_t> buf(buffer);
        for (;;) {
            const int64_t n = fs::file_getdents64(dir, buf.data(), buf.size());
            EXPECT_GE(n, 0);
            if (n <= 0) break;
            for (int64_t off = 0; off < n;) {
                uint16_t reclen;
                memcpy(&reclen, buf.data() + off + 16, 2);
                names.emplace_back(reinterpret_cast<const char*>(buf.data() + off + 19));
                off += reclen;
            }
        }
        return names;
    }

    std::vector<std::string> list(const std::string& path) {
        FileRef d = open(path, oflag::RDONLY | oflag::DIRECTORY);
        EXPECT_TRUE(d) << path;
        if (!d) return {};
        return read_dir(d.get());
    }

    fs::Inode* root_ = nullptr;
    size_t blocks_ = 0;
    size_t pages_ = 0;
};

}  // namespace guest_fs_test
