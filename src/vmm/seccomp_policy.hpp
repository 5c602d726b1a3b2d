// What a running domus-vmm may ask of the kernel: the seccomp allow-list, as data (the filter
// itself is built from it in seccomp_filter.cpp). Derived from strace of real monitors (boot,
// console, virtio-blk over io_uring, virtio-net on a TAP, virtio-rng, pause/unpause, status,
// shutdown, destroy); see docs/security.md.
//
// Everything not listed traps (SIGSYS): the monitor writes the call's name to its log and an
// exit record {"reason":"seccomp"} and ends, so domusd records the domain as crashed.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

namespace domus::vmm {

// System calls allowed with any arguments.
std::span<const char* const> seccomp_allowed_syscalls();

// ioctl(2) request numbers allowed (the second argument); any other request traps.
struct IoctlRule {
    const char* name;
    unsigned long request;
};
std::span<const IoctlRule> seccomp_allowed_ioctls();

// System calls that fail with an errno instead of trapping: code paths that may try them and
// handle the failure (opening a file: nothing outside the jail is there to open anyway; clone3,
// so that glibc falls back to clone(2), whose flags the filter can check).
struct ErrnoRule {
    const char* name;
    int error;
};
std::span<const ErrnoRule> seccomp_errno_syscalls();

// tgkill(2) is allowed only with the monitor's own pid as its first argument (the vCPU kick,
// abort): a capability-less uid 0 could otherwise signal every root process, domusd included.
// clone(2) is allowed only with these flags set: new threads, never new processes.
inline constexpr uint64_t kSeccompCloneRequired = 0x00010000;  // CLONE_THREAD

// Async-signal-safe, pure: the log line and the exit record for a forbidden call `nr` named
// `name` (may be null) made by thread `tid`. Write at most `cap` bytes including a NUL and
// return the length (without the NUL). The record parses with parse_exit_info().
size_t format_seccomp_log_line(char* buf, size_t cap, long nr, const char* name, long tid);
// The same line as a JSON object: `json_prefix` (telemetry::json_line_prefix, made before the
// filter is loaded) + the message + "\"}\n" (the call's name and numbers need no escaping).
size_t format_seccomp_json_log_line(char* buf, size_t cap, const char* json_prefix, long nr,
                                    const char* name, long tid);
size_t format_seccomp_exit_record(char* buf, size_t cap, long nr, const char* name, long tid);

}  // namespace domus::vmm
