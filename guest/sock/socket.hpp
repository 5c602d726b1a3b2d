// The generic socket: what socket(2) creates. A socket is an fs::File (its FileOps are this
// layer's: read, write, poll, ioctl, release) whose private_data is a Socket: the state every
// family shares (type, protocol, options, SO_ERROR, credentials of the peer, a wait queue) and
// a per-family operations table, SocketOps. See guest/sock/README.md for the contract.
//
// Families implement NON-BLOCKING operations only: an operation that cannot proceed now
// answers -EAGAIN (or -EINPROGRESS for connect), and the family calls sock_wake() whenever
// readiness may have changed (data arrived, room appeared, a connection came or went, an error
// was set). The generic layer does all blocking: it re-runs the operation after each wake-up,
// honours O_NONBLOCK / MSG_DONTWAIT, SO_RCVTIMEO / SO_SNDTIMEO (a timeout is -EAGAIN) and
// signals (-EINTR, or a restart under SA_RESTART when no timeout is set, as Linux).
//
// Data crosses the SocketOps boundary in kernel buffers only: the system-call layer copies user
// memory in and out with the user-copy helpers, so a family never touches user memory and may
// hold its locks while copying.
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "fs/file.hpp"
#include "kernel/lock.hpp"
#include "proc/sched.hpp"
#include "sock/sock_abi.hpp"

namespace sock {

struct Socket;

// Descriptors passed with SCM_RIGHTS: File references held by whoever has the struct.
struct ScmFiles {
    fs::File* files[scm::kMaxFd];
    uint32_t count;
};

// Where a connect or send that answered -EAGAIN waits when that is not the caller's own
// socket (a full listen backlog, a full datagram queue): `on` with a reference (sock_get) the
// generic layer drops, and its wake generation sampled (sock_wait_begin) while the family
// still held the lock under which it found no room, so that no wake-up is lost.
struct WaitTarget {
    Socket* on;
    uint64_t gen;
};

// One sendmsg, in kernel memory. `data` holds the bytes (for stream sockets a piece of the
// caller's: the family takes what fits); `addr` the destination (sendto/msg_name) or nullptr.
struct SendMsg {
    const void* data;
    size_t len;
    const uint8_t* addr;
    uint32_t addr_len;
    uint32_t flags;  // MSG_*
    // SCM_RIGHTS: the family takes the references it keeps (and sets `rights->count` to 0);
    // whatever is left is put by the caller. nullptr when none.
    ScmFiles* rights;
    const Ucred* creds;  // SCM_CREDENTIALS sent explicitly (validated), or nullptr
    Ucred sender;        // the sending process's credentials (SO_PEERCRED, SO_PASSCRED)
    WaitTarget wait;     // out: see WaitTarget (on == nullptr: wait on the sending socket)
};

// One recvmsg, in kernel memory. The family fills the out-fields.
struct RecvMsg {
    void* data;
    size_t len;
    uint32_t flags;  // MSG_PEEK, MSG_TRUNC, MSG_WAITALL (seen by the generic layer) ...
    // Out:
    size_t msg_len;      // datagrams: the message's full length (MSG_TRUNC returns it)
    uint32_t out_flags;  // MSG_TRUNC, MSG_EOR ... for msg_flags
    uint8_t addr[kSockaddrStorage];
    uint32_t addr_len;  // 0: no source address
    ScmFiles* rights;   // never nullptr: received descriptors go here (references, count
                        // starting at 0); the generic layer installs or puts them
    bool has_creds;
    Ucred creds;
};

// The per-family operations. Every member may be nullptr: the generic layer then answers
// what Linux's sock_no_* functions answer (EOPNOTSUPP, or EINVAL where Linux does).
// All are non-blocking. `s` stays valid for the duration of each call.
struct SocketOps {
    int (*bind)(Socket* s, const uint8_t* addr, uint32_t len);
    int (*listen)(Socket* s, int backlog);
    // A new connection: *out is a new Socket (sock_alloc) the generic layer turns into a File.
    // -EAGAIN when none is pending (the family wakes `s` when one arrives).
    int (*accept)(Socket* s, Socket** out);
    // 0 (connected), -EINPROGRESS (the generic layer then waits, unless non-blocking, until
    // poll reports OUT, ERR or HUP, and returns the SO_ERROR it takes), -EAGAIN (cannot start
    // now, e.g. a full listen backlog: the family fills `wait` and the generic layer retries
    // once that socket is woken), -errno.
    int (*connect)(Socket* s, const uint8_t* addr, uint32_t len, WaitTarget* wait);
    // socketpair(2): `a` and `b` are fresh sockets of this family and type.
    int (*socketpair)(Socket* a, Socket* b);
    // Bytes accepted (stream: 1..len; datagram: len, whole), -EAGAIN when there is no room
    // (wake the sender when room appears), -EPIPE (the generic layer raises SIGPIPE on stream
    // sockets unless MSG_NOSIGNAL), -errno.
    int64_t (*sendmsg)(Socket* s, SendMsg* m);
    // Bytes received (0 = end of file on a stream), -EAGAIN when nothing is there, -errno.
    int64_t (*recvmsg)(Socket* s, RecvMsg* m);
    int (*shutdown)(Socket* s, int how);  // how: shut::RD/WR/RDWR (validated)
    // The local / peer address into `out` (kSockaddrStorage bytes); its length or -errno.
    int (*getname)(Socket* s, uint8_t* out, bool peer);
    // Options at levels other than SOL_SOCKET, and SOL_SOCKET ones the generic layer does not
    // know. `val`/`*len` are kernel memory (at most 256 bytes). -ENOPROTOOPT when unknown.
    int (*getsockopt)(Socket* s, int level, int name, void* val, uint32_t* len);
    int (*setsockopt)(Socket* s, int level, int name, const void* val, uint32_t len);
    uint32_t (*poll)(Socket* s);  // EPOLLIN/OUT/ERR/HUP/RDHUP ready now
    // FIONREAD/SIOCINQ (bytes to read) and SIOCOUTQ (bytes sent and not consumed): the value
    // into *out, or -ENOTTY / -EINVAL.
    int (*ioctl)(Socket* s, uint32_t cmd, int64_t* out);
    // The File is gone: release the family's state. No wake-up of `s` may follow.
    void (*release)(Socket* s);
    // A family that keeps its own pending error (TCP's): SO_ERROR and a finished connect take
    // it here when the Socket's own is 0 (positive errno, cleared). No lock held.
    int (*take_error)(Socket* s);
    // A SOL_SOCKET option the generic layer keeps (SO_REUSEADDR, SO_KEEPALIVE, SO_SNDBUF,
    // SO_RCVBUF, SO_LINGER, ...) was set: the family may apply it. No lock held.
    void (*option_set)(Socket* s, int name);
};

// A family: socket(2) with this domain calls `create` for a new Socket (type already checked
// against SOCK_MAX, flags stripped). It sets s->ops and s->priv, or answers -ESOCKTNOSUPPORT /
// -EPROTONOSUPPORT / -EPROTOTYPE as Linux does.
struct SocketFamily {
    int family;
    int (*create)(Socket* s, int type, int protocol);
};

// The built-in families (AF_UNIX) are in the registry from the start; others (AF_INET)
// register at boot. Registers a family. -EINVAL for a number outside [1, AF_MAX), -EBUSY if taken.
int register_family(const SocketFamily* family);
const SocketFamily* find_family(int family);

inline constexpr uint64_t kNoTimeout = ~uint64_t(0);

struct Socket {
    uint64_t refs;  // atomic: the File's, plus waiters' (WaitTarget) and families' own
    const SocketOps* ops;
    void* priv;      // the family's
    fs::File* file;  // the File (not a reference: the File owns the Socket)
    int family, type, protocol;

