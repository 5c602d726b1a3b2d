// Signals: dispositions (rt_sigaction), masks, pending sets per thread, delivery on the way
// back to user mode with a Linux x86-64 rt_sigframe, rt_sigreturn, and the default actions.
#pragma once

#include <stdint.h>

struct Task;
struct TrapFrame;
struct Process;

inline constexpr int kSignalCount = 64;  // 1..64

namespace sig {
inline constexpr int SIGHUP = 1, SIGINT = 2, SIGQUIT = 3, SIGILL = 4, SIGTRAP = 5, SIGABRT = 6,
                     SIGBUS = 7, SIGFPE = 8, SIGKILL = 9, SIGUSR1 = 10, SIGSEGV = 11, SIGUSR2 = 12,
                     SIGPIPE = 13, SIGALRM = 14, SIGTERM = 15, SIGCHLD = 17, SIGCONT = 18,
                     SIGSTOP = 19, SIGTSTP = 20, SIGTTIN = 21, SIGTTOU = 22, SIGURG = 23,
                     SIGXCPU = 24, SIGXFSZ = 25, SIGVTALRM = 26, SIGPROF = 27, SIGWINCH = 28,
                     SIGIO = 29, SIGPWR = 30, SIGSYS = 31;
inline constexpr uint64_t SIG_DFL = 0, SIG_IGN = 1;
inline constexpr uint64_t SA_NOCLDSTOP = 1, SA_NOCLDWAIT = 2, SA_SIGINFO = 4,
                          SA_ONSTACK = 0x08000000, SA_RESTART = 0x10000000, SA_NODEFER = 0x40000000,
                          SA_RESETHAND = 0x80000000, SA_RESTORER = 0x04000000;
inline constexpr int SI_USER = 0, SI_KERNEL = 0x80, SI_TKILL = -6;
inline constexpr int SEGV_MAPERR = 1, SEGV_ACCERR = 2;

inline constexpr uint64_t bit(int signo) {
    return uint64_t(1) << (signo - 1);
}
inline constexpr uint64_t kUnblockable = bit(SIGKILL) | bit(SIGSTOP);
}  // namespace sig

struct SigAction {
    uint64_t handler;
    uint64_t flags;
    uint64_t restorer;
    uint64_t mask;
};

struct SigInfo {
    int32_t signo;
    int32_t code;
    uint64_t addr;  // faults: the address; kill: pid | uid << 32
    int32_t pid;
    int32_t status;
};

namespace proc {

// Queues `signo` for one thread (tkill, faults) or for the process (kill: the first thread
// that does not block it). Wakes the receiver out of a sleep.
void send_to_task(Task* task, int signo, const SigInfo& info);
void send_to_process(Process* process, int signo, const SigInfo& info);

// On the way back to user mode: acts on one pending unblocked signal (default action, or a
// handler frame built on the user stack). Returns false when nothing was pending.
bool deliver_one(Task* task);

// rt_sigreturn: restores the frame saved by deliver_one. Returns false on a bad frame.
bool sigreturn(Task* task);

// A fault in user mode: the signal it raises (SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGTRAP).
void user_fault(Task* task, int signo, int code, uint64_t address);

}  // namespace proc
