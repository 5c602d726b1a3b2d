// TCP (RFC 9293 with RFC 5961's checks, RFC 7323 window scaling, RFC 6298 RTO, RFC 5681 and
// RFC 6582 NewReno congestion control, RFC 6528 ISNs): the connection object and the internals
// shared by tcp_input, tcp_output, tcp_timer, tcp_conn and tcp_socket (the socket-facing API,
// tcp_socket.hpp).
//
// Lifetime: a TcpSock is reference counted. The user's handle holds one reference (from
// tcp_create or tcp_accept until tcp_close). The stack's connection list holds one while the
// socket can receive segments (bound, listening, connecting, connected, closing, TIME_WAIT).
// A listener's SYN and accept queues hold one on each child. So a connection in TIME_WAIT or
// in an accept queue outlives its handle, and a closed handle whose connection is gone is
// freed at once. Every function here runs with the stack's lock held.
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "net/ipv4.hpp"
#include "net/ring.hpp"
#include "net/types.hpp"

namespace net {

class Stack;

inline constexpr uint8_t kTcpFin = 0x01, kTcpSyn = 0x02, kTcpRst = 0x04, kTcpPsh = 0x08,
                         kTcpAck = 0x10, kTcpUrg = 0x20;
inline constexpr uint32_t kTcpHdrLen = 20;

struct TcpOptions {
    bool has_mss, has_wscale, sack_ok, has_ts;
    uint16_t mss;
    uint8_t wscale;  // clamped to 14 (RFC 7323)
    uint32_t ts_val, ts_ecr;
};

struct TcpSegment {
    uint16_t sport, dport;
    uint32_t seq, ack;
    uint8_t flags;
    uint16_t window;
    uint16_t header_len;
    TcpOptions opt;
    const uint8_t* payload;
    uint32_t payload_len;
};

enum class TcpError : uint8_t { Ok, Truncated, BadOffset, BadChecksum };

// `len`: the IP payload. The data offset must be 5..15 words and within `len`; options are
// parsed defensively (a malformed option ends option parsing, as Linux does).
TcpError parse_tcp(const uint8_t* p, size_t len, uint32_t src, uint32_t dst, bool verify_csum,
                   TcpSegment* out);
void parse_tcp_options(const uint8_t* p, size_t len, TcpOptions* out);

enum class TcpState : uint8_t {
    Closed,
    Listen,
    SynSent,
    SynRecv,
    Established,
    FinWait1,
    FinWait2,
    CloseWait,
    Closing,
    LastAck,
    TimeWait,
};
const char* tcp_state_name(TcpState st);
uint8_t tcp_state_linux(TcpState st);  // /proc/net/tcp's numbering

// Sizes and limits.
inline constexpr uint32_t kTcpDefaultBuf = 256 * 1024;
inline constexpr uint32_t kTcpMinBuf = 4096;
inline constexpr uint32_t kTcpMaxBuf = 4 * 1024 * 1024;
inline constexpr uint32_t kTcpDefaultMss = 536;
inline constexpr uint32_t kTcpMaxOoo = 16;  // out-of-order ranges remembered
inline constexpr uint32_t kTcpMaxBacklog = 4096;
inline constexpr uint32_t kTcpSynQueueMin = 64;
inline constexpr uint32_t kTcpSynQueueMax = 1024;
inline constexpr uint32_t kTcpMaxTimeWait = 4096;
inline constexpr uint64_t kTcpMslNs = 30'000'000'000ull;         // TIME_WAIT = 2 MSL = 60 s
inline constexpr uint64_t kTcpFinTimeoutNs = 60'000'000'000ull;  // orphaned FIN_WAIT2
inline constexpr uint32_t kTcpRtoMinUs = 200'000, kTcpRtoMaxUs = 120'000'000,
                          kTcpRtoInitUs = 1'000'000;
inline constexpr uint64_t kTcpDelAckNs = 40'000'000ull;
inline constexpr uint64_t kTcpInvalidRateNs = 500'000'000ull;  // Linux's tcp_invalid_ratelimit
inline constexpr uint32_t kTcpSynRetries = 6, kTcpSynAckRetries = 5, kTcpRetries2 = 15;
inline constexpr uint32_t kTcpInitCwndSegs = 10;  // RFC 6928
inline constexpr uint32_t kTcpMaxTso = 65535 - kIpHdrLen - kTcpHdrLen;

struct OooRange {
    uint32_t start, end;  // sequence numbers, [start, end)
};

struct TcpSock {
    TcpSock* next;  // Stack::tcp_list
    TcpSock* prev;
    Stack* stack;
    uint32_t refs;
    bool listed;
    bool user_closed;  // the handle is gone (an orphan)
    bool reuseaddr, keepalive, nodelay, linger, bound;
    TcpState state;
    uint8_t shutdown;  // 1: receive side shut, 2: send side shut
    int error;         // pending SO_ERROR (positive errno)
    SockAddr local, remote;
    NotifyFn notify;
    void* notify_ctx;

    // Listener side.
    TcpSock* parent;  // the listener of a child in its SYN or accept queue
    TcpSock* qnext;   // link in the parent's queue
    bool in_accept_queue;
    uint32_t backlog;
    TcpSock* synq_head;
    TcpSock* synq_tail;
    uint32_t synq_len;
    TcpSock* acceptq_head;
    TcpSock* acceptq_tail;
    uint32_t acceptq_len;

