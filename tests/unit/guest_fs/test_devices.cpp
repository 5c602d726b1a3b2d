// Special files: character devices open through their registered driver, FIFOs through the
// pipe code's hook, block devices and sockets not at all.
#include "fs/special.hpp"

#include "fs_fixture.hpp"

namespace guest_fs_test {
namespace {

int g_opens = 0;
int g_releases = 0;
int g_refuse = 0;

int64_t zero_read(fs::File*, void* buf, size_t len) {
    memset(buf, 0, len);
    return int64_t(len);
}
int64_t null_write(fs::File*, const void*, size_t len) {
    return int64_t(len);
}
int64_t echo_ioctl(fs::File* f, uint32_t cmd, uint64_t arg) {
    return int64_t(cmd + arg + reinterpret_cast<uintptr_t>(f->private_data));
}
uint32_t only_readable(fs::File*) {
    return linux_abi::poll_event::IN;
}
void count_release(fs::File*) {
    ++g_releases;
}
int count_open(fs::File* f) {
    ++g_opens;
    if (g_refuse) return -EBUSY;
    f->private_data = reinterpret_cast<void*>(uintptr_t{1000});
    return 0;
}

constexpr fs::FileOps kTestOps = {.read = zero_read,
                                  .write = null_write,
                                  .ioctl = echo_ioctl,
                                  .poll = only_readable,
                                  .release = count_release};
constexpr fs::CharDevice kTestDevice = {&kTestOps, count_open};

int fifo_open(fs::Inode* inode, uint32_t flags, fs::File** out) {
    *out = fs::file_create(&kTestOps, inode, flags);
    return *out ? 0 : -ENOMEM;
}

class GuestFsDevices : public FsTest {
  protected:
    static void SetUpTestSuite() {
        // Registrations are permanent (static driver tables): once for the whole program.
        ASSERT_EQ(fs::chardev_register(240, 0, 4, &kTestDevice), 0);
    }
    void SetUp() override {
        FsTest::SetUp();
        g_opens = g_releases = g_refuse = 0;
    }
};

TEST_F(GuestFsDevices, RegistryRefusesOverlapsAndBadRanges) {
    EXPECT_EQ(fs::chardev_register(240, 3, 2, &kTestDevice), -EBUSY);
    EXPECT_EQ(fs::chardev_register(240, 0, 0, &kTestDevice), -EINVAL);
    EXPECT_EQ(fs::chardev_register(241, 0xffffffff, 2, &kTestDevice), -EINVAL);
    EXPECT_EQ(fs::chardev_find(240, 3), &kTestDevice);
    EXPECT_EQ(fs::chardev_find(240, 4), nullptr);
    EXPECT_EQ(fs::chardev_find(239, 0), nullptr);
}

TEST_F(GuestFsDevices, CharacterDeviceOpensThroughItsDriver) {
    ASSERT_EQ(fs::vfs_mknod(root_, "dev0", smode::IFCHR | 0666, 240, 2), 0);
    {
        FileRef f = open("dev0", oflag::RDWR | oflag::TRUNC);  // O_TRUNC: ignored
        ASSERT_TRUE(f);
        EXPECT_EQ(g_opens, 1);
        char buf[4] = {1, 2, 3, 4};
        EXPECT_EQ(fs::file_read(f.get(), buf, 4), 4);
        EXPECT_EQ(buf[3], 0);
        EXPECT_EQ(fs::file_write(f.get(), buf, 4), 4);
        EXPECT_EQ(fs::file_ioctl(f.get(), 5, 6), 1011);
        EXPECT_EQ(fs::file_poll(f.get()), linux_abi::poll_event::IN);
        EXPECT_EQ(fs::file_lseek(f.get(), 0, 0), -ESPIPE);
        EXPECT_EQ(fs::file_pread(f.get(), buf, 1, 0), -ESPIPE);
        linux_abi::stat st;
        fs::inode_stat(f->inode, &st);
        EXPECT_EQ(st.st_rdev, linux_abi::encode_dev(240, 2));
    }
    EXPECT_EQ(g_releases, 1);
    g_refuse = 1;
    EXPECT_EQ(open_err("dev0", oflag::RDONLY), -EBUSY);
    EXPECT_EQ(g_releases, 1);  // a device that refused to open is not released
}

TEST_F(GuestFsDevices, NodesWithoutADriverAreEnxio) {
    ASSERT_EQ(fs::vfs_mknod(root_, "nodrv", smode::IFCHR | 0666, 250, 0), 0);
    ASSERT_EQ(fs::vfs_mknod(root_, "blk", smode::IFBLK | 0666, 240, 0), 0);
    ASSERT_EQ(fs::vfs_mknod(root_, "sock", smode::IFSOCK | 0666, 0, 0), 0);
    EXPECT_EQ(open_err("nodrv", oflag::RDONLY), -ENXIO);
    EXPECT_EQ(open_err("blk", oflag::RDONLY), -ENXIO);
    EXPECT_EQ(open_err("sock", oflag::RDONLY), -ENXIO);
    FileRef p = open("sock", oflag::PATH);  // O_PATH names any node
    EXPECT_TRUE(p);
}

TEST_F(GuestFsDevices, FifosOpenThroughTheHook) {
    ASSERT_EQ(fs::vfs_mknod(root_, "fifo", smode::IFIFO | 0600, 0, 0), 0);
    EXPECT_EQ(open_err("fifo", oflag::RDONLY), -ENXIO);
    fs::fifo_set_open_hook(fifo_open);
    {
        FileRef f = open("fifo", oflag::RDONLY | oflag::NONBLOCK);
        ASSERT_TRUE(f);
        EXPECT_EQ(fs::file_get_flags(f.get()) & oflag::NONBLOCK, oflag::NONBLOCK);
    }
    fs::fifo_set_open_hook(nullptr);
}

TEST_F(GuestFsDevices, AnonymousInodesForPipesAndSockets) {
    fs::Inode* inode = fs::inode_create_anonymous(smode::IFIFO | 0600);
    ASSERT_NE(inode, nullptr);
    FileRef f(fs::file_create(&kTestOps, inode, oflag::RDONLY));
    linux_abi::stat st;
    fs::inode_stat(f->inode, &st);
    EXPECT_EQ(st.st_mode, smode::IFIFO | 0600);
    EXPECT_EQ(st.st_nlink, 0u);
    EXPECT_EQ(fs::vfs_link_inode(f->inode, root_, "name"), -ENOENT);
}

}  // namespace
}  // namespace guest_fs_test
