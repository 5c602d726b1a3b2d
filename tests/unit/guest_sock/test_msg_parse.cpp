// msghdr, iovec and control-message decoding and the recvmsg control writer, against Linux's
// rules, with hostile inputs: lengths that lie, overflow, too many descriptors, truncation.
#include <gtest/gtest.h>

#include <cerrno>
#include <cstring>
#include <vector>

#include "sock/msg_parse.hpp"

namespace {

using namespace sock;

// Appends one control message (header, data, padding to 8) to `buf`.
void add_cmsg(std::vector<uint8_t>& buf, int level, int type, const void* data, size_t len,
              uint64_t claimed_len = 0) {
    CmsgHdr h{claimed_len ? claimed_len : cmsg_len(len), level, type};
    const size_t at = buf.size();
    buf.resize(at + cmsg_space(len));
    std::memcpy(buf.data() + at, &h, sizeof h);
    std::memcpy(buf.data() + at + sizeof h, data, len);
}

TEST(MsgHdr, NormalisesLikeLinux) {
    UserMsgHdr raw{};
    raw.name = 0x1000;
    raw.namelen = 500;
    raw.iovlen = 3;
    raw.controllen = 77;
    raw.flags = 0x40;
    MsgHdr h;
    ASSERT_EQ(decode_msghdr(raw, &h), 0);
    EXPECT_EQ(h.namelen, kSockaddrStorage);  // cut to sockaddr_storage
    EXPECT_EQ(h.iovlen, 3u);
    EXPECT_EQ(h.controllen, 77u);
    raw.name = 0;
    ASSERT_EQ(decode_msghdr(raw, &h), 0);
    EXPECT_EQ(h.namelen, 0u);  // no name pointer, no name
    raw.namelen = -1;
    EXPECT_EQ(decode_msghdr(raw, &h), -EINVAL);
    raw.namelen = 0;
    raw.iovlen = kIovMax + 1;
    EXPECT_EQ(decode_msghdr(raw, &h), -EMSGSIZE);
    raw.iovlen = ~uint64_t(0);
    EXPECT_EQ(decode_msghdr(raw, &h), -EMSGSIZE);
    raw.iovlen = kIovMax;
    EXPECT_EQ(decode_msghdr(raw, &h), 0);
}

TEST(IoVecs, TotalsChecksAndCaps) {
    IoVec v[3] = {{0x1000, 10}, {0x2000, 0}, {0x3000, 20}};
    EXPECT_EQ(check_iovecs(v, 3, kUserTop), 30);
    IoVec neg[1] = {{0x1000, uint64_t(1) << 63}};
    EXPECT_EQ(check_iovecs(neg, 1, kUserTop), -EINVAL);
    IoVec kernel[1] = {{0xffffffff80000000, 4}};
    EXPECT_EQ(check_iovecs(kernel, 1, kUserTop), -EFAULT);
    IoVec wrap[1] = {{kUserTop - 4, 8}};
    EXPECT_EQ(check_iovecs(wrap, 1, kUserTop), -EFAULT);
    IoVec edge[1] = {{kUserTop - 8, 8}};
    EXPECT_EQ(check_iovecs(edge, 1, kUserTop), 8);
    // A zero-length iovec may point anywhere.
    IoVec empty[1] = {{0xffffffffffffffff, 0}};
    EXPECT_EQ(check_iovecs(empty, 1, kUserTop), 0);
    // The total stops at MAX_RW_COUNT: later iovecs are shortened (to 0).
    IoVec big[3] = {{0x1000, kMaxRw - 5}, {0x1000, 100}, {0x1000, 100}};
    EXPECT_EQ(check_iovecs(big, 3, kUserTop), int64_t(kMaxRw));
    EXPECT_EQ(big[1].len, 5u);
    EXPECT_EQ(big[2].len, 0u);
}

TEST(Cmsg, RightsAndCredentials) {
    std::vector<uint8_t> buf;
    const int32_t fds[3] = {3, 4, 5};
    add_cmsg(buf, SOL_SOCKET, scm::RIGHTS, fds, sizeof fds);
    const Ucred c{42, 0, 0};
    add_cmsg(buf, SOL_SOCKET, scm::CREDENTIALS, &c, sizeof c);
    const int32_t more[1] = {9};
    add_cmsg(buf, SOL_SOCKET, scm::RIGHTS, more, sizeof more);
    add_cmsg(buf, 6 /* IPPROTO_TCP: skipped */, 1, more, sizeof more);
    CmsgSend out;
    ASSERT_EQ(parse_cmsgs(buf.data(), buf.size(), true, &out), 0);
    ASSERT_EQ(out.nfds, 4u);
    EXPECT_EQ(out.fds[0], 3);
    EXPECT_EQ(out.fds[3], 9);
    ASSERT_TRUE(out.has_creds);
    EXPECT_EQ(out.creds.pid, 42);
    // The same buffer on a family that cannot pass descriptors.
    EXPECT_EQ(parse_cmsgs(buf.data(), buf.size(), false, &out), -EINVAL);
}

TEST(Cmsg, HostileHeaders) {
    CmsgSend out;
    const int32_t fd = 1;
    // Shorter than a header: nothing at all (CMSG_FIRSTHDR is NULL), not an error.
    uint8_t tiny[15] = {0xff};
    EXPECT_EQ(parse_cmsgs(tiny, sizeof tiny, true, &out), 0);
    EXPECT_EQ(out.nfds, 0u);
    // cmsg_len below the header, past the buffer, or absurd.
    for (uint64_t bad : {uint64_t(1), uint64_t(15), uint64_t(100), ~uint64_t(0)}) {
        std::vector<uint8_t> buf;
        add_cmsg(buf, SOL_SOCKET, scm::RIGHTS, &fd, sizeof fd, bad);
        EXPECT_EQ(parse_cmsgs(buf.data(), buf.size(), true, &out), -EINVAL) << bad;
    }
    // Unknown SOL_SOCKET type; credentials of the wrong size.
    std::vector<uint8_t> unknown;
    add_cmsg(unknown, SOL_SOCKET, 77, &fd, sizeof fd);
    EXPECT_EQ(parse_cmsgs(unknown.data(), unknown.size(), true, &out), -EINVAL);
    std::vector<uint8_t> creds;
    add_cmsg(creds, SOL_SOCKET, scm::CREDENTIALS, &fd, sizeof fd);
    EXPECT_EQ(parse_cmsgs(creds.data(), creds.size(), true, &out), -EINVAL);
    // A header exactly filling the buffer with a trailing partial header: the tail is ignored.
    std::vector<uint8_t> tail;
    add_cmsg(tail, SOL_SOCKET, scm::RIGHTS, &fd, sizeof fd);
    tail.resize(tail.size() + 10, 0xee);
    EXPECT_EQ(parse_cmsgs(tail.data(), tail.size(), true, &out), 0);
    EXPECT_EQ(out.nfds, 1u);
    // A rights message with a partial int: the whole ints count.
    std::vector<uint8_t> partial;
    const uint8_t six[6] = {7, 0, 0, 0, 8, 0};
    add_cmsg(partial, SOL_SOCKET, scm::RIGHTS, six, sizeof six);
    EXPECT_EQ(parse_cmsgs(partial.data(), partial.size(), true, &out), 0);
    EXPECT_EQ(out.nfds, 1u);
}

TEST(Cmsg, DescriptorLimit) {
    std::vector<int32_t> fds(scm::kMaxFd, 3);
    std::vector<uint8_t> ok;
    add_cmsg(ok, SOL_SOCKET, scm::RIGHTS, fds.data(), fds.size() * 4);
    CmsgSend out;
    EXPECT_EQ(parse_cmsgs(ok.data(), ok.size(), true, &out), 0);
    EXPECT_EQ(out.nfds, scm::kMaxFd);
    fds.push_back(3);
    std::vector<uint8_t> one_more;
    add_cmsg(one_more, SOL_SOCKET, scm::RIGHTS, fds.data(), fds.size() * 4);
    EXPECT_EQ(parse_cmsgs(one_more.data(), one_more.size(), true, &out), -EINVAL);
    // Split over two messages, the total counts.
    std::vector<uint8_t> split;
    add_cmsg(split, SOL_SOCKET, scm::RIGHTS, fds.data(), 200 * 4);
    add_cmsg(split, SOL_SOCKET, scm::RIGHTS, fds.data(), 54 * 4);
    EXPECT_EQ(parse_cmsgs(split.data(), split.size(), true, &out), -EINVAL);
}

TEST(CmsgWriter, FitsTruncatesAndCountsRoom) {
    uint8_t buf[64];
    CmsgWriter w{buf, sizeof buf, 0, 0};
    const Ucred c{1, 2, 3};
    cmsg_put(&w, SOL_SOCKET, scm::CREDENTIALS, &c, sizeof c);
    EXPECT_EQ(w.used, cmsg_space(sizeof c));  // 32
    EXPECT_EQ(w.flags, 0u);
    CmsgHdr h;
    std::memcpy(&h, buf, sizeof h);
    EXPECT_EQ(h.len, cmsg_len(sizeof c));
    EXPECT_EQ(cmsg_fd_room(&w), (64u - 32 - 16) / 4);
    // 32 bytes left: a 40-byte message is cut to what is left, MSG_CTRUNC.
    uint8_t data[24] = {};
    cmsg_put(&w, SOL_SOCKET, 99, data, sizeof data);
    EXPECT_EQ(w.flags, uint32_t(msg::CTRUNC));
    EXPECT_EQ(w.used, 64u);
    std::memcpy(&h, buf + 32, sizeof h);
    EXPECT_EQ(h.len, 32u);
    EXPECT_EQ(cmsg_fd_room(&w), 0u);
    // Nothing fits: nothing written.
    CmsgWriter none{buf, 10, 0, 0};
    cmsg_put(&none, SOL_SOCKET, 1, data, 4);
    EXPECT_EQ(none.used, 0u);
    EXPECT_EQ(none.flags, uint32_t(msg::CTRUNC));
    CmsgWriter exact{buf, 20, 0, 0};
    EXPECT_EQ(cmsg_fd_room(&exact), 1u);
    CmsgWriter header_only{buf, 16, 0, 0};
    EXPECT_EQ(cmsg_fd_room(&header_only), 0u);
    CmsgWriter huge{buf, ~uint64_t(0), 0, 0};
    EXPECT_EQ(cmsg_fd_room(&huge), scm::kMaxFd);
}

}  // namespace
