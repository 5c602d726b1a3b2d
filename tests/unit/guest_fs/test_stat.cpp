// stat, lstat, fstat, statx and the attribute calls: chmod, chown, utimensat, access, getcwd.
#include <set>

#include "fs_fixture.hpp"

namespace guest_fs_test {
namespace {

namespace utime = linux_abi::utime;
namespace statx_mask = linux_abi::statx_mask;
using GuestFsStat = FsTest;

TEST_F(GuestFsStat, StatFillsTheLinuxLayout) {
    ASSERT_EQ(put("f", "12345"), 0);
    const auto st = stat("f");
    EXPECT_EQ(st.st_mode, smode::IFREG | 0644);
    EXPECT_EQ(st.st_nlink, 1u);
    EXPECT_EQ(st.st_size, 5);
    EXPECT_EQ(st.st_blksize, 4096);
    EXPECT_EQ(st.st_blocks, 8);
    EXPECT_EQ(st.st_uid, 0u);
    EXPECT_EQ(st.st_dev, stat("/").st_dev);
    EXPECT_EQ(st.st_mtim.tv_sec, 1'700'000'000);
    EXPECT_EQ(st.st_mtim.tv_nsec, 0);
    std::set<uint64_t> inos;
    for (int i = 0; i < 20; ++i) {
        ASSERT_EQ(put("n" + std::to_string(i), ""), 0);
        inos.insert(stat("n" + std::to_string(i)).st_ino);
    }
    EXPECT_EQ(inos.size(), 20u);
    FileRef file = open("f", oflag::RDONLY);
    linux_abi::stat fst;
    fs::inode_stat(file->inode, &fst);
    EXPECT_EQ(memcmp(&fst, &st, sizeof st), 0);
}

TEST_F(GuestFsStat, LstatSeesTheLinkItself) {
    ASSERT_EQ(put("target", "abc"), 0);
    ASSERT_EQ(symlink("target", "link"), 0);
    EXPECT_EQ(stat("link").st_ino, stat("target").st_ino);
    const auto l = stat("link", at::SYMLINK_NOFOLLOW);
    EXPECT_EQ(l.st_mode, smode::IFLNK | 0777);
    EXPECT_EQ(l.st_size, 6);
    linux_abi::stat st;
    EXPECT_EQ(fs::vfs_stat(root_, "link", 0x4000, &st), -EINVAL);
    EXPECT_EQ(fs::vfs_stat(root_, "missing", 0, &st), -ENOENT);
    EXPECT_EQ(fs::vfs_stat(root_, "", 0, &st), -ENOENT);
    EXPECT_EQ(fs::vfs_stat(root_, "", at::EMPTY_PATH, &st), 0);
    EXPECT_EQ(st.st_ino, stat("/").st_ino);
}

TEST_F(GuestFsStat, StatxFillsEveryBasicFieldAndBirthTime) {
    ASSERT_EQ(fs::vfs_mknod(root_, "tty", smode::IFCHR | 0620, 136, 300), 0);
    linux_abi::statx sx;
    ASSERT_EQ(fs::vfs_statx(root_, "tty", 0, statx_mask::BASIC_STATS, &sx), 0);
    EXPECT_EQ(sx.stx_mask, statx_mask::BASIC_STATS | statx_mask::BTIME);
    EXPECT_EQ(sx.stx_mode, smode::IFCHR | 0620);
    EXPECT_EQ(sx.stx_rdev_major, 136u);
    EXPECT_EQ(sx.stx_rdev_minor, 300u);
    EXPECT_EQ(sx.stx_nlink, 1u);
    EXPECT_EQ(sx.stx_blksize, 4096u);
    EXPECT_EQ(sx.stx_btime.tv_sec, 1'700'000'000);
    EXPECT_EQ(sx.stx_ino, stat("tty").st_ino);
    const auto st = stat("tty");
    EXPECT_EQ(linux_abi::encode_dev(sx.stx_dev_major, sx.stx_dev_minor), st.st_dev);
    EXPECT_EQ(st.st_rdev, linux_abi::encode_dev(136, 300));
    EXPECT_EQ(fs::vfs_statx(root_, "tty", 0, statx_mask::RESERVED, &sx), -EINVAL);
    EXPECT_EQ(fs::vfs_statx(root_, "tty", at::STATX_SYNC_TYPE, 0, &sx), -EINVAL);
    EXPECT_EQ(fs::vfs_statx(root_, "tty", 0x2000, 0, &sx), 0);  // AT_STATX_FORCE_SYNC
    EXPECT_EQ(fs::vfs_statx(root_, "tty", 1, 0, &sx), -EINVAL);
}

TEST_F(GuestFsStat, ChmodKeepsTheTypeAndChangesCtime) {
    ASSERT_EQ(put("f", ""), 0);
    ASSERT_EQ(symlink("f", "link"), 0);
    set_time_ns(1'750'000'000'000'000'000ull);
    EXPECT_EQ(fs::vfs_chmod(root_, "link", 017777, 0), 0);  // follows the link
    EXPECT_EQ(stat("f").st_mode, smode::IFREG | 07777);
    EXPECT_EQ(stat("f").st_ctim.tv_sec, 1'750'000'000);
    EXPECT_EQ(stat("f").st_mtim.tv_sec, 1'700'000'000);
    EXPECT_EQ(fs::vfs_chmod(root_, "link", 0600, at::SYMLINK_NOFOLLOW), -EOPNOTSUPP);
    EXPECT_EQ(fs::vfs_chmod(root_, "f", 0600, at::REMOVEDIR), -EINVAL);
    set_time_ns(1'700'000'000'000'000'000ull);
}

TEST_F(GuestFsStat, ChownStoresOwnersAndDropsSetId) {
    ASSERT_EQ(put("f", ""), 0);
    ASSERT_EQ(fs::vfs_chmod(root_, "f", 06755, 0), 0);
    EXPECT_EQ(fs::vfs_chown(root_, "f", 1000, 0xffffffffu, 0), 0);
    EXPECT_EQ(stat("f").st_uid, 1000u);
    EXPECT_EQ(stat("f").st_gid, 0u);
    EXPECT_EQ(stat("f").st_mode, smode::IFREG | 0755);  // set-user-ID and set-group-ID gone
    ASSERT_EQ(symlink("f", "link"), 0);
    EXPECT_EQ(fs::vfs_chown(root_, "link", 5, 6, at::SYMLINK_NOFOLLOW), 0);
    EXPECT_EQ(stat("link", at::SYMLINK_NOFOLLOW).st_uid, 5u);
    EXPECT_EQ(stat("link", at::SYMLINK_NOFOLLOW).st_gid, 6u);
    EXPECT_EQ(stat("f").st_uid, 1000u);
    ASSERT_EQ(mkdir("d"), 0);
    ASSERT_EQ(fs::vfs_chmod(root_, "d", 02775, 0), 0);
    EXPECT_EQ(fs::vfs_chown(root_, "d", 1, 1, 0), 0);
    EXPECT_EQ(stat("d").st_mode, smode::IFDIR | 02775);  // directories keep them
}

TEST_F(GuestFsStat, UtimensSetsNowOmitsAndValidates) {
    ASSERT_EQ(put("f", ""), 0);
    const linux_abi::timespec both[2] = {{100, 5}, {200, 6}};
    ASSERT_EQ(fs::vfs_utimens(root_, "f", both, 0), 0);
    EXPECT_EQ(stat("f").st_atim.tv_sec, 100);
    EXPECT_EQ(stat("f").st_atim.tv_nsec, 5);
    EXPECT_EQ(stat("f").st_mtim.tv_sec, 200);
    set_time_ns(1'760'000'000'123'000'000ull);
    const linux_abi::timespec now_omit[2] = {{0, utime::NOW}, {0, utime::OMIT}};
    ASSERT_EQ(fs::vfs_utimens(root_, "f", now_omit, 0), 0);
    EXPECT_EQ(stat("f").st_atim.tv_sec, 1'760'000'000);
    EXPECT_EQ(stat("f").st_atim.tv_nsec, 123'000'000);
    EXPECT_EQ(stat("f").st_mtim.tv_sec, 200);
    EXPECT_EQ(stat("f").st_ctim.tv_sec, 1'760'000'000);
    const linux_abi::timespec negative[2] = {{-5, 0}, {-1, 999'999'999}};  // before 1970
    ASSERT_EQ(fs::vfs_utimens(root_, "f", negative, 0), 0);
    EXPECT_EQ(stat("f").st_mtim.tv_sec, -1);
    set_time_ns(1'770'000'000'000'000'000ull);
    ASSERT_EQ(fs::vfs_utimens(root_, "f", nullptr, 0), 0);
    EXPECT_EQ(stat("f").st_mtim.tv_sec, 1'770'000'000);
    const linux_abi::timespec bad[2] = {{0, 1'000'000'000}, {0, 0}};
    EXPECT_EQ(fs::vfs_utimens(root_, "f", bad, 0), -EINVAL);
    const linux_abi::timespec neg_ns[2] = {{0, 0}, {0, -1}};
    EXPECT_EQ(fs::vfs_utimens(root_, "f", neg_ns, 0), -EINVAL);
    const linux_abi::timespec omit[2] = {{0, utime::OMIT}, {0, utime::OMIT}};
    EXPECT_EQ(fs::vfs_utimens(root_, "missing", omit, 0), 0);  // nothing to do, as Linux
    EXPECT_EQ(fs::vfs_utimens(root_, "missing", nullptr, 0), -ENOENT);
    set_time_ns(1'700'000'000'000'000'000ull);
}

TEST_F(GuestFsStat, ReadsMoveTheAccessTimeRelatime) {
    ASSERT_EQ(put("f", "x"), 0);
    const linux_abi::timespec old[2] = {{10, 0}, {20, 0}};
    ASSERT_EQ(fs::vfs_utimens(root_, "f", old, 0), 0);
    EXPECT_EQ(get("f"), "x");
    EXPECT_EQ(stat("f").st_atim.tv_sec, 1'700'000'000);  // atime was older than mtime
    set_time_ns(1'710'000'000'000'000'000ull);
    EXPECT_EQ(get("f"), "x");
    EXPECT_EQ(stat("f").st_atim.tv_sec, 1'700'000'000);  // not again
    set_time_ns(1'700'000'000'000'000'000ull);
}

TEST_F(GuestFsStat, AccessChecksExistenceAndExecuteBits) {
    ASSERT_EQ(put("plain", ""), 0);
    ASSERT_EQ(put("tool", "", 0755), 0);
    namespace access_mode = linux_abi::access_mode;
    EXPECT_EQ(fs::vfs_access(root_, "plain", access_mode::READ | access_mode::WRITE, 0), 0);
    EXPECT_EQ(fs::vfs_access(root_, "plain", access_mode::EXEC, 0), -EACCES);
    EXPECT_EQ(fs::vfs_access(root_, "tool", access_mode::EXEC, at::EACCESS), 0);
    EXPECT_EQ(fs::vfs_access(root_, "/", access_mode::EXEC, 0), 0);
    EXPECT_EQ(fs::vfs_access(root_, "missing", access_mode::EXISTS, 0), -ENOENT);
    EXPECT_EQ(fs::vfs_access(root_, "plain", 8, 0), -EINVAL);
}

TEST_F(GuestFsStat, GetcwdBuildsThePath) {
    EXPECT_EQ(getcwd(root_), "/");
    ASSERT_EQ(mkdir("usr"), 0);
    ASSERT_EQ(mkdir("usr/local"), 0);
    InodeRef local = lookup("usr/local");
    EXPECT_EQ(getcwd(local.get()), "/usr/local");
    char buf[11];
    EXPECT_EQ(fs::vfs_getcwd(local.get(), buf, sizeof buf), 11);
    EXPECT_STREQ(buf, "/usr/local");
    EXPECT_EQ(fs::vfs_getcwd(local.get(), buf, 10), -ERANGE);
    EXPECT_EQ(fs::vfs_getcwd(root_, buf, 1), -ERANGE);
    EXPECT_EQ(fs::vfs_getcwd(root_, buf, 2), 2);
    ASSERT_EQ(rename("usr", "opt"), 0);
    EXPECT_EQ(getcwd(local.get()), "/opt/local");
    ASSERT_EQ(rmdir("opt/local"), 0);
    EXPECT_EQ(getcwd(local.get()), "<errno 2>");
}

}  // namespace
}  // namespace guest_fs_test
