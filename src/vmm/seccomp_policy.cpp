#include "vmm/seccomp_policy.hpp"

#include <linux/if_tun.h>
#include <linux/kvm.h>

#include <cerrno>

namespace domus::vmm {

namespace {

// Grouped by who needs them. No socket/connect/bind (the control socket is listening before
// the filter), no execve/fork, no open (see kErrno), no mount/ptrace/bpf/keyctl/etc.
// clang-format off
constexpr const char* kSyscalls[] = {
    // I/O on descriptors the monitor already holds (TAP readv/writev, console, control)
    "read", "write", "readv", "writev", "pread64", "pwrite64", "close", "fstat", "newfstatat",
    "fcntl", "dup2", "fsync", "ftruncate",
    // memory (malloc, thread stacks)
    "mmap", "munmap", "mprotect", "madvise", "brk", "mremap",
    // threads (clone is restricted by flags, see kSeccompCloneRequired), the yield hypercall
    // (tgkill is allowed on the monitor's own threads only: see seccomp_filter.cpp)
    "futex", "set_robust_list", "rseq", "sched_yield", "gettid", "getpid", "exit", "exit_group",
    "restart_syscall",
    // signals (the vCPU kick signal, the SIGSYS handler; sanitizer builds give every new
    // thread an alternate signal stack)
    "rt_sigaction", "rt_sigprocmask", "rt_sigreturn", "sigaltstack",
    // time (run loop, rate limiters, vCPU clocks)
    "clock_gettime", "clock_nanosleep", "nanosleep", "timerfd_settime",
    // event loops
    "epoll_wait", "epoll_ctl", "poll", "eventfd2",
    // the control channel (accepting on the listening socket it already has; recvmsg takes
    // the descriptor of the file a dump-core request writes into)
    "accept4", "recvfrom", "recvmsg", "sendto",
    // virtio-blk (io_uring rings made while building), virtio-rng
    "io_uring_enter", "getrandom",
    // the exit record and the control socket file at the end, inside the jail
    "rename", "renameat", "renameat2", "unlink", "unlinkat",
#if defined(__SANITIZE_ADDRESS__)
    // Sanitizer builds only (the debug preset): UBSan's vptr check probes whether
    // memory is readable by writing it into a pipe; ASan asks each new thread for its stack
    // (pthread_getattr_np, which reads the thread's CPU affinity).
    "pipe2", "sched_getaffinity",
#endif
};
// clang-format on

// Set up while building (KVM_CREATE_*, memory regions, irqfds, CPUID, TUNSETIFF, ...): none
// of those is needed afterwards.
constexpr IoctlRule kIoctls[] = {
    {"KVM_RUN", KVM_RUN},
    {"KVM_GET_REGS", KVM_GET_REGS},      // a triple fault's RIP, the hypercall fallback
    {"KVM_SET_REGS", KVM_SET_REGS},      // the hypercall fallback
    {"KVM_GET_SREGS", KVM_GET_SREGS},    // dump-core: each vCPU's segments and control regs
    {"KVM_SIGNAL_MSI", KVM_SIGNAL_MSI},  // interrupts from the control channel (console)
    {"KVM_IOEVENTFD", KVM_IOEVENTFD},    // doorbells deassigned at the end
    {"TUNSETOFFLOAD", TUNSETOFFLOAD},    // the guest's virtio-net feature negotiation
};

constexpr ErrnoRule kErrno[] = {
    {"open", EACCES},
    {"openat", EACCES},
    {"openat2", EACCES},
    {"clone3", ENOSYS},
};

// Appends `s` to buf[*at..cap-1), keeping room for the NUL.
void put(char* buf, size_t cap, size_t* at, const char* s) {
    while (*s != '\0' && *at + 1 < cap) buf[(*at)++] = *s++;
}

void put_num(char* buf, size_t cap, size_t* at, long v) {
    char digits[24];
    size_t n = 0;
    unsigned long u = v < 0 ? 0ul - static_cast<unsigned long>(v) : static_cast<unsigned long>(v);
    do {
        digits[n++] = static_cast<char>('0' + u % 10);
        u /= 10;
    } while (u != 0 && n < sizeof digits);
    if (v < 0 && *at + 1 < cap) buf[(*at)++] = '-';
    while (n > 0 && *at + 1 < cap) buf[(*at)++] = digits[--n];
}

// Names come from libseccomp's table ([a-z0-9_]); anything else is replaced, so the record
// stays valid JSON whatever it is given.
void put_name(char* buf, size_t cap, size_t* at, const char* name) {
    if (name == nullptr || *name == '\0') name = "unknown";
    for (; *name != '\0' && *at + 1 < cap; ++name) {
        const char c = *name;
        const bool plain = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
        buf[(*at)++] = plain ? c : '?';
    }
}

void put_call(char* buf, size_t cap, size_t* at, long nr, const char* name, long tid) {
    put(buf, cap, at, "forbidden system call ");
    put_name(buf, cap, at, name);
    put(buf, cap, at, " (");
    put_num(buf, cap, at, nr);
    put(buf, cap, at, ") by thread ");
    put_num(buf, cap, at, tid);
}

}  // namespace

std::span<const char* const> seccomp_allowed_syscalls() {
    return kSyscalls;
}

std::span<const IoctlRule> seccomp_allowed_ioctls() {
    return kIoctls;
}

std::span<const ErrnoRule> seccomp_errno_syscalls() {
    return kErrno;
}

size_t format_seccomp_log_line(char* buf, size_t cap, long nr, const char* name, long tid) {
    if (cap == 0) return 0;
    size_t at = 0;
    put(buf, cap, &at, "domus-vmm: seccomp: ");
    put_call(buf, cap, &at, nr, name, tid);
    put(buf, cap, &at, "; the monitor stops\n");
    buf[at] = '\0';
    return at;
}

size_t format_seccomp_json_log_line(char* buf, size_t cap, const char* json_prefix, long nr,
                                    const char* name, long tid) {
    if (cap == 0) return 0;
    size_t at = 0;
    put(buf, cap, &at, json_prefix);
    put(buf, cap, &at, "seccomp: ");
    put_call(buf, cap, &at, nr, name, tid);
    put(buf, cap, &at, "; the monitor stops\"}\n");
    buf[at] = '\0';
    return at;
}

size_t format_seccomp_exit_record(char* buf, size_t cap, long nr, const char* name, long tid) {
    if (cap == 0) return 0;
    size_t at = 0;
    put(buf, cap, &at, "{\"reason\":\"seccomp\",\"code\":");
    put_num(buf, cap, &at, nr);
    put(buf, cap, &at, ",\"detail\":\"");
    put_call(buf, cap, &at, nr, name, tid);
    put(buf, cap, &at, "\"}\n");
    buf[at] = '\0';
    return at;
}

}  // namespace domus::vmm
