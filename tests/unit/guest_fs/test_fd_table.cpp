// File descriptor tables: lowest free fd, close, dup/dup2/dup3/F_DUPFD, FD_CLOEXEC, exec,
// fork (clone) and CLONE_FILES sharing, limits.
#include "fs_fixture.hpp"

namespace guest_fs_test {
namespace {

struct TablePut {
    void operator()(fs::FdTable* t) const { fs::fd_table_put(t); }
};
using TableRef = std::unique_ptr<fs::FdTable, TablePut>;

class GuestFsFdTable : public FsTest {
  protected:
    void SetUp() override {
        FsTest::SetUp();
        ASSERT_EQ(put("f", "0123456789"), 0);
        table_.reset(fs::fd_table_create());
        ASSERT_TRUE(table_);
    }
    void TearDown() override {
        table_.reset();
        FsTest::TearDown();
    }
    // Opens "f" and installs it; the table holds the only reference.
    int install(bool cloexec = false, int min_fd = 0) {
        FileRef f = open("f", oflag::RDWR);
        return fs::fd_install(table_.get(), f.get(), cloexec, min_fd);
    }
    uint64_t refs(int fd) {
        fs::File* f = fs::fd_get(table_.get(), fd);
        if (f == nullptr) return 0;
        const uint64_t n = f->refs - 1;
        fs::file_put(f);
        return n;
    }
    TableRef table_;
};

TEST_F(GuestFsFdTable, LowestFreeNumberIsReused) {
    EXPECT_EQ(install(), 0);
    EXPECT_EQ(install(), 1);
    EXPECT_EQ(install(), 2);
    EXPECT_EQ(fs::fd_close(table_.get(), 1), 0);
    EXPECT_EQ(fs::fd_close(table_.get(), 1), -EBADF);
    EXPECT_EQ(fs::fd_close(table_.get(), -1), -EBADF);
    EXPECT_EQ(fs::fd_close(table_.get(), 5000), -EBADF);
    EXPECT_EQ(install(), 1);
    EXPECT_EQ(install(false, 10), 10);
    EXPECT_EQ(fs::fd_next_open(table_.get(), 0), 0);
    EXPECT_EQ(fs::fd_next_open(table_.get(), 3), 10);
    EXPECT_EQ(fs::fd_next_open(table_.get(), 11), -1);
    EXPECT_EQ(fs::fd_get(table_.get(), 7), nullptr);
}

TEST_F(GuestFsFdTable, DupSharesTheOpenFileAndItsOffset) {
    ASSERT_EQ(install(), 0);
    const int dup = fs::fd_dup(table_.get(), 0, 0, false);
    EXPECT_EQ(dup, 1);
    EXPECT_EQ(refs(0), 2u);
    fs::File* a = fs::fd_get(table_.get(), 0);
    fs::File* b = fs::fd_get(table_.get(), 1);
    EXPECT_EQ(a, b);
    char buf[3];
    EXPECT_EQ(fs::file_read(a, buf, 3), 3);
    EXPECT_EQ(fs::file_lseek(b, 0, linux_abi::seek::CUR), 3);
    fs::file_put(a);
    fs::file_put(b);
    EXPECT_EQ(fs::fd_dup(table_.get(), 0, 20, true), 20);  // F_DUPFD_CLOEXEC
    EXPECT_EQ(fs::fd_get_fd_flags(table_.get(), 20), 1);
    EXPECT_EQ(fs::fd_get_fd_flags(table_.get(), 1), 0);
    EXPECT_EQ(fs::fd_dup(table_.get(), 9, 0, false), -EBADF);
    EXPECT_EQ(fs::fd_dup(table_.get(), 0, 1024, false), -EINVAL);
    EXPECT_EQ(fs::fd_dup(table_.get(), 0, -1, false), -EINVAL);
}

TEST_F(GuestFsFdTable, Dup2AndDup3) {
    ASSERT_EQ(install(), 0);
    ASSERT_EQ(install(), 1);
    fs::File* second = fs::fd_get(table_.get(), 1);
    EXPECT_EQ(second->refs, 2u);
    EXPECT_EQ(fs::fd_dup2(table_.get(), 0, 1), 1);  // closes what fd 1 was
    EXPECT_EQ(second->refs, 1u);
    fs::file_put(second);
    EXPECT_EQ(refs(0), 2u);
    EXPECT_EQ(fs::fd_dup2(table_.get(), 0, 0), 0);
    EXPECT_EQ(fs::fd_dup2(table_.get(), 5, 5), -EBADF);
    EXPECT_EQ(fs::fd_dup2(table_.get(), 5, 6), -EBADF);
    EXPECT_EQ(fs::fd_dup2(table_.get(), 0, 1024), -EBADF);
    EXPECT_EQ(fs::fd_dup2(table_.get(), 0, -1), -EBADF);
    EXPECT_EQ(fs::fd_dup2(table_.get(), 0, 1000), 1000);  // grows the table
    EXPECT_EQ(fs::fd_dup3(table_.get(), 0, 0, 0), -EINVAL);
    EXPECT_EQ(fs::fd_dup3(table_.get(), 0, 3, oflag::NONBLOCK), -EINVAL);
    EXPECT_EQ(fs::fd_dup3(table_.get(), 0, 3, oflag::CLOEXEC), 3);
    EXPECT_EQ(fs::fd_get_fd_flags(table_.get(), 3), 1);
    ASSERT_EQ(fs::fd_set_fd_flags(table_.get(), 3, 0), 0);
    EXPECT_EQ(fs::fd_get_fd_flags(table_.get(), 3), 0);
    EXPECT_EQ(fs::fd_dup2(table_.get(), 0, 3), 3);
    EXPECT_EQ(fs::fd_get_fd_flags(table_.get(), 3), 0);  // dup2 clears FD_CLOEXEC
    EXPECT_EQ(fs::fd_set_fd_flags(table_.get(), 77, 1), -EBADF);
    EXPECT_EQ(fs::fd_get_fd_flags(table_.get(), 77), -EBADF);
}

TEST_F(GuestFsFdTable, CloseOnExecClosesOnlyFlaggedDescriptors) {
    for (int i = 0; i < 100; ++i) ASSERT_EQ(install(i % 3 == 0), i);
    fs::fd_close_on_exec(table_.get());
    for (int i = 0; i < 100; ++i) {
        fs::File* f = fs::fd_get(table_.get(), i);
        EXPECT_EQ(f == nullptr, i % 3 == 0) << i;
        fs::file_put(f);
    }
}

TEST_F(GuestFsFdTable, ForkCopiesCloneFilesShares) {
    ASSERT_EQ(install(), 0);
    ASSERT_EQ(install(true), 1);
    TableRef child(fs::fd_table_clone(table_.get()));
    ASSERT_TRUE(child);
    EXPECT_EQ(refs(0), 2u);  // the same open file in both tables
    EXPECT_EQ(fs::fd_get_fd_flags(child.get(), 1), 1);
    // The offset is shared (one open file description), the tables are not.
    fs::File* mine = fs::fd_get(table_.get(), 0);
    fs::File* theirs = fs::fd_get(child.get(), 0);
    EXPECT_EQ(mine, theirs);
    fs::file_put(mine);
    fs::file_put(theirs);
    EXPECT_EQ(fs::fd_close(child.get(), 0), 0);
    EXPECT_EQ(refs(0), 1u);
    EXPECT_EQ(fs::fd_next_open(child.get(), 0), 1);
    // CLONE_FILES: one table, two users.
    fs::fd_table_get(table_.get());
    TableRef shared(table_.get());
    EXPECT_EQ(install(), 2);
    EXPECT_EQ(fs::fd_next_open(shared.get(), 2), 2);
    shared.reset();
    EXPECT_EQ(refs(2), 1u);  // still open for the other user
}

TEST_F(GuestFsFdTable, LimitsGiveEmfile) {
    for (int i = 0; i < 1024; ++i) ASSERT_EQ(install(), i);
    EXPECT_EQ(install(), -EMFILE);
    EXPECT_EQ(fs::fd_dup(table_.get(), 0, 0, false), -EMFILE);
    ASSERT_EQ(fs::fd_close(table_.get(), 500), 0);
    EXPECT_EQ(install(), 500);
    EXPECT_EQ(fs::fd_set_limit(table_.get(), 2000), -EPERM);
    EXPECT_EQ(fs::fd_set_limit(table_.get(), 10), 0);
    EXPECT_EQ(fs::fd_limit(table_.get()), 10u);
    ASSERT_EQ(fs::fd_close(table_.get(), 20), 0);
    EXPECT_EQ(install(), -EMFILE);  // 20 is free but above the limit
    EXPECT_EQ(fs::fd_dup2(table_.get(), 0, 20), -EBADF);
    EXPECT_NE(fs::fd_get(table_.get(), 900), nullptr);  // open fds above it stay open
    fs::File* f = fs::fd_get(table_.get(), 900);
    fs::file_put(f);
    fs::file_put(f);
}

TEST_F(GuestFsFdTable, OutOfMemory) {
    fail_after(0);
    EXPECT_EQ(fs::fd_table_create(), nullptr);
    EXPECT_EQ(fs::fd_table_clone(table_.get()), nullptr);
    fail_never();
    ASSERT_EQ(install(), 0);
    fail_after(0);
    EXPECT_EQ(fs::fd_dup2(table_.get(), 0, 900), -ENOMEM);  // the table cannot grow
    EXPECT_EQ(fs::fd_dup2(table_.get(), 0, 5), 5);          // no growth needed
    fail_never();
}

}  // namespace
}  // namespace guest_fs_test
