// Pure decoding and encoding of what the socket system calls exchange with programs: the
// msghdr, its iovec array, the control messages (SCM_RIGHTS, SCM_CREDENTIALS) of sendmsg, the
// control buffer recvmsg fills, and AF_UNIX addresses. Everything here works on kernel copies
// of the user bytes (the system-call layer copies them in with the user-copy helpers first),
// follows Linux's rules and errno values, and trusts nothing in its input: it is unit tested on
// the host and fuzzed (tests/unit/guest_sock, tests/fuzz/fuzz_guest_sockmsg.cpp).
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "sock/sock_abi.hpp"

namespace sock {

// A msghdr after Linux's normalisation (copy_msghdr_from_user).
struct MsgHdr {
    uint64_t name;     // user address or 0
    uint32_t namelen;  // 0 without a name; at most sizeof(sockaddr_storage)
    uint64_t iov;
    uint32_t iovlen;
    uint64_t control;
    uint64_t controllen;
    uint32_t flags;
};

// -EINVAL for a negative msg_namelen, -EMSGSIZE for more than UIO_MAXIOV iovecs. A name
// pointer of 0 gives namelen 0; a longer namelen is cut to sizeof(sockaddr_storage).
int decode_msghdr(const UserMsgHdr& raw, MsgHdr* out);

// Checks an iovec array (already copied in) as Linux does before any byte moves: -EINVAL for a
// length above SSIZE_MAX, -EFAULT for a range outside [0, user_top). The total is capped at
// MAX_RW_COUNT by shortening the iovecs past it. Returns the total.
int64_t check_iovecs(IoVec* vecs, uint32_t count, uint64_t user_top);

// The SOL_SOCKET control messages of a sendmsg, decoded (the fds are not looked up yet).
struct CmsgSend {
    int32_t fds[scm::kMaxFd];
    uint32_t nfds;
    bool has_creds;
    Ucred creds;
};

// Decodes a sendmsg control buffer of `len` bytes (Linux's __scm_send): a header that does not
// fit (cmsg_len below the header or past the end) is -EINVAL, as is an unknown SOL_SOCKET
// type, SCM_CREDENTIALS of the wrong length, or more than SCM_MAX_FD descriptors in all;
// messages of other levels are skipped. `rights_ok` is false for families that cannot pass
// descriptors (SCM_RIGHTS is then -EINVAL). A buffer shorter than one header holds nothing.
int parse_cmsgs(const uint8_t* buf, uint64_t len, bool rights_ok, CmsgSend* out);

// Fills a recvmsg control buffer (Linux's put_cmsg and scm_detach_fds).
struct CmsgWriter {
    uint8_t* buf;
    uint64_t cap;    // msg_controllen
    uint64_t used;   // what goes back in msg_controllen
    uint32_t flags;  // MSG_CTRUNC when something did not fit
};

// Appends one message; what does not fit is cut (MSG_CTRUNC), nothing at all when not even
// the header fits.
void cmsg_put(CmsgWriter* w, int level, int type, const void* data, uint64_t len);
// How many descriptors an SCM_RIGHTS message can still carry.
uint32_t cmsg_fd_room(const CmsgWriter* w);

// An AF_UNIX address: a path in the file system, an abstract name (sun_path[0] == 0; every
// byte of it counts, NULs included), or none (unnamed).
struct UnixAddr {
    uint8_t bytes[kSunPathMax + 1];  // path: NUL-terminated; abstract: the leading 0 included
    uint32_t len;                    // path: strlen; abstract: bytes used including the 0
    bool abstract;
};

// Linux's unix_validate_addr + unix_mkname: -EINVAL when len is not in (2, 110] or the
// family is not AF_UNIX. A path ends at its first NUL (or at len).
int parse_unix_addr(const uint8_t* addr, uint32_t len, UnixAddr* out);
// bind(2) with only the family (len == 2, AF_UNIX): autobind.
bool is_unix_autobind(const uint8_t* addr, uint32_t len);
// The sockaddr_un getsockname/accept return: its length (path: offsetof + strlen + 1;
// abstract: offsetof + len); `out` needs kUnixAddrOut bytes (a 108-byte path and its NUL).
inline constexpr uint32_t kUnixAddrOut = kSunPathOffset + kSunPathMax + 1;
uint32_t encode_unix_addr(const UnixAddr& a, uint8_t* out);

}  // namespace sock
