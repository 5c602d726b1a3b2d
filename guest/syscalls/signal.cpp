// Signal system calls.
#include "proc/signal.hpp"

#include "syscalls/common.hpp"

namespace syscalls {

namespace {

bool valid_signal(uint64_t signo) {
    return signo >= 1 && signo <= uint64_t(kSignalCount);
}

// kill(2) targets, proc lock held. Returns -ESRCH when nothing matched.
int64_t kill_locked(Process* self, int32_t pid, int signo) {
    SigInfo info{signo, sig::SI_USER, 0, self->pid, 0};
    bool found = false;
    for (Process* p = proc::first(); p; p = proc::next(p)) {
        if (p->zombie) continue;
        bool match;
        if (pid > 0)
            match = p->pid == pid;
        else if (pid == 0)
            match = p->pgid == self->pgid;
        else if (pid == -1)
            match = p->pid != 1 && p != self;
        else
            match = p->pgid == -pid;
        if (!match) continue;
        found = true;
        if (signo != 0) proc::send_to_process(p, signo, info);
    }
    return found ? 0 : -ESRCH;
}

}  // namespace

int64_t sys_rt_sigaction(Args& a) {
    const uint64_t signo = a.a[0];
    if (!valid_signal(signo) || a.a[3] != 8) return -EINVAL;
    Process* p = proc_of(a);
    SigAction next{};
    if (a.a[1]) {
        if (signo == uint64_t(sig::SIGKILL) || signo == uint64_t(sig::SIGSTOP)) return -EINVAL;
        if (copy_from_user(&next, a.a[1], sizeof(next)) != 0) return -EFAULT;
    }
    const SigAction old = p->actions[signo - 1];
    if (a.a[2] && copy_to_user(a.a[2], &old, sizeof(old)) != 0) return -EFAULT;
    if (a.a[1]) {
        next.mask &= ~sig::kUnblockable;
        p->actions[signo - 1] = next;
    }
    return 0;
}

int64_t sys_rt_sigprocmask(Args& a) {
    if (a.a[3] != 8) return -EINVAL;
    Task* t = a.task;
    const uint64_t old = t->sig_blocked;
    if (a.a[1]) {
        uint64_t set;
        if (get_user(&set, a.a[1]) != 0) return -EFAULT;
        switch (int(a.a[0])) {
            case 0:  // SIG_BLOCK
                t->sig_blocked |= set;
                break;
            case 1:  // SIG_UNBLOCK
                t->sig_blocked &= ~set;
                break;
            case 2:  // SIG_SETMASK
                t->sig_blocked = set;
                break;
            default:
                return -EINVAL;
        }
        t->sig_blocked &= ~sig::kUnblockable;
    }
    if (a.a[2] && put_user(a.a[2], old) != 0) return -EFAULT;
    return 0;
}

int64_t sys_rt_sigreturn(Args& a) {
    if (!proc::sigreturn(a.task)) proc::exit_group(sig::SIGSEGV);
    a.task->syscall_nr = -1;  // the restored registers are not a system call's result
    return int64_t(a.frame->rax);
}

int64_t sys_rt_sigpending(Args& a) {
    if (a.a[1] != 8) return -EINVAL;
    const uint64_t pending = a.task->sig_pending & a.task->sig_blocked;
    return put_user(a.a[0], pending) == 0 ? 0 : -EFAULT;
}

int64_t sys_rt_sigsuspend(Args& a) {
    if (a.a[1] != 8) return -EINVAL;
    uint64_t mask;
    if (get_user(&mask, a.a[0]) != 0) return -EFAULT;
    Task* t = a.task;
    t->sigsuspend_saved = t->sig_blocked;
    t->sigsuspend_active = true;
    t->sig_blocked = mask & ~sig::kUnblockable;
    while (!proc::signal_pending(t)) sched::sleep_until(0);
    return -EINTR;
}

int64_t sys_pause(Args& a) {
    while (!proc::signal_pending(a.task)) sched::sleep_until(0);
    return -EINTR;
}

int64_t sys_sigaltstack(Args& a) {
    Task* t = a.task;
    constexpr int SS_ONSTACK = 1, SS_DISABLE = 2;
    struct {
        uint64_t sp;
        int32_t flags, pad;
        uint64_t size;
    } ss;
    const bool on = t->altstack_size && t->frame->rsp - t->altstack_sp <= t->altstack_size;
    if (a.a[1]) {
        ss = {t->altstack_sp, on ? SS_ONSTACK : int32_t(t->altstack_flags), 0, t->altstack_size};
        if (copy_to_user(a.a[1], &ss, sizeof(ss)) != 0) return -EFAULT;
    }
    if (a.a[0]) {
        if (copy_from_user(&ss, a.a[0], sizeof(ss)) != 0) return -EFAULT;
        if (on) return -EPERM;
        if (ss.flags & ~(SS_DISABLE | int32_t(0x80000000u) /* SS_AUTODISARM */)) return -EINVAL;
        if (ss.flags & SS_DISABLE) {
            t->altstack_sp = t->altstack_size = 0;
            t->altstack_flags = SS_DISABLE;
        } else {
            if (ss.size < 2048) return -ENOMEM;  // MINSIGSTKSZ
            t->altstack_sp = ss.sp;
            t->altstack_size = ss.size;
            t->altstack_flags = 0;
        }
    }
    return 0;
}

int64_t sys_kill(Args& a) {
    const uint64_t signo = a.a[1];
    if (signo != 0 && !valid_signal(signo)) return -EINVAL;
    LockGuard guard(proc::lock());
    return kill_locked(proc_of(a), int32_t(a.a[0]), int(signo));
}

int64_t sys_tgkill(Args& a) {
    const int32_t tgid = int32_t(a.a[0]), tid = int32_t(a.a[1]);
    const uint64_t signo = a.a[2];
    if (tgid <= 0 || tid <= 0 || (signo != 0 && !valid_signal(signo))) return -EINVAL;
    LockGuard guard(proc::lock());
    Task* t = proc::find_task(tid);
    if (!t || t->proc->pid != tgid) return -ESRCH;
    if (signo)
        proc::send_to_task(t, int(signo),
                           SigInfo{int(signo), sig::SI_TKILL, 0, proc_of(a)->pid, 0});
    return 0;
}

int64_t sys_tkill(Args& a) {
    const int32_t tid = int32_t(a.a[0]);
    const uint64_t signo = a.a[1];
    if (tid <= 0 || (signo != 0 && !valid_signal(signo))) return -EINVAL;
    LockGuard guard(proc::lock());
    Task* t = proc::find_task(tid);
    if (!t) return -ESRCH;
    if (signo)
        proc::send_to_task(t, int(signo),
                           SigInfo{int(signo), sig::SI_TKILL, 0, proc_of(a)->pid, 0});
    return 0;
}

}  // namespace syscalls
