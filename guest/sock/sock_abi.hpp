// Linux x86-64 socket ABI: address families, socket types, message flags, socket options and
// the layouts of the structures the socket system calls exchange with programs (msghdr,
// cmsghdr, ucred, sockaddr_un). Grouped like abi/linux_types.hpp, without libc's prefixes
// (`af::UNIX` for AF_UNIX, `msg::PEEK` for MSG_PEEK ...). Pure constants: also compiled into
// the host unit tests and the fuzz target.
#pragma once

#include <stddef.h>
#include <stdint.h>

namespace sock {

namespace af {
inline constexpr int UNSPEC = 0, UNIX = 1, INET = 2, NETLINK = 16, PACKET = 17, INET6 = 10;
inline constexpr int MAX = 46;  // AF_MAX: socket() answers EAFNOSUPPORT at and above
}  // namespace af

namespace type {
inline constexpr int STREAM = 1, DGRAM = 2, RAW = 3, RDM = 4, SEQPACKET = 5, PACKET = 10;
inline constexpr int MAX = 11;  // SOCK_MAX: socket() answers EINVAL at and above
inline constexpr int MASK = 0xf;
inline constexpr int NONBLOCK = 04000, CLOEXEC = 02000000;  // O_NONBLOCK, O_CLOEXEC
}  // namespace type

namespace msg {
inline constexpr uint32_t OOB = 0x1, PEEK = 0x2, DONTROUTE = 0x4, CTRUNC = 0x8, TRUNC = 0x20,
                          DONTWAIT = 0x40, EOR = 0x80, WAITALL = 0x100, NOSIGNAL = 0x4000,
                          MORE = 0x8000, WAITFORONE = 0x10000, CMSG_CLOEXEC = 0x40000000,
                          ERRQUEUE = 0x2000, CONFIRM = 0x800, FASTOPEN = 0x20000000,
                          BATCH = 0x40000, ZEROCOPY = 0x4000000;
}  // namespace msg

namespace shut {
inline constexpr int RD = 0, WR = 1, RDWR = 2;
}

// Socket option levels and SOL_SOCKET names.
inline constexpr int SOL_SOCKET = 1;
namespace so {
inline constexpr int DEBUG = 1, REUSEADDR = 2, TYPE = 3, ERROR = 4, DONTROUTE = 5, BROADCAST = 6,
                     SNDBUF = 7, RCVBUF = 8, KEEPALIVE = 9, OOBINLINE = 10, NO_CHECK = 11,
                     PRIORITY = 12, LINGER = 13, BSDCOMPAT = 14, REUSEPORT = 15, PASSCRED = 16,
                     PEERCRED = 17, RCVLOWAT = 18, SNDLOWAT = 19, RCVTIMEO_OLD = 20,
                     SNDTIMEO_OLD = 21, TIMESTAMP = 29, ACCEPTCONN = 30, PEERSEC = 31,
                     SNDBUFFORCE = 32, RCVBUFFORCE = 33, PASSSEC = 34, PROTOCOL = 38, DOMAIN = 39,
                     PEEK_OFF = 42, RCVTIMEO_NEW = 66, SNDTIMEO_NEW = 67;
}  // namespace so

// SOL_SOCKET control message types.
namespace scm {
inline constexpr int RIGHTS = 1, CREDENTIALS = 2;
inline constexpr uint32_t kMaxFd = 253;  // SCM_MAX_FD: descriptors per sendmsg
}  // namespace scm

// ioctls on sockets.
inline constexpr uint32_t FIONREAD = 0x541b, SIOCINQ = FIONREAD, SIOCOUTQ = 0x5411,
                          FIONBIO = 0x5421;

// The sizes Linux uses for socket buffers: net.core.{w,r}mem_default/max and the minimums.
inline constexpr uint32_t kBufDefault = 212992, kBufMax = 212992, kMinSndBuf = 4608,
                          kMinRcvBuf = 2304;

inline constexpr uint32_t kIovMax = 1024;             // UIO_MAXIOV
inline constexpr uint64_t kMaxRw = 0x7ffff000;        // MAX_RW_COUNT
inline constexpr uint32_t kSockaddrStorage = 128;     // sizeof(struct sockaddr_storage)
inline constexpr uint64_t kMaxControl = 64 * 1024;    // a larger msg_control is ENOBUFS
inline constexpr uint64_t kUserTop = 0x800000000000;  // end of the lower half

// struct msghdr as programs lay it out (56 bytes).
struct UserMsgHdr {
    uint64_t name;
    int32_t namelen;
    uint32_t pad0;
    uint64_t iov;
    uint64_t iovlen;
    uint64_t control;
    uint64_t controllen;
    int32_t flags;
    uint32_t pad1;
};
static_assert(sizeof(UserMsgHdr) == 56);

// struct mmsghdr: a msghdr and the byte count of its message.
struct UserMmsgHdr {
    UserMsgHdr hdr;
    uint32_t len;
    uint32_t pad;
};
static_assert(sizeof(UserMmsgHdr) == 64);

struct IoVec {
    uint64_t base;
    uint64_t len;
};

struct CmsgHdr {
    uint64_t len;  // header + data, unpadded
    int32_t level;
    int32_t type;
};
static_assert(sizeof(CmsgHdr) == 16);

inline constexpr uint64_t cmsg_align(uint64_t len) {
    return (len + 7) & ~uint64_t(7);
}
inline constexpr uint64_t cmsg_len(uint64_t data) {
    return sizeof(CmsgHdr) + data;
}
inline constexpr uint64_t cmsg_space(uint64_t data) {
    return sizeof(CmsgHdr) + cmsg_align(data);
}

struct Ucred {
    int32_t pid;
    uint32_t uid;
    uint32_t gid;
};
static_assert(sizeof(Ucred) == 12);

struct Linger {
    int32_t onoff;
    int32_t linger;
};

inline constexpr uint32_t kSunPathMax = 108;
inline constexpr uint32_t kSunPathOffset = 2;  // offsetof(struct sockaddr_un, sun_path)

}  // namespace sock
