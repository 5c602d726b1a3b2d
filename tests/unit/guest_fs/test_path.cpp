// Path resolution: absolute and relative paths, ".", "..", slashes, length limits, symlinks
// (in the middle, at the end, loops, the 40-link budget) and mounts.
#include "fs_fixture.hpp"

namespace guest_fs_test {
namespace {

class GuestFsPath : public FsTest {
  protected:
    void SetUp() override {
        FsTest::SetUp();
        ASSERT_EQ(mkdir("a"), 0);
        ASSERT_EQ(mkdir("a/b"), 0);
        ASSERT_EQ(put("a/b/file", "data"), 0);
    }
    uint64_t ino(const std::string& path, uint32_t at_flags = 0) {
        InodeRef i = lookup(path, at_flags);
        EXPECT_TRUE(i) << path;
        return i ? i->ino : 0;
    }
};

TEST_F(GuestFsPath, AbsoluteAndRelativeNameTheSameInode) {
    const uint64_t b = ino("/a/b");
    EXPECT_EQ(ino("a/b"), b);
    InodeRef a = lookup("a");
    ASSERT_TRUE(a);
    InodeRef from_a = lookup("b", 0, nullptr, a.get());
    ASSERT_TRUE(from_a);
    EXPECT_EQ(from_a->ino, b);
    InodeRef abs_from_a = lookup("/a/b/file", 0, nullptr, a.get());
    ASSERT_TRUE(abs_from_a);
    EXPECT_EQ(abs_from_a->ino, ino("a/b/file"));
}

TEST_F(GuestFsPath, RepeatedSlashesDotsAndDotDot) {
    const uint64_t b = ino("a/b");
    EXPECT_EQ(ino("//a///b//"), b);
    EXPECT_EQ(ino("a/./b/."), b);
    EXPECT_EQ(ino("a/b/../b"), b);
    EXPECT_EQ(ino("./a/../a/b"), b);
    EXPECT_EQ(ino("a/.."), root_->ino);
    EXPECT_EQ(ino("/.."), root_->ino);  // ".." at the root stays there
    EXPECT_EQ(ino("/../../a/../.."), root_->ino);
    EXPECT_EQ(ino("/"), root_->ino);
    EXPECT_EQ(ino("///"), root_->ino);
    EXPECT_EQ(ino("."), root_->ino);
}

TEST_F(GuestFsPath, NotADirectoryAndMissingComponents) {
    EXPECT_EQ(lookup_err("a/b/file/"), -ENOTDIR);
    EXPECT_EQ(lookup_err("a/b/file/."), -ENOTDIR);
    EXPECT_EQ(lookup_err("a/b/file/x"), -ENOTDIR);
    EXPECT_EQ(lookup_err("a/b/file/.."), -ENOTDIR);
    EXPECT_EQ(lookup_err("a/missing"), -ENOENT);
    EXPECT_EQ(lookup_err("a/missing/x"), -ENOENT);
    EXPECT_EQ(lookup_err(""), -ENOENT);
    InodeRef file = lookup("a/b/file");
    EXPECT_EQ(lookup_err("x", 0, file.get()), -ENOTDIR);  // relative to a non-directory
    EXPECT_EQ(lookup_err(".", 0, file.get()), -ENOTDIR);
    EXPECT_EQ(ino("/a", 0), ino("a"));  // absolute ignores the start
}

TEST_F(GuestFsPath, EmptyPathWithAtEmptyPathIsTheStart) {
    InodeRef file = lookup("a/b/file");
    InodeRef same = lookup("", at::EMPTY_PATH, nullptr, file.get());
    ASSERT_TRUE(same);
    EXPECT_EQ(same.get(), file.get());
    EXPECT_EQ(lookup_err("", 0, file.get()), -ENOENT);
}

TEST_F(GuestFsPath, NameAndPathLengthLimits) {
    const std::string name255(255, 'n');
    const std::string name256(256, 'n');
    EXPECT_EQ(put(name255, "x"), 0);
    EXPECT_EQ(get(name255), "x");
    EXPECT_EQ(lookup_err(name256), -ENAMETOOLONG);
    EXPECT_EQ(put(name256, "x"), -ENAMETOOLONG);
    EXPECT_EQ(lookup_err(name256 + "/x"), -ENAMETOOLONG);  // also in the middle
    // PATH_MAX counts the NUL: 4095 bytes resolve, 4096 do not.
    std::string path = "a/b/file";
    while (path.size() < 4095) path = "./" + path;
    path = path.substr(path.size() - 4095);
    if (path[0] == '/') path[0] = '.';
    ASSERT_EQ(path.size(), 4095u);
    EXPECT_EQ(ino(path), ino("a/b/file"));
    EXPECT_EQ(lookup_err("/" + path), -ENAMETOOLONG);
}

TEST_F(GuestFsPath, SymlinksInTheMiddleAndAtTheEnd) {
    ASSERT_EQ(symlink("a/b", "rel"), 0);
    ASSERT_EQ(symlink("/a/b/file", "abs"), 0);
    ASSERT_EQ(symlink("../b", "a/b/up"), 0);  // relative to the link's directory
    EXPECT_EQ(ino("rel/file"), ino("a/b/file"));
    EXPECT_EQ(ino("abs"), ino("a/b/file"));
    EXPECT_EQ(ino("a/b/up/up/up/file"), ino("a/b/file"));
    EXPECT_NE(ino("abs", at::SYMLINK_NOFOLLOW), ino("abs"));
    EXPECT_EQ(get("abs"), "data");
    // ".." after a symlink to a directory is the target's parent, as on Linux.
    EXPECT_EQ(ino("rel/.."), ino("a"));
    // A trailing slash follows even with NOFOLLOW and needs a directory.
    EXPECT_EQ(ino("rel/", at::SYMLINK_NOFOLLOW), ino("a/b"));
    EXPECT_EQ(lookup_err("abs/"), -ENOTDIR);
}

TEST_F(GuestFsPath, DanglingSymlinks) {
    ASSERT_EQ(symlink("nowhere", "dangling"), 0);
    EXPECT_EQ(lookup_err("dangling"), -ENOENT);
    EXPECT_EQ(lookup_err("dangling/x"), -ENOENT);
    EXPECT_EQ(lookup_err("dangling", at::SYMLINK_NOFOLLOW), 0);
    EXPECT_EQ(readlink("dangling"), "nowhere");
}

TEST_F(GuestFsPath, SymlinkLoopsGiveEloop) {
    ASSERT_EQ(symlink("self", "self"), 0);
    ASSERT_EQ(symlink("ping", "pong"), 0);
    ASSERT_EQ(symlink("pong", "ping"), 0);
    EXPECT_EQ(lookup_err("self"), -ELOOP);
    EXPECT_EQ(lookup_err("self/x"), -ELOOP);
    EXPECT_EQ(lookup_err("ping"), -ELOOP);
    EXPECT_EQ(lookup_err("ping/x/y"), -ELOOP);
    EXPECT_EQ(lookup_err("self", at::SYMLINK_NOFOLLOW), 0);
    EXPECT_EQ(open_err("self", oflag::RDONLY), -ELOOP);
    EXPECT_EQ(open_err("self", oflag::WRONLY | oflag::CREAT), -ELOOP);
}

TEST_F(GuestFsPath, FortySymlinksResolveFortyOneDoNot) {
    // l0 -> a/b/file, l1 -> l0, ... : following l_k takes k + 1 links.
    ASSERT_EQ(symlink("a/b/file", "l0"), 0);
    for (int k = 1; k <= 40; ++k) {
        ASSERT_EQ(symlink("l" + std::to_string(k - 1), "l" + std::to_string(k)), 0);
    }
    EXPECT_EQ(ino("l39"), ino("a/b/file"));
    EXPECT_EQ(lookup_err("l40"), -ELOOP);
    // The budget is per resolution, shared by links in the middle and at the end.
    ASSERT_EQ(symlink("a", "d0"), 0);
    for (int k = 1; k <= 39; ++k) {
        ASSERT_EQ(symlink("d" + std::to_string(k - 1), "d" + std::to_string(k)), 0);
    }
    EXPECT_EQ(ino("d39/b/file"), ino("a/b/file"));  // 40 links
    ASSERT_EQ(symlink("d39/b/file", "via"), 0);
    EXPECT_EQ(lookup_err("via"), -ELOOP);  // 41 links
}

TEST_F(GuestFsPath, SymlinkTargetsWithSlashesAndDots) {
    ASSERT_EQ(symlink("//a//b//", "slashy"), 0);
    ASSERT_EQ(symlink(".", "dot"), 0);
    ASSERT_EQ(symlink("/", "slash"), 0);
    EXPECT_EQ(ino("slashy/file"), ino("a/b/file"));
    EXPECT_EQ(ino("dot/dot/dot/a"), ino("a"));
    EXPECT_EQ(ino("slash"), root_->ino);
    EXPECT_EQ(ino("slash/a/b/file"), ino("a/b/file"));
}

TEST_F(GuestFsPath, RemovedDirectoryResolvesOnlyItself) {
    ASSERT_EQ(mkdir("gone"), 0);
    InodeRef cwd = lookup("gone");
    ASSERT_EQ(rmdir("gone"), 0);
    EXPECT_EQ(lookup_err(".", 0, cwd.get()), 0);
    EXPECT_EQ(lookup_err("x", 0, cwd.get()), -ENOENT);
    InodeRef up = lookup("..", 0, nullptr, cwd.get());
    ASSERT_TRUE(up);
    EXPECT_EQ(up.get(), root_);
    fs::File* f = nullptr;
    EXPECT_EQ(fs::vfs_open(cwd.get(), "new", oflag::CREAT | oflag::WRONLY, 0644, &f), -ENOENT);
    EXPECT_EQ(fs::vfs_mkdir(cwd.get(), "new", 0755), -ENOENT);
}

TEST_F(GuestFsPath, MountedFileSystemIsCrossedBothWays) {
    ASSERT_EQ(mkdir("mnt"), 0);
    ASSERT_EQ(put("mnt/hidden", "under"), 0);
    fs::Inode* other = fs::ramfs_create(0700);
    ASSERT_NE(other, nullptr);
    InodeRef mnt = lookup("mnt");
    ASSERT_EQ(fs::vfs_mount(mnt.get(), other), 0);
    EXPECT_EQ(fs::vfs_mount(mnt.get(), other), -EBUSY);
    EXPECT_EQ(lookup_err("mnt/hidden"), -ENOENT);
    ASSERT_EQ(put("mnt/inside", "over"), 0);
    EXPECT_EQ(get("mnt/inside"), "over");
    EXPECT_EQ(ino("mnt"), other->ino);
    EXPECT_EQ(stat("mnt").st_mode, smode::IFDIR | 0700);
    EXPECT_NE(stat("mnt").st_dev, stat("a").st_dev);
    EXPECT_EQ(ino("mnt/.."), root_->ino);
    EXPECT_EQ(ino("mnt/../a/b"), ino("a/b"));
    ASSERT_EQ(mkdir("mnt/sub"), 0);
    InodeRef sub = lookup("mnt/sub");
    EXPECT_EQ(getcwd(sub.get()), "/mnt/sub");
    EXPECT_EQ(rmdir("mnt"), -EBUSY);
    EXPECT_EQ(rename("mnt/inside", "a/inside"), -EXDEV);
    EXPECT_EQ(link("mnt/inside", "a/inside"), -EXDEV);
    EXPECT_EQ(rename("mnt", "elsewhere"), -EBUSY);
    ASSERT_EQ(fs::vfs_umount(mnt.get()), 0);
    EXPECT_EQ(fs::vfs_umount(mnt.get()), -EINVAL);
    EXPECT_EQ(get("mnt/hidden"), "under");
    sub.reset();
    fs::ramfs_teardown(other);
}

}  // namespace
}  // namespace guest_fs_test
