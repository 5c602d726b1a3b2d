// Process system calls: identity, fork/clone/exec/exit/wait, limits, system information.
#include "arch/user.hpp"
#include "kernel/boot.hpp"
#include "kernel/random.hpp"
#include "kernel/string.hpp"
#include "kernel/time.hpp"
#include "mm/aspace.hpp"
#include "mm/phys.hpp"
#include "proc/exec.hpp"
#include "syscalls/common.hpp"

namespace syscalls {

namespace {

int64_t copy_strings(uint64_t user_array, proc::ExecArgs* args, bool env) {
    if (!user_array) return 0;
    char* scratch = args->buffer;  // strings go straight into the buffer
    for (uint32_t i = 0;; ++i) {
        if (i >= 65536) return -E2BIG;
        uint64_t pointer;
        if (get_user(&pointer, user_array + uint64_t(i) * 8) != 0) return -EFAULT;
        if (!pointer) return 0;
        const size_t room = args->capacity - args->used;
        const int64_t n = strncpy_from_user(scratch + args->used, pointer, room);
        if (n == -ENAMETOOLONG) return -E2BIG;
        if (n < 0) return n;
        args->used += size_t(n) + 1;
        if (env) {
            ++args->envc;
        } else {
            ++args->argc;
        }
    }
}

}  // namespace

int64_t sys_getpid(Args& a) {
    return proc_of(a)->pid;
}
int64_t sys_gettid(Args& a) {
    return a.task->tid;
}
int64_t sys_getppid(Args& a) {
    LockGuard guard(proc::lock());
    return proc_of(a)->parent ? proc_of(a)->parent->pid : 0;
}
int64_t sys_getuid(Args&) {
    return 0;
}
int64_t sys_geteuid(Args&) {
    return 0;
}
int64_t sys_getgid(Args&) {
    return 0;
}
int64_t sys_getegid(Args&) {
    return 0;
}
int64_t sys_setuid(Args& a) {
    return a.a[0] == 0 ? 0 : -EPERM;  // everyone is root; other users do not exist yet
}
int64_t sys_setgid(Args& a) {
    return a.a[0] == 0 ? 0 : -EPERM;
}
int64_t sys_getgroups(Args& a) {
    return int32_t(a.a[0]) < 0 ? -EINVAL : 0;  // no supplementary groups
}
int64_t sys_setgroups(Args&) {
    return 0;
}
int64_t sys_umask(Args& a) {
    const uint32_t old = proc_of(a)->umask;
    proc_of(a)->umask = uint32_t(a.a[0]) & 0777;
    return old;
}
int64_t sys_getpgrp(Args& a) {
    return proc_of(a)->pgid;
}
int64_t sys_getpgid(Args& a) {
    LockGuard guard(proc::lock());
    Process* p = a.a[0] ? proc::find(int32_t(a.a[0])) : proc_of(a);
    return p ? p->pgid : -ESRCH;
}
int64_t sys_getsid(Args& a) {
    LockGuard guard(proc::lock());
    Process* p = a.a[0] ? proc::find(int32_t(a.a[0])) : proc_of(a);
    return p ? p->sid : -ESRCH;
}
int64_t sys_setpgid(Args& a) {
    const int32_t pid = int32_t(a.a[0]), pgid = int32_t(a.a[1]);
    if (pgid < 0) return -EINVAL;
    LockGuard guard(proc::lock());
    Process* self = proc_of(a);
    Process* p = pid ? proc::find(pid) : self;
    if (!p || (p != self && p->parent != self)) return -ESRCH;
    if (p->pid == p->sid) return -EPERM;  // a session leader
    p->pgid = pgid ? pgid : p->pid;
    return 0;
}
int64_t sys_setsid(Args& a) {
    LockGuard guard(proc::lock());
    Process* p = proc_of(a);
    for (Process* q = proc::first(); q; q = proc::next(q)) {
        if (q != p && q->pgid == p->pid) return -EPERM;
    }
    if (p->pgid == p->pid) return -EPERM;
    p->sid = p->pgid = p->pid;
    return p->sid;
}

int64_t sys_fork(Args& a) {
    return proc::clone(a.task, 17 /* SIGCHLD */, 0, 0, 0, 0);
}
int64_t sys_vfork(Args& a) {
    return proc::clone(a.task, 0x4000 | 0x100 | 17, 0, 0, 0, 0);  // CLONE_VFORK | CLONE_VM
}
int64_t sys_clone(Args& a) {
    // x86-64 order: flags, stack, parent_tid, child_tid, tls. The exit signal (low byte) must
    // be SIGCHLD or 0 for us: others are accepted and SIGCHLD is sent.
    return proc::clone(a.task, a.a[0], a.a[1], a.a[2], a.a[3], a.a[4]);
}
int64_t sys_clone3(Args&) {
    return -ENOSYS;  // libcs fall back to clone
}

int64_t sys_execve(Args& a) {
    PathBuf path;
    int r = copy_path(a.a[0], &path);
    if (r < 0) return r;
    proc::ExecArgs args;
    if ((r = proc::exec_args_init(&args)) < 0) return r;
    int64_t c = copy_strings(a.a[1], &args, false);
    if (c == 0) c = copy_strings(a.a[2], &args, true);
    if (c == 0) c = proc::exec(a.task, path.text, &args);
    proc::exec_args_free(&args);
    if (c == 0) proc::vfork_release(proc_of(a));
    return c;
}

int64_t sys_exit(Args& a) {
    proc::exit_thread(int((a.a[0] & 0xff) << 8));
}
int64_t sys_exit_group(Args& a) {
    proc::exit_group(int((a.a[0] & 0xff) << 8));
}

int64_t sys_wait4(Args& a) {
    const int options = int(a.a[2]);
    if (options & ~(1 | 2 | 8 | 0x20000000 | 0x40000000 | int(0x80000000))) return -EINVAL;
    int status = 0;
    CpuTimes cpu{};
    const int32_t pid =
        proc::wait_child(int32_t(a.a[0]), (options & (1 | 2 | 8)) | 4, &status, &cpu);
    if (pid <= 0) return pid;
    if (a.a[1] && put_user(a.a[1], status) != 0) return -EFAULT;
    if (write_rusage(a.a[3], cpu) != 0) return -EFAULT;
    return pid;
}

int64_t sys_waitid(Args& a) {
    const int idtype = int(a.a[0]);
    const int options = int(a.a[3]);
    constexpr int kKnown = 1 | 2 | 4 | 8 | 0x01000000 | 0x20000000 | 0x40000000 | int(0x80000000);
    if ((options & ~kKnown) || !(options & (2 | 4 | 8)))
        return -EINVAL;  // WSTOPPED/EXITED/CONTINUED
    int32_t pid = -1;
    if (idtype == 1)
        pid = int32_t(a.a[1]);
    else if (idtype == 2)
        pid = -int32_t(a.a[1]);
    else if (idtype != 0)
        return -EINVAL;
    int status = 0;
    CpuTimes cpu{};
    // waitid: WSTOPPED (2) and WCONTINUED (8) have wait4's values.
    const int32_t found =
        proc::wait_child(pid, options & (1 | 2 | 4 | 8 | 0x01000000), &status, &cpu);
    if (found < 0) return found;
    if (a.a[2]) {
        int32_t info[32] = {};
        if (found > 0) {
            info[0] = sig::SIGCHLD;
            const bool stopped = (status & 0xff) == 0x7f, continued = status == 0xffff;
            const bool signaled = !stopped && !continued && (status & 0x7f) != 0;
            // CLD_EXITED 1, KILLED 2, DUMPED 3, STOPPED 5, CONTINUED 6
            info[2] = continued ? 6 : stopped ? 5 : signaled ? ((status & 0x80) ? 3 : 2) : 1;
            info[4] = found;
            info[6] = continued  ? 18
                      : stopped  ? ((status >> 8) & 0xff)
                      : signaled ? (status & 0x7f)
                                 : ((status >> 8) & 0xff);
        }
        if (copy_to_user(a.a[2], info, sizeof(info)) != 0) return -EFAULT;
    }
    if (write_rusage(a.a[4], cpu) != 0) return -EFAULT;
    return 0;
}

int64_t sys_set_tid_address(Args& a) {
    a.task->clear_child_tid = a.a[0];
    return a.task->tid;
}
int64_t sys_set_robust_list(Args& a) {
    return a.a[1] == 24 ? 0 : -EINVAL;  // recorded nowhere: robust futexes are not cleaned up
}
int64_t sys_rseq(Args&) {
    return -ENOSYS;
}

int64_t sys_arch_prctl(Args& a) {
    constexpr int SET_GS = 0x1001, SET_FS = 0x1002, GET_FS = 0x1003, GET_GS = 0x1004;
    switch (int(a.a[0])) {
        case SET_FS:
        case SET_GS:
            if (!user::is_user_address(a.a[1])) return -EPERM;
            if (int(a.a[0]) == SET_FS) {
                user::write_fs_base(a.a[1]);
            } else {
                user::write_gs_base(a.a[1]);
            }
            return 0;
        case GET_FS:
            return put_user(a.a[1], user::read_fs_base()) == 0 ? 0 : -EFAULT;
        case GET_GS:
            return put_user(a.a[1], user::read_gs_base()) == 0 ? 0 : -EFAULT;
        default:
            return -EINVAL;
    }
}

int64_t sys_sched_yield(Args&) {
    sched::schedule(true);
    return 0;
}
int64_t sys_sched_getaffinity(Args& a) {
    if (a.a[0] != 0) {
        LockGuard guard(proc::lock());
        if (!proc::find_task(int32_t(a.a[0]))) return -ESRCH;
    }
    const uint64_t len = a.a[1];
    if (len < 8 || (len & 7)) return -EINVAL;
    const uint32_t n = g_boot.vcpu_count;
    const uint64_t mask = n >= 64 ? ~uint64_t(0) : (uint64_t(1) << n) - 1;
    return put_user(a.a[2], mask) == 0 ? 8 : -EFAULT;
}
int64_t sys_sched_setaffinity(Args& a) {
    if (a.a[0] != 0) {
        LockGuard guard(proc::lock());
        if (!proc::find_task(int32_t(a.a[0]))) return -ESRCH;
    }
    return 0;  // accepted; every task may run on every vCPU
}
}  // namespace syscalls