    // Send sequence space.
    uint32_t iss, snd_una, snd_nxt, snd_max, snd_wnd, snd_wl1, snd_wl2, max_sndwnd;
    uint8_t snd_wscale, rcv_wscale;
    bool ws_ok;         // both sides sent the window-scale option
    uint32_t mss;       // send MSS (payload bytes per wire segment)
    uint32_t adv_mss;   // the MSS we announced
    uint32_t user_mss;  // TCP_MAXSEG, 0: none
    bool fin_queued;    // the send side is shut: a FIN follows the data
    bool fin_acked;
    // Receive sequence space.
    uint32_t irs, rcv_nxt, rcv_adv;  // rcv_adv: right edge of the window we announced
    OooRange ooo[kTcpMaxOoo];
    uint32_t ooo_count;
    bool fin_received;

    // Congestion control (bytes) and NewReno recovery.
    uint32_t cwnd, ssthresh, recover, dupacks, ca_acked;
    bool in_recovery;

    // RTT estimation (RFC 6298), one timed segment at a time (Karn).
    uint32_t srtt_us, rttvar_us, rto_us;
    uint32_t rtt_seq;
    uint64_t rtt_start;
    bool rtt_active;
    uint32_t retries;  // consecutive RTO expiries
    uint32_t persist_backoff;

    // Timers: absolute deadlines in ns, 0 when off.
    uint64_t t_rtx, t_persist, t_delack, t_keepalive, t_wait;
    uint64_t last_rcv;
    uint64_t last_oow_ack;  // rate limit of ACKs to invalid segments (ACK storms)
    uint32_t keep_idle_s, keep_intvl_s, keep_cnt, keep_probes;
    uint32_t linger_s;

    // Delayed ACK.
    uint32_t unacked_bytes;
    bool ack_now;

    // Buffers: sizes (SO_SNDBUF/SO_RCVBUF) and the rings, allocated when established.
    uint32_t sndbuf, rcvbuf;
    ByteRing sndq, rcvq;

    uint64_t bytes_acked, bytes_received, retransmits;
};

// tcp_conn.cpp: lifetime, lookup, states.
TcpSock* tcp_alloc(Stack& s);
void tcp_get(TcpSock* t);
void tcp_put(TcpSock* t);
void tcp_list_add(Stack& s, TcpSock* t);
void tcp_list_remove(Stack& s, TcpSock* t);
TcpSock* tcp_lookup(Stack& s, uint32_t laddr, uint16_t lport, uint32_t raddr, uint16_t rport);
void tcp_set_state(Stack& s, TcpSock* t, TcpState st);
// The connection is over: state Closed, timers off, out of the list (maybe freed: callers
// that still use `t` must hold a reference).
void tcp_done(Stack& s, TcpSock* t);
// A fatal error: records it (ECONNRESET, ETIMEDOUT, ECONNREFUSED), then tcp_done.
void tcp_abort(Stack& s, TcpSock* t, int error);
void tcp_enter_time_wait(Stack& s, TcpSock* t);
uint32_t tcp_isn(Stack& s, uint32_t laddr, uint16_t lport, uint32_t raddr, uint16_t rport);
// 0 or -EADDRINUSE; port 0 picks an ephemeral port.
int tcp_bind_port(Stack& s, TcpSock* t, uint32_t addr, uint16_t port);
bool tcp_alloc_buffers(TcpSock* t);
void tcp_wake(TcpSock* t);
void tcp_synq_remove(TcpSock* parent, TcpSock* child);
void tcp_queue_append(TcpSock*& head, TcpSock*& tail, uint32_t& len, TcpSock* child);
void tcp_shutdown_all(Stack& s);

// tcp_output.cpp.
// Sends whatever the windows, Nagle and the pending ACK allow.
void tcp_output(Stack& s, TcpSock* t);
// A segment of `len` data bytes from `seq` (plus FIN when it reaches the end and the FIN is
// queued), or a control segment. 0 or the device's error.
int tcp_send_segment(Stack& s, TcpSock* t, uint32_t seq, uint32_t len, uint8_t flags);
void tcp_send_ack(Stack& s, TcpSock* t);
void tcp_retransmit_head(Stack& s, TcpSock* t);
void tcp_send_syn(Stack& s, TcpSock* t);    // SYN or SYN-ACK by state
void tcp_send_probe(Stack& s, TcpSock* t);  // seq snd_una - 1: zero-window and keep-alive probe
void tcp_send_rst(Stack& s, TcpSock* t);    // for an abort
// A reset in answer to `seg` that belongs to no connection (RFC 9293 3.10.7.1).
void tcp_reset_reply(Stack& s, const Ipv4Packet& ip, const TcpSegment& seg);
uint32_t tcp_rcv_window(const TcpSock* t);  // bytes we can take now
void tcp_arm_rtx(Stack& s, TcpSock* t);

// tcp_input.cpp.
void tcp_input(Stack& s, const Ipv4Packet& ip, bool csum_ok);
void tcp_rtt_sample(TcpSock* t, uint32_t rtt_us);

// tcp_timer.cpp.
void tcp_tick(Stack& s);
uint64_t tcp_deadline(const Stack& s);

inline bool seq_lt(uint32_t a, uint32_t b) {
    return int32_t(a - b) < 0;
}
inline bool seq_le(uint32_t a, uint32_t b) {
    return int32_t(a - b) <= 0;
}
inline bool seq_gt(uint32_t a, uint32_t b) {
    return int32_t(a - b) > 0;
}
inline bool seq_ge(uint32_t a, uint32_t b) {
    return int32_t(a - b) >= 0;
}

}  // namespace net
