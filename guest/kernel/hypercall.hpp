// Domus hypercalls (include/domus/abi/hypercall.h): `out %al, $0xe5` traps to the monitor
// with the number in RAX and arguments in RDI, RSI, RDX, R10, R8; the result comes back in
// RAX (negative DOMUS_E* on failure); every other register is preserved. Each call is a full
// exit to the monitor (~28 us on the PVM host): control operations only.
// Valid only on the Domus boot path (platform_is_domus()).
#pragma once

#include <stdint.h>

#include "domus/abi/hypercall.h"

namespace hc {

inline int64_t call(uint64_t number, uint64_t a0 = 0, uint64_t a1 = 0, uint64_t a2 = 0,
                    uint64_t a3 = 0, uint64_t a4 = 0) {
    static_assert(DOMUS_HYPERCALL_PORT == 0xe5, "the port is an immediate below");
    register uint64_t r10 asm("r10") = a3;
    register uint64_t r8 asm("r8") = a4;
    uint64_t rax = number;
    // "memory": the monitor reads and writes guest memory named by the arguments.
    asm volatile("outb %%al, $0xe5"
                 : "+a"(rax)
                 : "D"(a0), "S"(a1), "d"(a2), "r"(r10), "r"(r8)
                 : "memory");
    return int64_t(rax);
}

inline int64_t version() {
    return call(DOMUS_HC_VERSION);
}
inline int64_t console_write(uint64_t gpa, uint64_t length) {
    return call(DOMUS_HC_CONSOLE_WRITE, gpa, length);
}
inline int64_t yield() {
    return call(DOMUS_HC_YIELD);
}
inline int64_t block(uint64_t timeout_ns) {
    return call(DOMUS_HC_BLOCK, timeout_ns);
}
inline int64_t shutdown(uint64_t reason, uint64_t code) {
    return call(DOMUS_HC_SHUTDOWN, reason, code);
}
inline int64_t time(uint64_t clock) {
    return call(DOMUS_HC_TIME, clock);
}
inline int64_t domain_info(uint64_t gpa, uint64_t length) {
    return call(DOMUS_HC_DOMAIN_INFO, gpa, length);
}
inline int64_t console_read(uint64_t gpa, uint64_t length) {
    return call(DOMUS_HC_CONSOLE_READ, gpa, length);
}

}  // namespace hc
