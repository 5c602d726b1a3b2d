// Descriptors passed with bytes on a Unix stream socket (src/vmm/fd_passing.hpp): what arrives
// is owned, extra descriptors a hostile sender attaches never leak, and bytes without one work.
#include "vmm/fd_passing.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstring>
#include <string>
#include <vector>

namespace domus::vmm {
namespace {

size_t open_fds() {
    size_t n = 0;
    DIR* d = ::opendir("/proc/self/fd");
    if (d == nullptr) return 0;
    while (const dirent* e = ::readdir(d)) n += e->d_name[0] != '.';
    ::closedir(d);
    return n;
}

struct Pair {
    Fd a, b;
    Pair() {
        int s[2];
        if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, s) == 0) {
            a.reset(s[0]);
            b.reset(s[1]);
        }
    }
};

Fd memfd_with(const std::string& text) {
    Fd f(::memfd_create("fd-passing-test", MFD_CLOEXEC));
    if (f.valid()) (void)!::write(f.get(), text.data(), text.size());
    return f;
}

// Sends `data` with every fd in `fds` attached in one SCM_RIGHTS message.
void send_raw(int sock, const std::string& data, const std::vector<int>& fds) {
    std::vector<char> control(CMSG_SPACE(sizeof(int) * fds.size()));
    iovec iov{const_cast<char*>(data.data()), data.size()};
    msghdr msg{};
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    msg.msg_control = control.data();
    msg.msg_controllen = control.size();
    cmsghdr* c = CMSG_FIRSTHDR(&msg);
    c->cmsg_level = SOL_SOCKET;
    c->cmsg_type = SCM_RIGHTS;
    c->cmsg_len = CMSG_LEN(sizeof(int) * fds.size());
    std::memcpy(CMSG_DATA(c), fds.data(), sizeof(int) * fds.size());
    ASSERT_EQ(::sendmsg(sock, &msg, 0), static_cast<ssize_t>(data.size()));
}

TEST(FdPassing, ADescriptorArrivesWithItsBytes) {
    Pair p;
    ASSERT_TRUE(p.a.valid());
    Fd file = memfd_with("core goes here");
    ASSERT_TRUE(send_with_fd(p.a.get(), "{\"op\":\"dump-core\"}\n", file.get()));
    char buf[64];
    std::vector<Fd> fds;
    const ssize_t n = recv_with_fds(p.b.get(), buf, sizeof buf, fds);
    ASSERT_EQ(n, 19);
    EXPECT_EQ(std::string(buf, 19), "{\"op\":\"dump-core\"}\n");
    ASSERT_EQ(fds.size(), 1u);
    // The same open file: what one end writes, the other reads.
    char got[32] = {};
    ASSERT_EQ(::pread(fds[0].get(), got, sizeof got, 0), 14);
    EXPECT_STREQ(got, "core goes here");
    EXPECT_EQ(::fcntl(fds[0].get(), F_GETFD) & FD_CLOEXEC, FD_CLOEXEC);
}

TEST(FdPassing, BytesWithoutADescriptor) {
    Pair p;
    ASSERT_EQ(::send(p.a.get(), "status\n", 7, 0), 7);
    char buf[16];
    std::vector<Fd> fds;
    EXPECT_EQ(recv_with_fds(p.b.get(), buf, sizeof buf, fds), 7);
    EXPECT_TRUE(fds.empty());
    // Nothing more: EAGAIN, not a block.
    EXPECT_EQ(recv_with_fds(p.b.get(), buf, sizeof buf, fds), -1);
    EXPECT_EQ(errno, EAGAIN);
    p.a.reset();
    EXPECT_EQ(recv_with_fds(p.b.get(), buf, sizeof buf, fds), 0);  // EOF
}

TEST(FdPassing, TooManyDescriptorsNeverLeak) {
    Pair p;
    std::vector<Fd> files;
    std::vector<int> raw;
    for (int i = 0; i < 12; ++i) {
        files.push_back(memfd_with("f" + std::to_string(i)));
        raw.push_back(files.back().get());
    }
    const size_t before = open_fds();
    send_raw(p.a.get(), "x", raw);
    {
        char buf[4];
        std::vector<Fd> fds;
        EXPECT_EQ(recv_with_fds(p.b.get(), buf, sizeof buf, fds), 1);
        EXPECT_LE(fds.size(), kMaxPassedFds);
        EXPECT_GE(open_fds(), before);
    }
    // Every descriptor that arrived was owned and is closed again; the kernel closed the rest.
    EXPECT_EQ(open_fds(), before);
}

TEST(FdPassing, SendRefusesNothingToSendAndAClosedPeer) {
    Pair p;
    Fd file = memfd_with("x");
    EXPECT_FALSE(send_with_fd(p.a.get(), "", file.get()));
    EXPECT_FALSE(send_with_fd(p.a.get(), "x", -1));
    p.b.reset();
    auto st = send_with_fd(p.a.get(), "x\n", file.get());  // no SIGPIPE: an error
    ASSERT_FALSE(st);
    EXPECT_NE(st.error().message.find("sendmsg"), std::string::npos) << st.error().message;
}

}  // namespace
}  // namespace domus::vmm