    // Options (SOL_SOCKET), under `lock`.
    SpinLock lock;
    uint64_t rcvtimeo_ns, sndtimeo_ns;  // kNoTimeout, or a duration (0: do not wait)
    uint32_t sndbuf, rcvbuf;
    uint32_t rcvlowat;
    int32_t priority;
    Linger linger;
    bool reuseaddr, reuseport, keepalive, broadcast, dontroute, oobinline, passcred, timestamp,
        debug;
    bool listening;      // SO_ACCEPTCONN: set by the family's listen
    bool peer_cred_set;  // SO_PEERCRED: set by the family (connect, accept, socketpair)
    Ucred peer_cred;

    int32_t error;  // SO_ERROR (positive errno), atomic: sock_set_error / sock_take_error

    // Waiting: a generation counter bumped at every sock_wake, so a waiter that sampled it
    // before trying the operation never misses a wake-up in between.
    SpinLock wait_lock;
    WaitQueue waiters;
    uint64_t wake_gen;
};

// A new Socket with the defaults (Linux's buffer sizes, no timeouts), not yet a File.
Socket* sock_alloc(int family, int type, int protocol);
// Frees a Socket that never became a File (calls ops->release if ops is set, then sock_put).
void sock_free(Socket* s);
void sock_get(Socket* s);
void sock_put(Socket* s);  // the last reference frees the memory (release has run before)
// Wraps the Socket in a new File (S_IFSOCK anonymous inode). Consumes `s` also on failure
// (-ENOMEM). O_NONBLOCK from `nonblock`.
int sock_make_file(Socket* s, bool nonblock, fs::File** out);
// The Socket of a File, or nullptr when the File is not a socket (ENOTSOCK).
Socket* sock_of(fs::File* file);

// Readiness may have changed: wakes the socket's blocked callers and every poll/select/epoll
// waiter (ipc::poll_wake_all). Callable from any context that may take spinlocks, with the
// family's locks held.
void sock_wake(Socket* s);
// SO_ERROR: sets it (positive errno; the family wakes afterwards) / reads and clears it.
void sock_set_error(Socket* s, int err);
int sock_take_error(Socket* s);  // 0 or a positive errno

// Waiting primitives (for the generic layer and families with their own waits):
// sample the generation, try the operation, and if it must wait, sleep until the generation
// moves. sock_wait returns 0 (woken: try again), -EAGAIN (deadline passed), -EINTR (a signal,
// with a timeout set) or -kRestartSys (a signal, no timeout: SA_RESTART decides).
uint64_t sock_wait_begin(Socket* s);
int sock_wait(Socket* s, uint64_t generation, uint64_t deadline_ns);
// The absolute deadline for one call from a timeout option: 0 = none.
uint64_t sock_deadline(uint64_t timeo_ns);

// The blocking operations the system calls use (nonblock: O_NONBLOCK or MSG_DONTWAIT).
int sock_accept(Socket* s, bool nonblock, Socket** out);
int sock_connect(Socket* s, const uint8_t* addr, uint32_t len, bool nonblock);
// Sends all of a stream buffer unless non-blocking (then as much as fits), or one datagram.
// Returns bytes sent (partial on a signal or timeout after some progress) or -errno.
int64_t sock_send(Socket* s, SendMsg* m, bool nonblock);
int64_t sock_recv(Socket* s, RecvMsg* m, bool nonblock);

// SOL_SOCKET options (kernel memory), with the family's hooks for the rest.
int sock_getsockopt(Socket* s, int level, int name, void* val, uint32_t* len);
int sock_setsockopt(Socket* s, int level, int name, const void* val, uint32_t len);

// The calling process's credentials (pid, uid, gid).
Ucred current_cred();

}  // namespace sock
