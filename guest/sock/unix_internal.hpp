// AF_UNIX internals shared by unix_core.cpp (objects, names, queues, release, poll),
// unix_stream.cpp (SOCK_STREAM and SOCK_SEQPACKET connections) and unix_dgram.cpp (datagrams).
//
// Locking: one lock for the whole family (unix_lock()) covers every UnixSock field, every
// queue and the name table. Order: unix_lock -> Socket::lock -> Socket::wait_lock ->
// scheduler; unix_lock -> poll lock. Never held across a VFS call, a user copy or the put of a
// File (a passed descriptor may be a unix socket whose release takes the lock): such work is
// collected and done after unlocking.
//
// Lifetime: a UnixSock is reference counted (`refs`): its Socket's (dropped at release), each
// peer pointer's, each queued segment's for its sender, each listener backlog's for an embryo.
// The Socket itself may be gone (sock == nullptr) while the UnixSock lives on.
#pragma once

#include <stdint.h>

#include "fs/inode.hpp"
#include "kernel/lock.hpp"
#include "sock/msg_parse.hpp"
#include "sock/socket.hpp"

namespace sock::unix_impl {

inline constexpr uint8_t kRcvShutdown = 1, kSendShutdown = 2, kShutdownMask = 3;
inline constexpr uint32_t kMaxBacklog = 4096;    // net.core.somaxconn
inline constexpr uint32_t kMaxDgramQlen = 10;    // net.unix.max_dgram_qlen
inline constexpr uint32_t kSegmentMax = 65536;   // bytes per stream segment
inline constexpr uint32_t kSegmentCharge = 256;  // accounting overhead per segment
inline constexpr uint32_t kMaxDgram = 212992;    // largest datagram (bounce buffer bound)

enum class State : uint8_t { Unconnected, Listening, Connected };

struct UnixSock;

// One message (datagram, seqpacket record) or piece of a byte stream in a receive queue.
struct Segment {
    Segment* next;
    UnixSock* sender;  // a reference: its wmem is charged `charge`
    uint32_t charge;
    uint32_t len, off;  // data bytes, bytes already read (streams)
    ScmFiles* rights;   // or nullptr
    Ucred creds;
    bool has_from;
    UnixAddr from;  // datagrams: the sender's address when it was bound
    uint8_t data[];
};

struct UnixSock {
    uint64_t refs;
    Socket* sock;  // nullptr once released
    int type;
    State state;
    uint8_t shutdown;
    bool dead;             // released
    bool embryo;           // made by connect, not accepted yet
    UnixSock* peer;        // a reference: the connected other end (or datagram destination)
    Ucred peer_cred;       // SO_PEERCRED
    Ucred listen_cred;     // the listener's credentials, given to its connectors
    bool bound;            // has an address
    UnixAddr addr;         // its address (accepted sockets: the listener's)
    fs::Inode* inode;      // path names: the S_IFSOCK inode (a reference), else nullptr
    bool in_names;         // in the name table (what connect can find)
    UnixSock* name_next;   // the name table
    Segment *head, *tail;  // receive queue
    uint32_t qlen;         // segments queued
    uint64_t rcv_bytes;    // unread bytes queued
    uint64_t wmem;         // bytes this socket sent that are still queued (with overhead)
    uint64_t wdata;        // the same without overhead (SIOCOUTQ)
    UnixSock *backlog_head, *backlog_tail, *backlog_next;  // listeners: embryos to accept
    uint32_t backlog_len, backlog_max;
    uint64_t ino;  // the socket inode's number (/proc/net/unix)
    UnixSock *all_prev, *all_next;
};

SpinLock& unix_lock();

// A new UnixSock with one reference (the caller's), on the list of all sockets.
UnixSock* unix_new(int type);
void unix_get(UnixSock* u);
// Drops a reference; the last one frees the UnixSock. Lock NOT held (the reference may be the
// last one on a peer whose state must be torn down).
void unix_put(UnixSock* u);
UnixSock* unix_of(Socket* s);
// Ties a Socket and a UnixSock (the Socket's reference is taken over).
void unix_attach(Socket* s, UnixSock* u);

// Things to do once the lock is dropped: segments to free (their descriptors and sender
// references are put), UnixSock references, an inode reference, embryos to tear down.
struct Deferred {
    static constexpr uint32_t kMax = 4;
    Segment* garbage;
    UnixSock* socks[kMax];
    uint32_t nsocks;
    fs::Inode* inode;
    UnixSock* embryos;  // linked through backlog_next, each with the backlog's reference
};
void defer_put(Deferred* d, UnixSock* u);
void run_deferred(Deferred* d);  // lock not held

Segment* segment_alloc(uint32_t len);  // no lock needed; nullptr without memory
void segment_free(Segment* seg);       // lock not held: puts descriptors and the sender
// Lock held: queues `seg` (sent by `from`, charged to it) on `to` / unlinks the head segment
// (uncharging and waking its sender) onto d->garbage.
void enqueue_locked(UnixSock* to, Segment* seg, UnixSock* from);
void dequeue_head_locked(UnixSock* u, Deferred* d);
// Moves (or, to peek, duplicates) a segment's descriptors into `out`.
void take_rights_locked(Segment* seg, ScmFiles* out, bool peek);

void wake(UnixSock* u);  // sock_wake of its Socket when it still has one (lock held)

// Names: finding a peer by address. Path lookups take the VFS locks: call without the lock;
// the result is a reference.
int find_bound(const UnixAddr& a, int type, UnixSock** out);
int bind_addr(UnixSock* u, const UnixAddr& a);
int autobind(UnixSock* u);

int unix_create(Socket* s, int type, int protocol);  // the family's socket(2)

// Shared operations.
int op_bind(Socket* s, const uint8_t* addr, uint32_t len);
int op_getname(Socket* s, uint8_t* out, bool peer);
int op_shutdown(Socket* s, int how);
int op_ioctl(Socket* s, uint32_t cmd, int64_t* out);
int op_socketpair(Socket* a, Socket* b);
void op_release(Socket* s);
uint32_t poll_stream(Socket* s);
uint32_t poll_dgram(Socket* s);

// Per type.
extern const SocketOps kStreamOps, kSeqpacketOps, kDgramOps;
int64_t recv_records_locked(UnixSock* u, RecvMsg* m, Deferred* d);  // dgram + seqpacket
int64_t send_record(Socket* s, SendMsg* m);                         // dgram + seqpacket

}  // namespace sock::unix_impl
