// Creating and removing names: mkdir, mknod, symlink, link, unlink, rmdir, readlink.
#include "fs_fixture.hpp"

namespace guest_fs_test {
namespace {

using GuestFsNamespace = FsTest;

TEST_F(GuestFsNamespace, MkdirCountsLinksAndRefusesExistingNames) {
    EXPECT_EQ(stat("/").st_nlink, 2u);
    ASSERT_EQ(mkdir("d", 0750), 0);
    EXPECT_EQ(stat("d").st_mode, smode::IFDIR | 0750);
    EXPECT_EQ(stat("d").st_nlink, 2u);
    EXPECT_EQ(stat("/").st_nlink, 3u);
    ASSERT_EQ(mkdir("d/e/"), 0);  // a trailing slash is fine for mkdir
    EXPECT_EQ(stat("d").st_nlink, 3u);
    ASSERT_EQ(put("f", ""), 0);
    ASSERT_EQ(symlink("nowhere", "dangling"), 0);
    EXPECT_EQ(mkdir("d"), -EEXIST);
    EXPECT_EQ(mkdir("f"), -EEXIST);
    EXPECT_EQ(mkdir("dangling"), -EEXIST);  // not followed
    EXPECT_EQ(mkdir("."), -EEXIST);
    EXPECT_EQ(mkdir("d/.."), -EEXIST);
    EXPECT_EQ(mkdir("/"), -EEXIST);
    EXPECT_EQ(mkdir("missing/x"), -ENOENT);
    EXPECT_EQ(mkdir("f/x"), -ENOTDIR);
    EXPECT_EQ(mkdir(""), -ENOENT);
    EXPECT_EQ(mkdir("perm", 07777), 0);
    EXPECT_EQ(stat("perm").st_mode, smode::IFDIR | 07777);
}

TEST_F(GuestFsNamespace, RmdirRules) {
    ASSERT_EQ(mkdir("d"), 0);
    ASSERT_EQ(mkdir("d/sub"), 0);
    ASSERT_EQ(put("file", "x"), 0);
    EXPECT_EQ(rmdir("d"), -ENOTEMPTY);
    EXPECT_EQ(rmdir("d/sub/."), -EINVAL);
    EXPECT_EQ(rmdir("d/sub/.."), -ENOTEMPTY);
    EXPECT_EQ(rmdir("/"), -EBUSY);
    EXPECT_EQ(rmdir("file"), -ENOTDIR);
    EXPECT_EQ(rmdir("missing"), -ENOENT);
    EXPECT_EQ(rmdir("d/sub/"), 0);
    EXPECT_EQ(stat("d").st_nlink, 2u);
    EXPECT_EQ(rmdir("d"), 0);
    EXPECT_EQ(stat("/").st_nlink, 2u);
    EXPECT_EQ(lookup_err("d"), -ENOENT);
}

TEST_F(GuestFsNamespace, UnlinkRules) {
    ASSERT_EQ(mkdir("d"), 0);
    ASSERT_EQ(put("file", "x"), 0);
    ASSERT_EQ(symlink("file", "link"), 0);
    EXPECT_EQ(unlink("d"), -EISDIR);
    EXPECT_EQ(unlink("."), -EISDIR);
    EXPECT_EQ(unlink("/"), -EISDIR);
    EXPECT_EQ(unlink("file/"), -ENOTDIR);
    EXPECT_EQ(unlink("missing"), -ENOENT);
    EXPECT_EQ(unlink("link"), 0);  // the link, not its target
    EXPECT_EQ(get("file"), "x");
    EXPECT_EQ(unlink("file"), 0);
    EXPECT_EQ(lookup_err("file"), -ENOENT);
}

TEST_F(GuestFsNamespace, HardLinksShareTheInode) {
    ASSERT_EQ(put("a", "shared"), 0);
    ASSERT_EQ(mkdir("d"), 0);
    ASSERT_EQ(link("a", "d/b"), 0);
    EXPECT_EQ(stat("a").st_ino, stat("d/b").st_ino);
    EXPECT_EQ(stat("a").st_nlink, 2u);
    ASSERT_EQ(put("d/b", "changed"), 0);
    EXPECT_EQ(get("a"), "changed");
    EXPECT_EQ(unlink("a"), 0);
    EXPECT_EQ(stat("d/b").st_nlink, 1u);
    EXPECT_EQ(get("d/b"), "changed");
    EXPECT_EQ(link("d", "d2"), -EPERM);
    EXPECT_EQ(link("d/b", "d/b"), -EEXIST);
    EXPECT_EQ(link("d/b", "new/"), -ENOENT);
    EXPECT_EQ(link("d/b/", "new"), -ENOTDIR);
    EXPECT_EQ(link("missing", "new"), -ENOENT);
    EXPECT_EQ(link("d/b", "."), -EEXIST);
    EXPECT_EQ(link("d/b", "x", 0x8000), -EINVAL);
}

TEST_F(GuestFsNamespace, LinkatFollowsOnlyWhenAsked) {
    ASSERT_EQ(put("target", "t"), 0);
    ASSERT_EQ(symlink("target", "sym"), 0);
    ASSERT_EQ(link("sym", "hard_to_link"), 0);
    EXPECT_EQ(stat("hard_to_link", at::SYMLINK_NOFOLLOW).st_mode & smode::IFMT, smode::IFLNK);
    ASSERT_EQ(link("sym", "hard_to_target", at::SYMLINK_FOLLOW), 0);
    EXPECT_EQ(stat("hard_to_target").st_ino, stat("target").st_ino);
    // AT_EMPTY_PATH links the inode itself, also one reached through an open file.
    FileRef f = open("target", oflag::RDONLY);
    ASSERT_EQ(fs::vfs_link(f->inode, "", root_, "via_fd", at::EMPTY_PATH), 0);
    EXPECT_EQ(stat("via_fd").st_ino, stat("target").st_ino);
    EXPECT_EQ(stat("target").st_nlink, 3u);
}

TEST_F(GuestFsNamespace, AnUnlinkedFileCannotBeLinkedAgain) {
    ASSERT_EQ(put("f", "x"), 0);
    FileRef f = open("f", oflag::RDONLY);
    ASSERT_EQ(unlink("f"), 0);
    EXPECT_EQ(fs::vfs_link_inode(f->inode, root_, "again"), -ENOENT);
}

TEST_F(GuestFsNamespace, SymlinkAndReadlink) {
    EXPECT_EQ(symlink("", "empty"), -ENOENT);
    EXPECT_EQ(symlink(std::string(4096, 'x'), "long"), -ENAMETOOLONG);
    ASSERT_EQ(symlink(std::string(4095, 'x'), "longest"), 0);
    EXPECT_EQ(readlink("longest").size(), 4095u);
    ASSERT_EQ(symlink("some/target", "s"), 0);
    EXPECT_EQ(symlink("other", "s"), -EEXIST);
    EXPECT_EQ(symlink("x", "s/"), -EEXIST);
    EXPECT_EQ(symlink("x", "new/"), -ENOENT);  // asks for a directory that does not exist
    EXPECT_EQ(readlink("s"), "some/target");
    EXPECT_EQ(stat("s", at::SYMLINK_NOFOLLOW).st_size, 11);
    EXPECT_EQ(stat("s", at::SYMLINK_NOFOLLOW).st_mode, smode::IFLNK | 0777);
    char small[4];
    EXPECT_EQ(fs::vfs_readlink(root_, "s", small, sizeof small), 4);  // truncated, no NUL
    EXPECT_EQ(std::string(small, 4), "some");
    EXPECT_EQ(fs::vfs_readlink(root_, "s", small, 0), -EINVAL);
    ASSERT_EQ(put("file", ""), 0);
    EXPECT_EQ(readlink("file"), "<errno 22>");  // EINVAL
    EXPECT_EQ(readlink("missing"), "<errno 2>");
    // An empty path reads the start inode when it is a symlink (readlinkat on an O_PATH fd).
    FileRef p = open("s", oflag::PATH | oflag::NOFOLLOW);
    ASSERT_TRUE(p);
    char buf[64];
    EXPECT_EQ(fs::vfs_readlink(p->inode, "", buf, sizeof buf), 11);
    EXPECT_EQ(fs::vfs_readlink(root_, "", buf, sizeof buf), -ENOENT);
}

TEST_F(GuestFsNamespace, MknodMakesEveryNodeType) {
    ASSERT_EQ(fs::vfs_mknod(root_, "null", smode::IFCHR | 0666, 1, 3), 0);
    ASSERT_EQ(fs::vfs_mknod(root_, "sda", smode::IFBLK | 0660, 8, 0), 0);
    ASSERT_EQ(fs::vfs_mknod(root_, "fifo", smode::IFIFO | 0600, 0, 0), 0);
    ASSERT_EQ(fs::vfs_mknod(root_, "sock", smode::IFSOCK | 0755, 0, 0), 0);
    ASSERT_EQ(fs::vfs_mknod(root_, "plain", 0644, 0, 0), 0);
    EXPECT_EQ(stat("null").st_mode, smode::IFCHR | 0666);
    EXPECT_EQ(stat("null").st_rdev, linux_abi::encode_dev(1, 3));
    EXPECT_EQ(stat("sda").st_rdev, linux_abi::encode_dev(8, 0));
    EXPECT_EQ(stat("fifo").st_mode, smode::IFIFO | 0600);
    EXPECT_EQ(stat("fifo").st_rdev, 0u);
    EXPECT_EQ(stat("sock").st_mode, smode::IFSOCK | 0755);
    EXPECT_EQ(stat("plain").st_mode, smode::IFREG | 0644);
    EXPECT_EQ(fs::vfs_mknod(root_, "dir", smode::IFDIR | 0755, 0, 0), -EPERM);
    EXPECT_EQ(fs::vfs_mknod(root_, "bad", 0170000 | 0755, 0, 0), -EINVAL);
    EXPECT_EQ(fs::vfs_mknod(root_, "null", smode::IFCHR | 0666, 1, 3), -EEXIST);
}

TEST_F(GuestFsNamespace, DirectoryTimesMoveWithTheirEntries) {
    ASSERT_EQ(mkdir("d"), 0);
    const auto before = stat("d").st_mtim;
    set_time_ns(1'800'000'000'000'000'000ull);
    ASSERT_EQ(put("d/f", ""), 0);
    EXPECT_EQ(stat("d").st_mtim.tv_sec, 1'800'000'000);
    EXPECT_NE(stat("d").st_mtim.tv_sec, before.tv_sec);
    set_time_ns(1'900'000'000'000'000'000ull);
    ASSERT_EQ(unlink("d/f"), 0);
    EXPECT_EQ(stat("d").st_ctim.tv_sec, 1'900'000'000);
    set_time_ns(1'700'000'000'000'000'000ull);
}

}  // namespace
}  // namespace guest_fs_test
