// Small shared vocabulary of the network stack: byte-order helpers, addresses, Linux's errno
// values for sockets, the flag bits of the socket-facing API. Addresses and ports are kept in
// host byte order everywhere inside the stack; only wire bytes are big-endian.
#pragma once

#include <stddef.h>
#include <stdint.h>

namespace net {

inline uint16_t load16(const uint8_t* p) {
    return uint16_t((p[0] << 8) | p[1]);
}
inline uint32_t load32(const uint8_t* p) {
    return (uint32_t(p[0]) << 24) | (uint32_t(p[1]) << 16) | (uint32_t(p[2]) << 8) | p[3];
}
inline void store16(uint8_t* p, uint16_t v) {
    p[0] = uint8_t(v >> 8);
    p[1] = uint8_t(v);
}
inline void store32(uint8_t* p, uint32_t v) {
    p[0] = uint8_t(v >> 24);
    p[1] = uint8_t(v >> 16);
    p[2] = uint8_t(v >> 8);
    p[3] = uint8_t(v);
}

inline constexpr uint32_t ip4(uint8_t a, uint8_t b, uint8_t c, uint8_t d) {
    return (uint32_t(a) << 24) | (uint32_t(b) << 16) | (uint32_t(c) << 8) | d;
}

// An IPv4 socket address in host byte order (the glue converts struct sockaddr_in).
struct SockAddr {
    uint32_t addr;
    uint16_t port;
};

struct MacAddr {
    uint8_t b[6];
};

// Linux errno values the socket layer returns (negated), beside guest/abi/errno.hpp's.
namespace err {
inline constexpr int kEPERM = 1, kEINTR = 4, kEAGAIN = 11, kENOMEM = 12, kEACCES = 13, kEFAULT = 14,
                     kEBUSY = 16, kENODEV = 19, kEINVAL = 22, kEPIPE = 32, kEDESTADDRREQ = 89,
                     kEPROTONOSUPPORT = 93, kEMSGSIZE = 90, kENOPROTOOPT = 92, kEOPNOTSUPP = 95,
                     kEAFNOSUPPORT = 97, kEADDRINUSE = 98, kEADDRNOTAVAIL = 99, kENETDOWN = 100,
                     kENETUNREACH = 101, kECONNABORTED = 103, kECONNRESET = 104, kENOBUFS = 105,
                     kEISCONN = 106, kENOTCONN = 107, kETIMEDOUT = 110, kECONNREFUSED = 111,
                     kEHOSTUNREACH = 113, kEALREADY = 114, kEINPROGRESS = 115;
}  // namespace err

// poll/epoll bits (Linux values).
inline constexpr uint32_t kPollIn = 0x1, kPollPri = 0x2, kPollOut = 0x4, kPollErr = 0x8,
                          kPollHup = 0x10, kPollRdNorm = 0x40, kPollWrNorm = 0x100,
                          kPollRdHup = 0x2000;

// recv/send flags (Linux values) the stack acts on.
inline constexpr int kMsgPeek = 0x2, kMsgTrunc = 0x20, kMsgDontWait = 0x40, kMsgWaitAll = 0x100,
                     kMsgNoSignal = 0x4000;

// shutdown(2) `how`.
inline constexpr int kShutRd = 0, kShutWr = 1, kShutRdWr = 2;

// Socket option levels and names (Linux values).
inline constexpr int kSolSocket = 1, kIpProtoTcp = 6, kIpProtoUdp = 17;
inline constexpr int kSoReuseAddr = 2, kSoType = 3, kSoError = 4, kSoBroadcast = 6, kSoSndBuf = 7,
                     kSoRcvBuf = 8, kSoKeepAlive = 9, kSoLinger = 13;
inline constexpr int kTcpNoDelay = 1, kTcpMaxSeg = 2, kTcpKeepIdle = 4, kTcpKeepIntvl = 5,
                     kTcpKeepCnt = 6;

// Copies between the caller's buffer (user memory, for the syscall glue) and the stack's
// buffers: `offset` counts bytes from the start of the caller's request. 0 or a negative errno
// (-EFAULT). Called with the stack's lock held (lock order: net -> address space).
using CopyIn = int (*)(void* ctx, size_t offset, void* dst, size_t len);
using CopyOut = int (*)(void* ctx, size_t offset, const void* src, size_t len);

// Readiness may have changed: called with the stack's lock held; it must only wake waiters
// (take the poll wait queue's and the scheduler's locks, which come after net's), never call
// back into the stack.
using NotifyFn = void (*)(void* ctx);

}  // namespace net
