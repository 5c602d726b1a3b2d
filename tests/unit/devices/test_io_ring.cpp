// The monitor's io_uring runs only the operations its owner names: any other opcode, an
// allowed one with an IOSQE_* flag, and every io_uring_register call after set-up are refused
// with EACCES (io_uring's operations bypass the monitor's seccomp filter).
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <utility>
#include <vector>

#include "devices/io_ring.hpp"

namespace domus {
namespace {

// Submits what `prep` prepares (user data 7) and returns its completion's result.
template <typename Prep>
int32_t run_one(IoRing& ring, Prep prep) {
    io_uring_sqe* sqe = ring.get_sqe();
    if (sqe == nullptr) return 1;
    prep(sqe);
    ::io_uring_sqe_set_data64(sqe, 7);
    ring.submit();
    EXPECT_TRUE(ring.wait(5000)) << "no completion in 5 s";
    std::vector<std::pair<uint64_t, int32_t>> seen;
    ring.drain([&](uint64_t data, int32_t res) { seen.emplace_back(data, res); });
    if (seen.size() != 1 || seen[0].first != 7) {
        ADD_FAILURE() << "expected one completion, got " << seen.size();
        return 1;
    }
    return seen[0].second;
}

TEST(IoRing, RunsTheOperationsItWasGiven) {
    IoRing ring;
    ASSERT_TRUE(ring.init(8, "test", {IORING_OP_NOP, IORING_OP_READV}));
    EXPECT_EQ(run_one(ring, [](io_uring_sqe* sqe) { ::io_uring_prep_nop(sqe); }), 0);
    const int fd = ::open("/proc/self/stat", O_RDONLY | O_CLOEXEC);
    ASSERT_GE(fd, 0);
    char buf[16];
    iovec iov{buf, sizeof buf};
    EXPECT_EQ(run_one(ring, [&](io_uring_sqe* sqe) { ::io_uring_prep_readv(sqe, fd, &iov, 1, 0); }),
              int32_t(sizeof buf));
    ::close(fd);
}

TEST(IoRing, RefusesEveryOtherOperation) {
    IoRing ring;
    ASSERT_TRUE(ring.init(8, "test", {IORING_OP_READV}));
    EXPECT_EQ(run_one(ring, [](io_uring_sqe* sqe) { ::io_uring_prep_nop(sqe); }), -EACCES);
    // What a monitor taken over would want: a file the jail forbids, a socket.
    EXPECT_EQ(run_one(ring,
                      [](io_uring_sqe* sqe) {
                          ::io_uring_prep_openat(sqe, AT_FDCWD, "/proc/self/stat", O_RDONLY, 0);
                      }),
              -EACCES);
    EXPECT_EQ(run_one(ring,
                      [](io_uring_sqe* sqe) {
                          ::io_uring_prep_rw(IORING_OP_SOCKET, sqe, AF_INET, nullptr, SOCK_STREAM,
                                             0);
                      }),
              -EACCES);
}

TEST(IoRing, RefusesFlagsOnAllowedOperations) {
    IoRing ring;
    ASSERT_TRUE(ring.init(8, "test", {IORING_OP_NOP}));
    EXPECT_EQ(run_one(ring,
                      [](io_uring_sqe* sqe) {
                          ::io_uring_prep_nop(sqe);
                          ::io_uring_sqe_set_flags(sqe, IOSQE_ASYNC);
                      }),
              -EACCES);
    EXPECT_EQ(run_one(ring, [](io_uring_sqe* sqe) { ::io_uring_prep_nop(sqe); }), 0);
}

TEST(IoRing, RefusesRegisterCallsOnceRunning) {
    IoRing ring;
    ASSERT_TRUE(ring.init(8, "test", {IORING_OP_NOP}));
    // Dropping the completion eventfd, or lifting the restrictions by registering new ones:
    // both refused.
    EXPECT_EQ(
        ::syscall(__NR_io_uring_register, ring.ring_fd(), IORING_UNREGISTER_EVENTFD, nullptr, 0),
        -1);
    EXPECT_EQ(errno, EACCES);
    io_uring_restriction any{};
    any.opcode = IORING_RESTRICTION_SQE_OP;
    any.sqe_op = IORING_OP_OPENAT;
    EXPECT_EQ(
        ::syscall(__NR_io_uring_register, ring.ring_fd(), IORING_REGISTER_RESTRICTIONS, &any, 1),
        -1);
    EXPECT_NE(errno, 0);
}

}  // namespace
}  // namespace domus
