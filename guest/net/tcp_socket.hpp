// The TCP socket API for the socket layer (syscall glue). Every call is non-blocking, takes
// the stack's lock, and returns 0 / a byte count or a negative Linux errno. Blocking, timeouts
// and MSG_WAITALL are the glue's: it waits for the notify callback and calls again.
//
// Handles: tcp_create and tcp_accept return a TcpSock* that the caller owns until tcp_close.
// After tcp_close the pointer must not be used; the connection may live on (FIN exchange,
// TIME_WAIT) inside the stack.
//
// Notify: tcp_set_notify registers `fn(ctx)`, called with the stack's lock held whenever
// readiness may have changed (data, space, state, error, a connection to accept). It must
// only wake waiters (see types.hpp), never call into the stack. After tcp_close it is never
// called again.
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "net/types.hpp"

namespace net {

class Stack;
struct TcpSock;

struct TcpInfo {    // a subset of Linux's struct tcp_info
    uint8_t state;  // Linux numbering (TCP_ESTABLISHED = 1, ...)
    uint32_t rto_us, snd_mss, rcv_mss, rtt_us, rttvar_us, snd_ssthresh, snd_cwnd, retransmits;
    uint32_t snd_wnd, rcv_wnd;
    uint64_t bytes_acked, bytes_received, total_retrans;
};

int tcp_create(Stack& s, TcpSock** out);  // 0 or -ENOMEM
void tcp_set_notify(TcpSock* t, NotifyFn fn, void* ctx);
int tcp_bind(TcpSock* t, const SockAddr& a);  // -EADDRINUSE, -EADDRNOTAVAIL, -EINVAL
int tcp_listen(TcpSock* t, int backlog);      // clamped to [1, 4096]; binds a port if needed
// -EAGAIN when no connection is ready; *out is a new handle.
int tcp_accept(TcpSock* t, TcpSock** out, SockAddr* peer);
// -EINPROGRESS (then poll for EPOLLOUT and read SO_ERROR), -EALREADY while connecting,
// -EISCONN, -ENETUNREACH, -EADDRNOTAVAIL.
int tcp_connect(TcpSock* t, const SockAddr& a);
// Bytes taken into the send buffer (copied by `copy` straight into it), or -EAGAIN (full),
// -EPIPE (send side shut), -ENOTCONN, -ECONNRESET/-ETIMEDOUT (a pending error, cleared).
long tcp_send(TcpSock* t, CopyIn copy, void* ctx, size_t len, int flags);
// Bytes copied; 0 at end of stream; -EAGAIN; -ENOTCONN; a pending error. MSG_PEEK supported.
long tcp_recv(TcpSock* t, CopyOut copy, void* ctx, size_t len, int flags);
int tcp_shutdown(TcpSock* t, int how);  // SHUT_RD / SHUT_WR / SHUT_RDWR
// Releases the handle: a graceful close (FIN after the queued data), or a reset when unread
// data remains or SO_LINGER is on with a zero timeout (RFC 2525 2.17, as Linux).
void tcp_close(TcpSock* t);
int tcp_getsockname(TcpSock* t, SockAddr* out);
int tcp_getpeername(TcpSock* t, SockAddr* out);  // -ENOTCONN
int tcp_setsockopt(TcpSock* t, int level, int name, int value);
int tcp_getsockopt(TcpSock* t, int level, int name, int* value);  // SO_ERROR clears it
int tcp_set_linger(TcpSock* t, bool on, int seconds);
int tcp_get_info(TcpSock* t, TcpInfo* out);
uint32_t tcp_poll(TcpSock* t);      // EPOLLIN/OUT/HUP/RDHUP/ERR as Linux's tcp_poll
uint32_t tcp_readable(TcpSock* t);  // FIONREAD
uint32_t tcp_unsent(TcpSock* t);    // TIOCOUTQ-like: bytes not yet acknowledged

}  // namespace net
