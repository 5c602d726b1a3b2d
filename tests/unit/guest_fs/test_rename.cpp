// rename/renameat2: moving files and directories, replacing, the flags, and every refusal.
#include "fs_fixture.hpp"

namespace guest_fs_test {
namespace {

namespace rename_flag = linux_abi::rename_flag;
using GuestFsRename = FsTest;

TEST_F(GuestFsRename, MovesAFileWithinAndAcrossDirectories) {
    ASSERT_EQ(put("a", "A"), 0);
    ASSERT_EQ(mkdir("d"), 0);
    const uint64_t ino = stat("a").st_ino;
    ASSERT_EQ(rename("a", "b"), 0);
    EXPECT_EQ(lookup_err("a"), -ENOENT);
    EXPECT_EQ(get("b"), "A");
    ASSERT_EQ(rename("b", "d/c"), 0);
    EXPECT_EQ(stat("d/c").st_ino, ino);
    EXPECT_EQ(stat("d/c").st_nlink, 1u);
    EXPECT_EQ(list("d"), (std::vector<std::string>{".", "..", "c"}));
}

TEST_F(GuestFsRename, ReplacesAFileWhichStaysOpen) {
    ASSERT_EQ(put("old", "old data"), 0);
    ASSERT_EQ(put("new", "new data"), 0);
    FileRef held = open("old", oflag::RDONLY);
    ASSERT_EQ(rename("new", "old"), 0);
    EXPECT_EQ(get("old"), "new data");
    EXPECT_EQ(lookup_err("new"), -ENOENT);
    linux_abi::stat st;
    fs::inode_stat(held->inode, &st);
    EXPECT_EQ(st.st_nlink, 0u);  // the replaced file lives on through the open file
    char buf[16] = {};
    EXPECT_EQ(fs::file_read(held.get(), buf, sizeof buf), 8);
    EXPECT_STREQ(buf, "old data");
}

TEST_F(GuestFsRename, DirectoriesReplaceOnlyEmptyDirectories) {
    ASSERT_EQ(mkdir("src"), 0);
    ASSERT_EQ(put("src/f", "f"), 0);
    ASSERT_EQ(mkdir("empty"), 0);
    ASSERT_EQ(mkdir("full"), 0);
    ASSERT_EQ(put("full/x", ""), 0);
    ASSERT_EQ(put("file", ""), 0);
    EXPECT_EQ(rename("src", "full"), -ENOTEMPTY);
    EXPECT_EQ(rename("src", "file"), -ENOTDIR);
    EXPECT_EQ(rename("file", "empty"), -EISDIR);
    const uint32_t links = uint32_t(stat("/").st_nlink);
    ASSERT_EQ(rename("src", "empty"), 0);
    EXPECT_EQ(get("empty/f"), "f");
    EXPECT_EQ(stat("/").st_nlink, links - 1);
}

TEST_F(GuestFsRename, MovingADirectoryUpdatesDotDotLinksAndCwd) {
    ASSERT_EQ(mkdir("p1"), 0);
    ASSERT_EQ(mkdir("p2"), 0);
    ASSERT_EQ(mkdir("p1/d"), 0);
    InodeRef d = lookup("p1/d");
    EXPECT_EQ(getcwd(d.get()), "/p1/d");
    EXPECT_EQ(stat("p1").st_nlink, 3u);
    ASSERT_EQ(rename("p1/d", "p2/moved"), 0);
    EXPECT_EQ(stat("p1").st_nlink, 2u);
    EXPECT_EQ(stat("p2").st_nlink, 3u);
    EXPECT_EQ(stat("p2/moved/..").st_ino, stat("p2").st_ino);
    EXPECT_EQ(getcwd(d.get()), "/p2/moved");
    ASSERT_EQ(rename("p2/moved/", "p2/again/"), 0);  // trailing slashes are fine for dirs
    EXPECT_EQ(getcwd(d.get()), "/p2/again");
}

TEST_F(GuestFsRename, RefusesToMoveADirectoryIntoItself) {
    ASSERT_EQ(mkdir("a"), 0);
    ASSERT_EQ(mkdir("a/b"), 0);
    ASSERT_EQ(mkdir("a/b/c"), 0);
    EXPECT_EQ(rename("a", "a/b/c/x"), -EINVAL);
    EXPECT_EQ(rename("a", "a/x"), -EINVAL);
    EXPECT_EQ(rename("a/b", "a/b/c/x"), -EINVAL);
    EXPECT_EQ(rename("a/b/c", "a"), -ENOTEMPTY);  // onto an ancestor
    EXPECT_EQ(rename("a", "a"), 0);               // the same directory: nothing to do
    EXPECT_EQ(rename("a/b", "a/b/"), 0);
    EXPECT_EQ(stat("a/b/c").st_mode & smode::IFMT, smode::IFDIR);
}

TEST_F(GuestFsRename, HardLinksToTheSameFileAreLeftAlone) {
    ASSERT_EQ(put("x", "x"), 0);
    ASSERT_EQ(link("x", "y"), 0);
    ASSERT_EQ(rename("x", "y"), 0);
    EXPECT_EQ(get("x"), "x");  // POSIX: both names remain
    EXPECT_EQ(get("y"), "x");
    EXPECT_EQ(stat("x").st_nlink, 2u);
}

TEST_F(GuestFsRename, NamesThatCannotBeRenamed) {
    ASSERT_EQ(mkdir("d"), 0);
    ASSERT_EQ(put("f", ""), 0);
    EXPECT_EQ(rename(".", "x"), -EBUSY);
    EXPECT_EQ(rename("d/..", "x"), -EBUSY);
    EXPECT_EQ(rename("/", "x"), -EBUSY);
    EXPECT_EQ(rename("f", "d/."), -EBUSY);
    EXPECT_EQ(rename("f", "d/.", rename_flag::NOREPLACE), -EEXIST);
    EXPECT_EQ(rename("missing", "x"), -ENOENT);
    EXPECT_EQ(rename("f", "missing/x"), -ENOENT);
    EXPECT_EQ(rename("f/", "x"), -ENOTDIR);
    EXPECT_EQ(rename("f", "x/"), -ENOTDIR);
    EXPECT_EQ(rename("f", "x", 8), -EINVAL);
    EXPECT_EQ(rename("f", "x", rename_flag::WHITEOUT), -EINVAL);
    EXPECT_EQ(rename("f", "x", rename_flag::NOREPLACE | rename_flag::EXCHANGE), -EINVAL);
    EXPECT_EQ(get("f"), "");
}

TEST_F(GuestFsRename, NoReplace) {
    ASSERT_EQ(put("a", "A"), 0);
    ASSERT_EQ(put("b", "B"), 0);
    EXPECT_EQ(rename("a", "b", rename_flag::NOREPLACE), -EEXIST);
    EXPECT_EQ(get("b"), "B");
    EXPECT_EQ(rename("a", "c", rename_flag::NOREPLACE), 0);
    EXPECT_EQ(get("c"), "A");
}

TEST_F(GuestFsRename, ExchangeSwapsAFileAndADirectory) {
    ASSERT_EQ(mkdir("p"), 0);
    ASSERT_EQ(mkdir("q"), 0);
    ASSERT_EQ(put("p/file", "F"), 0);
    ASSERT_EQ(mkdir("q/dir"), 0);
    ASSERT_EQ(put("q/dir/inner", "I"), 0);
    InodeRef dir = lookup("q/dir");
    ASSERT_EQ(rename("p/file", "q/dir", rename_flag::EXCHANGE), 0);
    EXPECT_EQ(get("q/dir"), "F");
    EXPECT_EQ(get("p/file/inner"), "I");
    EXPECT_EQ(getcwd(dir.get()), "/p/file");
    EXPECT_EQ(stat("p/file/..").st_ino, stat("p").st_ino);
    EXPECT_EQ(stat("p").st_nlink, 3u);
    EXPECT_EQ(stat("q").st_nlink, 2u);
    EXPECT_EQ(rename("p/file", "q/none", rename_flag::EXCHANGE), -ENOENT);
    EXPECT_EQ(rename("p", "p/file", rename_flag::EXCHANGE), -EINVAL);
}

TEST_F(GuestFsRename, NothingMovesIntoARemovedDirectory) {
    ASSERT_EQ(mkdir("gone"), 0);
    ASSERT_EQ(put("f", ""), 0);
    InodeRef gone = lookup("gone");
    ASSERT_EQ(rmdir("gone"), 0);
    EXPECT_EQ(fs::vfs_rename(root_, "f", gone.get(), "f", 0), -ENOENT);
}

TEST_F(GuestFsRename, ManyRenamesInOneDirectoryKeepItConsistent) {
    for (int i = 0; i < 300; ++i) ASSERT_EQ(put("f" + std::to_string(i), std::to_string(i)), 0);
    for (int i = 0; i < 300; ++i) {
        ASSERT_EQ(rename("f" + std::to_string(i), "g" + std::to_string(i)), 0);
    }
    for (int i = 0; i < 300; i += 37) EXPECT_EQ(get("g" + std::to_string(i)), std::to_string(i));
    EXPECT_EQ(list("/").size(), 302u);
}

}  // namespace
}  // namespace guest_fs_test
