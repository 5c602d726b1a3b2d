/* Domus guest ABI v2: hypercalls.
 *
 * A hypercall is a one-byte `out %al, $DOMUS_HYPERCALL_PORT`, trapped by the monitor.
 * Number in RAX; arguments in RDI, RSI, RDX, R10, R8 (Xen's x86-64 order); result in RAX:
 * a non-negative value on success, a negative DOMUS_E* errno on failure. Every other register
 * is preserved. Every argument is validated by the monitor; a bad call only returns an error.
 */
#ifndef DOMUS_ABI_HYPERCALL_H
#define DOMUS_ABI_HYPERCALL_H

#include <stdint.h>

#define DOMUS_HYPERCALL_PORT 0xe5u

/* numbers */
#define DOMUS_HC_VERSION 0u       /* () -> DOMUS_ABI_VERSION */
#define DOMUS_HC_CONSOLE_WRITE 1u /* (gpa, len) -> bytes written (len <= 4096) */
#define DOMUS_HC_YIELD 2u         /* () -> 0: give the host CPU to another thread */
#define DOMUS_HC_BLOCK 3u         /* (timeout_ns) -> pending DOMUS_EVENT_* mask, 0 on timeout */
#define DOMUS_HC_SHUTDOWN 4u      /* (reason, code) -> does not return on success */
#define DOMUS_HC_TIME 5u          /* (clock) -> nanoseconds */
#define DOMUS_HC_DOMAIN_INFO 6u   /* (gpa, len) -> bytes written of struct domus_domain_info */
#define DOMUS_HC_CONSOLE_READ 7u  /* (gpa, len) -> bytes read from console input, 0 when none */
#define DOMUS_HC_EVENT_IRQ 8u     /* (vector, vcpu) -> 0: raise `vector` on `vcpu` at each event */
#define DOMUS_HC_COUNT 9u

/* limits (DOMUS_CONSOLE_WRITE_MAX also bounds one DOMUS_HC_CONSOLE_READ) */
#define DOMUS_CONSOLE_WRITE_MAX 4096u
#define DOMUS_BLOCK_FOREVER 0xffffffffffffffffull

/* DOMUS_HC_SHUTDOWN reasons */
#define DOMUS_SHUTDOWN_POWEROFF 0u
#define DOMUS_SHUTDOWN_REBOOT 1u
#define DOMUS_SHUTDOWN_CRASH 2u
#define DOMUS_SHUTDOWN_EXIT 3u /* the guest's init program ended; code = its wait(2) status */

/* DOMUS_HC_TIME clocks */
#define DOMUS_CLOCK_REALTIME 0u  /* ns since the Unix epoch */
#define DOMUS_CLOCK_MONOTONIC 1u /* ns since an arbitrary fixed point */

/* DOMUS_HC_BLOCK events: posted by the monitor, returned (and cleared) by the next BLOCK, which
 * returns at once when some are already pending. */
#define DOMUS_EVENT_SHUTDOWN_REQUEST (1u << 0)
#define DOMUS_EVENT_REBOOT_REQUEST (1u << 1)
#define DOMUS_EVENT_CONSOLE_INPUT (1u << 2)

/* errors (Linux errno values, negated in RAX) */
#define DOMUS_EPERM 1
#define DOMUS_E2BIG 7
#define DOMUS_EFAULT 14
#define DOMUS_EINVAL 22
#define DOMUS_ENOSYS 38

struct domus_domain_info {
    uint32_t abi_version;
    uint32_t domain_id;
    uint32_t vcpu_count;
    uint32_t flags; /* DOMUS_BOOT_FLAG_* describing the host (RAM_ZEROED is a boot-time fact:
                     * only in the boot-info page) */
    uint64_t memory_bytes;
    uint64_t tsc_khz;
    char name[64]; /* NUL-terminated */
};

#ifdef __cplusplus
static_assert(sizeof(struct domus_domain_info) == 96, "domain info layout");
#endif

#endif
