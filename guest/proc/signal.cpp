#include "proc/signal.hpp"

#include "abi/errno.hpp"
#include "arch/traps.hpp"
#include "arch/user.hpp"
#include "kernel/console.hpp"
#include "kernel/string.hpp"
#include "mm/usercopy.hpp"
#include "proc/process.hpp"
#include "proc/sched.hpp"
#include "proc/task.hpp"
#include "syscalls/dispatch.hpp"

namespace proc {

namespace {

// Linux x86-64 user structures of a signal frame.
struct SigContext {
    uint64_t r8, r9, r10, r11, r12, r13, r14, r15, rdi, rsi, rbp, rbx, rdx, rax, rcx, rsp, rip;
    uint64_t eflags;
    uint16_t cs, gs, fs, ss;
    uint64_t err, trapno, oldmask, cr2, fpstate;
    uint64_t reserved[8];
};
static_assert(sizeof(SigContext) == 256);

struct StackT {
    uint64_t sp;
    int32_t flags;
    int32_t pad;
    uint64_t size;
};

struct UContext {
    uint64_t flags;
    uint64_t link;
    StackT stack;
    SigContext mcontext;
    uint64_t sigmask;
};
static_assert(sizeof(UContext) == 304);

struct LinuxSigInfo {
    int32_t signo, err, code, pad;
    union {
        struct {
            int32_t pid;
            uint32_t uid;
            int32_t status;
        } kill;
        uint64_t addr;
        uint8_t bytes[112];
    };
};
static_assert(sizeof(LinuxSigInfo) == 128);

struct RtSigFrame {
    uint64_t pretcode;
    UContext uc;
    LinuxSigInfo info;
};

constexpr int kSsOnStack = 1, kSsDisable = 2;

bool is_stop_signal(int signo) {
    return signo == sig::SIGSTOP || signo == sig::SIGTSTP || signo == sig::SIGTTIN ||
           signo == sig::SIGTTOU;
}

bool default_ignores(int signo) {
    return signo == sig::SIGCHLD || signo == sig::SIGURG || signo == sig::SIGWINCH ||
           signo == sig::SIGCONT;
}

uint32_t fpu_bytes() {
    const uint32_t x = user::xsave_size();
    return x != 0 ? x : 512;
}

// Restart or fail a system call interrupted by a signal about to be handled.
void fix_interrupted_syscall(Task* t, const SigAction* action) {
    TrapFrame* f = t->frame;
    if (t->syscall_nr < 0 || int64_t(f->rax) != -syscalls::kRestartSys) return;
    if (action && action->handler > sig::SIG_IGN && !(action->flags & sig::SA_RESTART)) {
        f->rax = uint64_t(-linux_errno::EINTR);
    } else {
        f->rax = uint64_t(t->syscall_nr);
        f->rip -= 2;  // the syscall instruction again
    }
    t->syscall_nr = -1;
}

bool build_frame(Task* t, int signo, const SigAction& action) {
    TrapFrame* f = t->frame;
    const bool on_alt = t->altstack_size && f->rsp - t->altstack_sp <= t->altstack_size;
    uint64_t sp = f->rsp - 128;  // the red zone
    if ((action.flags & sig::SA_ONSTACK) && t->altstack_size && !on_alt &&
        !(t->altstack_flags & kSsDisable)) {
        sp = t->altstack_sp + t->altstack_size;
    }
    sp = (sp - fpu_bytes()) & ~uint64_t(63);
    const uint64_t fpstate = sp;
    sp = ((sp - sizeof(RtSigFrame)) & ~uint64_t(15)) - 8;  // as after a call

    fpu_save(t);
    const uint8_t* area =
        reinterpret_cast<const uint8_t*>((reinterpret_cast<uint64_t>(t->fpu) + 63) & ~uint64_t(63));
    if (copy_to_user(fpstate, area, fpu_bytes()) != 0) return false;

    RtSigFrame frame{};
    frame.pretcode = action.restorer;
    frame.uc.stack = StackT{t->altstack_sp, on_alt ? kSsOnStack : int32_t(t->altstack_flags), 0,
                            t->altstack_size};
    SigContext& m = frame.uc.mcontext;
    m = SigContext{f->r8,
                   f->r9,
                   f->r10,
                   f->r11,
                   f->r12,
                   f->r13,
                   f->r14,
                   f->r15,
                   f->rdi,
                   f->rsi,
                   f->rbp,
                   f->rbx,
                   f->rdx,
                   f->rax,
                   f->rcx,
                   f->rsp,
                   f->rip,
                   f->rflags,
                   uint16_t(f->cs),
                   0,
                   0,
                   uint16_t(f->ss),
                   f->error,
                   f->vector,
                   frame.uc.sigmask,
                   t->sig_info[signo - 1].addr,
                   fpstate,
                   {}};
    frame.uc.sigmask = t->sigsuspend_active ? t->sigsuspend_saved : t->sig_blocked;
    const SigInfo& si = t->sig_info[signo - 1];
    frame.info.signo = signo;
    frame.info.code = si.code;
    if (signo == sig::SIGSEGV || signo == sig::SIGBUS || signo == sig::SIGILL ||
        signo == sig::SIGFPE || signo == sig::SIGTRAP) {
        frame.info.addr = si.addr;
    } else {
        frame.info.kill.pid = si.pid;
        frame.info.kill.status = si.status;
    }
    if (copy_to_user(sp, &frame, sizeof(frame)) != 0) return false;

    f->rip = action.handler;
    f->rsp = sp;
    f->rdi = uint64_t(signo);
    f->rsi = sp + __builtin_offsetof(RtSigFrame, info);
    f->rdx = sp + __builtin_offsetof(RtSigFrame, uc);
    f->rax = 0;
    f->rflags &= ~uint64_t(0x400 | 0x100);  // DF and TF clear in the handler
    fpu_init_state(t);
    fpu_restore(t);
    t->full_restore = true;
    return true;
}

void queue(Task* t, int signo, const SigInfo& info) {
    t->sig_info[signo - 1] = info;
    __atomic_fetch_or(&t->sig_pending, sig::bit(signo), __ATOMIC_SEQ_CST);
    sched::interrupt(t);
}

}  // namespace

bool signal_pending(const Task* t) {
    const Process* p = t->proc;
    return (__atomic_load_n(&t->sig_pending, __ATOMIC_SEQ_CST) &
            ~(t->sig_blocked & ~sig::kUnblockable)) != 0 ||
           (p && (p->exiting || (p->exec_waiter && p->exec_waiter != t)));
}

void send_to_task(Task* t, int signo, const SigInfo& info) {
    if (signo < 1 || signo > kSignalCount) return;
    queue(t, signo, info);
}

void send_to_process(Process* p, int signo, const SigInfo& info) {
    if (signo < 1 || signo > kSignalCount || p->zombie) return;
    const SigAction& a = p->actions[signo - 1];
    if (a.handler == sig::SIG_IGN && signo != sig::SIGKILL && signo != sig::SIGSTOP) return;
    // Like Linux, init gets from other processes only the signals it has handlers for (even
    // SIGKILL is dropped); the kernel's own (shutdown requests, the console's ^C) go through.
    if (p->pid == 1 && a.handler == sig::SIG_DFL && info.code != sig::SI_KERNEL) return;
    // Job control acts when the signal is sent (proc lock held by every caller): SIGCONT
    // resumes and cancels pending stops; a stop cancels a pending SIGCONT.
    constexpr uint64_t kStops = sig::bit(sig::SIGSTOP) | sig::bit(sig::SIGTSTP) |
                                sig::bit(sig::SIGTTIN) | sig::bit(sig::SIGTTOU);
    if (signo == sig::SIGCONT || signo == sig::SIGKILL) {
        for (Task* t = p->threads; t; t = t->thread_next) {
            __atomic_fetch_and(&t->sig_pending, ~kStops, __ATOMIC_SEQ_CST);
        }
        if (p->stopped) {
            p->stopped = false;
            p->cont_report = signo == sig::SIGCONT;
            p->stop_report = false;
            sched::wake_all(p->stop_wait);
            if (signo == sig::SIGCONT && p->parent) {
                sched::wake_all(p->parent->child_wait);
                send_to_process(
                    p->parent, sig::SIGCHLD,
                    SigInfo{sig::SIGCHLD, 6 /* CLD_CONTINUED */, 0, p->pid, sig::SIGCONT});
            }
        }
    } else if (is_stop_signal(signo)) {
        for (Task* t = p->threads; t; t = t->thread_next) {
            __atomic_fetch_and(&t->sig_pending, ~sig::bit(sig::SIGCONT), __ATOMIC_SEQ_CST);
        }
    }
    Task* target = p->threads;
    for (Task* t = p->threads; t; t = t->thread_next) {
        if (!(t->sig_blocked & sig::bit(signo))) {
            target = t;
            break;
        }
    }
    if (target) queue(target, signo, info);
}

void user_fault(Task* t, int signo, int code, uint64_t address) {
    SigInfo info{signo, code, address, 0, 0};
    // A fault while the signal is blocked or ignored cannot be delivered: Linux kills.
    const SigAction& a = t->proc->actions[signo - 1];
    if ((t->sig_blocked & sig::bit(signo)) || a.handler == sig::SIG_IGN) {
        t->sig_blocked &= ~sig::bit(signo);
        t->proc->actions[signo - 1].handler = sig::SIG_DFL;
    }
    t->sig_info[signo - 1] = info;
    __atomic_fetch_or(&t->sig_pending, sig::bit(signo), __ATOMIC_SEQ_CST);
}

void stop_process(Task* t, int signo) {
    Process* p = t->proc;
    {
        LockGuard guard(lock());
        if (!p->stopped) {
            p->stopped = true;
            p->stop_signal = signo;
            p->stop_report = true;
            p->cont_report = false;
            for (Task* other = p->threads; other; other = other->thread_next) {
                if (other != t) sched::interrupt(other);  // they stop on their way out
            }
            if (Process* parent = p->parent) {
                sched::wake_all(parent->child_wait);
                if (!(parent->actions[sig::SIGCHLD - 1].flags & sig::SA_NOCLDSTOP)) {
                    send_to_process(parent, sig::SIGCHLD,
                                    SigInfo{sig::SIGCHLD, 5 /* CLD_STOPPED */, 0, p->pid, signo});
                }
            }
        }
    }
    wait_while_stopped(t);
}

void wait_while_stopped(Task* t) {
    Process* p = t->proc;
    lock().lock();
    while (p->stopped && !p->exiting &&
           !(__atomic_load_n(&t->sig_pending, __ATOMIC_SEQ_CST) & sig::bit(sig::SIGKILL))) {
        sched::wait(p->stop_wait, lock(), 0);
    }
    lock().unlock();
}

bool deliver_one(Task* t) {
    Process* p = t->proc;
    if (p->exiting) exit_thread(p->exit_status);
    if (p->exec_waiter && p->exec_waiter != t) exit_thread(0);  // another thread runs execve
    const uint64_t ready =
        __atomic_load_n(&t->sig_pending, __ATOMIC_SEQ_CST) & ~(t->sig_blocked & ~sig::kUnblockable);
    if (!ready) return false;
    const int signo = __builtin_ctzll(ready) + 1;
    __atomic_fetch_and(&t->sig_pending, ~sig::bit(signo), __ATOMIC_SEQ_CST);
    SigAction action = p->actions[signo - 1];
    if (signo == sig::SIGKILL || signo == sig::SIGSTOP) action.handler = sig::SIG_DFL;
    if (action.handler == sig::SIG_IGN ||
        (action.handler == sig::SIG_DFL && default_ignores(signo))) {
        fix_interrupted_syscall(t, nullptr);
        return true;
    }
    if (action.handler == sig::SIG_DFL && is_stop_signal(signo)) {
        fix_interrupted_syscall(t, nullptr);
        stop_process(t, signo);
        return true;
    }
    if (action.handler == sig::SIG_DFL) {
        const SigInfo& si = t->sig_info[signo - 1];
        const bool fault = signo == sig::SIGSEGV || signo == sig::SIGBUS || signo == sig::SIGILL ||
                           signo == sig::SIGFPE || signo == sig::SIGTRAP;
        if (fault && (si.code > 0 || si.code == sig::SI_KERNEL)) {  // like Linux's segfault line
            kprintf("guest: %s[%d]: signal %d at rip 0x%lx addr 0x%lx sp 0x%lx\n", p->comm, p->pid,
                    signo, t->frame->rip, si.addr, t->frame->rsp);
        }
        exit_group(signo);  // no core file is ever written: the core-dump bit stays clear
    }
    fix_interrupted_syscall(t, &action);
    if (!build_frame(t, signo, action)) {
        exit_group(sig::SIGSEGV);  // no room for the frame: Linux's force_sigsegv
    }
    if (t->sigsuspend_active) {
        t->sig_blocked = t->sigsuspend_saved;  // the frame holds it for sigreturn
        t->sigsuspend_active = false;
    }
    t->sig_blocked |= action.mask | ((action.flags & sig::SA_NODEFER) ? 0 : sig::bit(signo));
    t->sig_blocked &= ~sig::kUnblockable;
    if (action.flags & sig::SA_RESETHAND) p->actions[signo - 1].handler = sig::SIG_DFL;
    return true;
}

bool sigreturn(Task* t) {
    TrapFrame* f = t->frame;
    RtSigFrame frame;
    if (copy_from_user(&frame, f->rsp - 8, sizeof(frame)) != 0) return false;
    const SigContext& m = frame.uc.mcontext;
    f->r8 = m.r8, f->r9 = m.r9, f->r10 = m.r10, f->r11 = m.r11, f->r12 = m.r12, f->r13 = m.r13;
    f->r14 = m.r14, f->r15 = m.r15, f->rdi = m.rdi, f->rsi = m.rsi, f->rbp = m.rbp;
    f->rbx = m.rbx, f->rdx = m.rdx, f->rax = m.rax, f->rcx = m.rcx, f->rsp = m.rsp;
    f->rip = m.rip;
    f->rflags = user::sanitize_rflags(m.eflags);
    t->sig_blocked = frame.uc.sigmask & ~sig::kUnblockable;
    if (m.fpstate) {
        uint8_t* area =
            reinterpret_cast<uint8_t*>((reinterpret_cast<uint64_t>(t->fpu) + 63) & ~uint64_t(63));
        if (copy_from_user(area, m.fpstate, fpu_bytes()) != 0) return false;
        // A forged area would make xrstor fault: keep only what is valid for XCR0.
        uint32_t mxcsr;
        memcpy(&mxcsr, area + 24, 4);
        mxcsr &= 0xffff;
        memcpy(area + 24, &mxcsr, 4);
        if (user::xsave_size() != 0) {
            uint64_t bv;
            memcpy(&bv, area + 512, 8);
            bv &= user::xcr0();
            memcpy(area + 512, &bv, 8);
            memset(area + 520, 0, 56);  // XCOMP_BV and the reserved header bytes
        }
        fpu_restore(t);
    }
    t->full_restore = true;
    return true;
}

}  // namespace proc
