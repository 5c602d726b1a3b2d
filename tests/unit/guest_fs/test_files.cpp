// open(2) semantics and I/O on regular files: creation flags, access modes, offsets,
// O_APPEND, lseek, pread/pwrite, O_PATH, and unlinked files that stay open.
#include "fs_fixture.hpp"

namespace guest_fs_test {
namespace {

namespace seek = linux_abi::seek;
using GuestFsFiles = FsTest;

TEST_F(GuestFsFiles, CreateExclusiveAndTruncate) {
    FileRef f = open("f", oflag::RDWR | oflag::CREAT | oflag::EXCL, 0640);
    ASSERT_TRUE(f);
    EXPECT_EQ(stat("f").st_mode, smode::IFREG | 0640);
    EXPECT_EQ(fs::file_write(f.get(), "hello", 5), 5);
    EXPECT_EQ(open_err("f", oflag::RDWR | oflag::CREAT | oflag::EXCL), -EEXIST);
    EXPECT_EQ(open_err("f", oflag::RDWR | oflag::CREAT), 0);  // exists: opened
    EXPECT_EQ(get("f"), "hello");
    EXPECT_EQ(open_err("f", oflag::RDONLY | oflag::TRUNC), 0);  // Linux truncates even so
    EXPECT_EQ(get("f"), "");
    EXPECT_EQ(open_err("missing", oflag::RDONLY), -ENOENT);
    EXPECT_EQ(open_err("nodir/f", oflag::WRONLY | oflag::CREAT), -ENOENT);
}

TEST_F(GuestFsFiles, CreateThroughADanglingSymlinkMakesItsTarget) {
    ASSERT_EQ(mkdir("d"), 0);
    ASSERT_EQ(symlink("d/target", "link"), 0);
    EXPECT_EQ(open_err("link", oflag::WRONLY | oflag::CREAT | oflag::EXCL), -EEXIST);
    EXPECT_EQ(open_err("link", oflag::WRONLY | oflag::CREAT | oflag::NOFOLLOW), -ELOOP);
    ASSERT_EQ(open_err("link", oflag::WRONLY | oflag::CREAT, 0600), 0);
    EXPECT_EQ(stat("d/target").st_mode, smode::IFREG | 0600);
    ASSERT_EQ(put("link", "via link"), 0);
    EXPECT_EQ(get("d/target"), "via link");
}

TEST_F(GuestFsFiles, DirectoriesAndTypeChecks) {
    ASSERT_EQ(mkdir("d"), 0);
    ASSERT_EQ(put("f", "x"), 0);
    EXPECT_EQ(open_err("d", oflag::WRONLY), -EISDIR);
    EXPECT_EQ(open_err("d", oflag::RDWR), -EISDIR);
    EXPECT_EQ(open_err("d", oflag::RDONLY | oflag::TRUNC), -EISDIR);
    EXPECT_EQ(open_err("d", oflag::RDONLY | oflag::CREAT), -EISDIR);
    EXPECT_EQ(open_err("d/", oflag::RDONLY | oflag::CREAT), -EISDIR);
    EXPECT_EQ(open_err("new/", oflag::RDWR | oflag::CREAT), -EISDIR);
    EXPECT_EQ(open_err(".", oflag::RDWR | oflag::CREAT), -EISDIR);
    EXPECT_EQ(open_err("f", oflag::RDONLY | oflag::DIRECTORY), -ENOTDIR);
    EXPECT_EQ(open_err("f/", oflag::RDONLY), -ENOTDIR);
    EXPECT_EQ(open_err("x", oflag::RDONLY | oflag::CREAT | oflag::DIRECTORY), -EINVAL);
    EXPECT_EQ(open_err("d", oflag::RDWR | oflag::TMPFILE), -EOPNOTSUPP);
    FileRef d = open("d", oflag::RDONLY | oflag::DIRECTORY);
    ASSERT_TRUE(d);
    char buf[4];
    EXPECT_EQ(fs::file_read(d.get(), buf, 4), -EISDIR);
    EXPECT_EQ(fs::file_pread(d.get(), buf, 4, 0), -EISDIR);
    EXPECT_EQ(fs::file_write(d.get(), buf, 4), -EBADF);
    FileRef f = open("f", oflag::RDONLY);
    EXPECT_EQ(fs::file_getdents64(f.get(), buf, 4), -ENOTDIR);
    EXPECT_EQ(fs::file_ioctl(f.get(), 0x5401, 0), -ENOTTY);
}

TEST_F(GuestFsFiles, AccessModesAreEnforced) {
    ASSERT_EQ(put("f", "abc"), 0);
    FileRef r = open("f", oflag::RDONLY);
    FileRef w = open("f", oflag::WRONLY);
    FileRef neither = open("f", oflag::ACCMODE);
    char buf[8];
    EXPECT_EQ(fs::file_write(r.get(), "x", 1), -EBADF);
    EXPECT_EQ(fs::file_pwrite(r.get(), "x", 1, 0), -EBADF);
    EXPECT_EQ(fs::file_read(w.get(), buf, 8), -EBADF);
    EXPECT_EQ(fs::file_pread(w.get(), buf, 8, 0), -EBADF);
    EXPECT_EQ(fs::file_read(neither.get(), buf, 8), -EBADF);
    EXPECT_EQ(fs::file_write(neither.get(), buf, 8), -EBADF);
    EXPECT_EQ(fs::file_truncate(r.get(), 0), -EINVAL);  // ftruncate needs write access
    EXPECT_EQ(fs::file_truncate(w.get(), -1), -EINVAL);
    EXPECT_EQ(fs::file_truncate(w.get(), 1), 0);
    EXPECT_EQ(get("f"), "a");
}

TEST_F(GuestFsFiles, OffsetsReadWriteAndSeek) {
    FileRef f = open("f", oflag::RDWR | oflag::CREAT);
    EXPECT_EQ(fs::file_write(f.get(), "0123456789", 10), 10);
    EXPECT_EQ(fs::file_lseek(f.get(), 0, seek::CUR), 10);
    char buf[16] = {};
    EXPECT_EQ(fs::file_read(f.get(), buf, sizeof buf), 0);  // at the end
    EXPECT_EQ(fs::file_lseek(f.get(), 2, seek::SET), 2);
    EXPECT_EQ(fs::file_read(f.get(), buf, 3), 3);
    EXPECT_EQ(std::string(buf, 3), "234");
    EXPECT_EQ(fs::file_lseek(f.get(), -1, seek::END), 9);
    EXPECT_EQ(fs::file_read(f.get(), buf, 16), 1);
    EXPECT_EQ(fs::file_lseek(f.get(), -11, seek::END), -EINVAL);
    EXPECT_EQ(fs::file_lseek(f.get(), 0, 99), -EINVAL);
    EXPECT_EQ(fs::file_lseek(f.get(), INT64_MAX, seek::SET), INT64_MAX);
    EXPECT_EQ(fs::file_lseek(f.get(), 1, seek::CUR), -EOVERFLOW);
    EXPECT_EQ(fs::file_lseek(f.get(), 4, seek::DATA), 4);
    EXPECT_EQ(fs::file_lseek(f.get(), 4, seek::HOLE), 10);
    EXPECT_EQ(fs::file_lseek(f.get(), 10, seek::DATA), -ENXIO);
    // Seeking past the end and writing leaves a hole of zeros.
    EXPECT_EQ(fs::file_lseek(f.get(), 20, seek::SET), 20);
    EXPECT_EQ(fs::file_write(f.get(), "Z", 1), 1);
    EXPECT_EQ(get("f"), std::string("0123456789") + std::string(10, '\0') + "Z");
    // pread/pwrite leave the offset alone.
    EXPECT_EQ(fs::file_pwrite(f.get(), "ab", 2, 0), 2);
    EXPECT_EQ(fs::file_pread(f.get(), buf, 4, 0), 4);
    EXPECT_EQ(std::string(buf, 4), "ab23");
    EXPECT_EQ(fs::file_pread(f.get(), buf, 4, -1), -EINVAL);
    EXPECT_EQ(fs::file_lseek(f.get(), 0, seek::CUR), 21);
}

TEST_F(GuestFsFiles, AppendAlwaysWritesAtTheEnd) {
    ASSERT_EQ(put("log", "start;"), 0);
    FileRef a = open("log", oflag::WRONLY | oflag::APPEND);
    FileRef b = open("log", oflag::WRONLY | oflag::APPEND);
    EXPECT_EQ(fs::file_write(a.get(), "a;", 2), 2);
    EXPECT_EQ(fs::file_write(b.get(), "b;", 2), 2);
    EXPECT_EQ(fs::file_pwrite(a.get(), "p;", 2, 0), 2);  // as on Linux: appended anyway
    EXPECT_EQ(get("log"), "start;a;b;p;");
    EXPECT_EQ(fs::file_lseek(b.get(), 0, linux_abi::seek::CUR), 10);
    // F_SETFL can drop O_APPEND; other flags are not changed by it.
    fs::file_set_flags(a.get(), 0);
    EXPECT_EQ(fs::file_get_flags(a.get()) & oflag::ACCMODE, oflag::WRONLY);
    EXPECT_EQ(fs::file_get_flags(a.get()) & oflag::APPEND, 0u);
    EXPECT_EQ(fs::file_lseek(a.get(), 0, linux_abi::seek::SET), 0);
    EXPECT_EQ(fs::file_write(a.get(), "S", 1), 1);
    EXPECT_EQ(get("log"), "Start;a;b;p;");
}

TEST_F(GuestFsFiles, GetFlagsShowsWhatOpenKept) {
    FileRef f = open("f", oflag::RDWR | oflag::CREAT | oflag::EXCL | oflag::TRUNC | oflag::CLOEXEC |
                              oflag::NONBLOCK | oflag::APPEND);
    ASSERT_TRUE(f);
    EXPECT_EQ(fs::file_get_flags(f.get()),
              oflag::RDWR | oflag::NONBLOCK | oflag::APPEND | oflag::LARGEFILE);
    fs::file_set_flags(f.get(), oflag::RDONLY | oflag::NONBLOCK);
    EXPECT_EQ(fs::file_get_flags(f.get()), oflag::RDWR | oflag::NONBLOCK | oflag::LARGEFILE);
}

TEST_F(GuestFsFiles, PathDescriptorsOnlyName) {
    ASSERT_EQ(put("f", "x"), 0);
    ASSERT_EQ(symlink("f", "link"), 0);
    FileRef p = open("f", oflag::PATH | oflag::RDWR | oflag::CREAT | oflag::TRUNC);
    ASSERT_TRUE(p);
    EXPECT_EQ(get("f"), "x");  // O_TRUNC and O_CREAT are ignored with O_PATH
    char buf[4];
    EXPECT_EQ(fs::file_read(p.get(), buf, 1), -EBADF);
    EXPECT_EQ(fs::file_write(p.get(), buf, 1), -EBADF);
    EXPECT_EQ(fs::file_lseek(p.get(), 0, 0), -EBADF);
    EXPECT_EQ(fs::file_truncate(p.get(), 0), -EBADF);
    FileRef l = open("link", oflag::PATH | oflag::NOFOLLOW);
    ASSERT_TRUE(l);
    linux_abi::stat st;
    fs::inode_stat(l->inode, &st);
    EXPECT_EQ(st.st_mode & smode::IFMT, smode::IFLNK);
    EXPECT_EQ(open_err("link", oflag::RDONLY | oflag::NOFOLLOW), -ELOOP);
    EXPECT_EQ(open_err("f", oflag::PATH | oflag::DIRECTORY), -ENOTDIR);
}

TEST_F(GuestFsFiles, UnlinkedFileStaysUsableUntilTheLastClose) {
    const size_t pages = live_pages();
    FileRef f = open("tmp", oflag::RDWR | oflag::CREAT);
    std::string data(3 * 4096 + 5, 'q');
    ASSERT_EQ(fs::file_write(f.get(), data.data(), data.size()), int64_t(data.size()));
    FileRef g = open("tmp", oflag::RDONLY);
    ASSERT_EQ(unlink("tmp"), 0);
    EXPECT_EQ(lookup_err("tmp"), -ENOENT);
    linux_abi::stat st;
    fs::inode_stat(f->inode, &st);
    EXPECT_EQ(st.st_nlink, 0u);
    EXPECT_EQ(st.st_size, int64_t(data.size()));
    std::string back(data.size(), '\0');
    EXPECT_EQ(fs::file_pread(g.get(), back.data(), back.size(), 0), int64_t(data.size()));
    EXPECT_EQ(back, data);
    EXPECT_EQ(fs::file_write(f.get(), "more", 4), 4);  // still writable
    f.reset();
    EXPECT_GT(live_pages(), pages);  // g keeps the data
    g.reset();
    EXPECT_EQ(live_pages(), pages);   // freed with the last close
    EXPECT_EQ(put("tmp", "new"), 0);  // the name is free again
}

TEST_F(GuestFsFiles, OpenInodeMakesAFileForAFoundInode) {
    ASSERT_EQ(put("f", "inode"), 0);
    InodeRef inode = lookup("f");
    fs::File* f = nullptr;
    ASSERT_EQ(fs::vfs_open_inode(inode.get(), oflag::RDONLY, &f), 0);
    FileRef file(f);
    char buf[8] = {};
    EXPECT_EQ(fs::file_read(f, buf, sizeof buf), 5);
    EXPECT_STREQ(buf, "inode");
    InodeRef d = lookup("/");
    EXPECT_EQ(fs::vfs_open_inode(d.get(), oflag::WRONLY, &f), -EISDIR);
}

TEST_F(GuestFsFiles, KernelReadsOfAFile) {
    ASSERT_EQ(put("elf", std::string(5000, 'e')), 0);
    InodeRef inode = lookup("elf");
    char buf[100];
    EXPECT_EQ(fs::inode_read(inode.get(), buf, 100, 4950), 50);
    EXPECT_EQ(fs::inode_read(inode.get(), buf, 100, 5000), 0);
    EXPECT_EQ(fs::inode_read(inode.get(), buf, 100, uint64_t(INT64_MAX)), 0);
    InodeRef d = lookup("/");
    EXPECT_EQ(fs::inode_read(d.get(), buf, 100, 0), -EINVAL);
}

}  // namespace
}  // namespace guest_fs_test
