// clone(2) in its fork, vfork and thread forms.
#include "abi/errno.hpp"
#include "arch/user.hpp"
#include "fs/fd_table.hpp"
#include "fs/inode.hpp"
#include "kernel/string.hpp"
#include "mm/aspace.hpp"
#include "mm/kheap.hpp"
#include "mm/usercopy.hpp"
#include "proc/process.hpp"
#include "proc/task.hpp"

namespace proc {

namespace {

constexpr uint64_t CLONE_VM = 0x100, CLONE_FS = 0x200, CLONE_FILES = 0x400, CLONE_SIGHAND = 0x800,
                   CLONE_VFORK = 0x4000, CLONE_PARENT = 0x8000, CLONE_THREAD = 0x10000,
                   CLONE_SETTLS = 0x80000, CLONE_PARENT_SETTID = 0x100000,
                   CLONE_CHILD_CLEARTID = 0x200000, CLONE_CHILD_SETTID = 0x1000000;
constexpr uint64_t kSupported =
    0xff | CLONE_VM | CLONE_FS | CLONE_FILES | CLONE_SIGHAND | CLONE_VFORK | CLONE_PARENT |
    CLONE_THREAD | CLONE_SETTLS | CLONE_PARENT_SETTID | CLONE_CHILD_CLEARTID | CLONE_CHILD_SETTID |
    0x40000 /* CLONE_SYSVSEM, no SysV semaphores */ | 0x400000 /* CLONE_DETACHED, ignored */ |
    0x800000 /* CLONE_UNTRACED */ | 0x80000000 /* CLONE_IO */;

// The child's registers and thread state from the parent's.
void copy_thread(Task* parent, Task* child, uint64_t flags, uint64_t stack, uint64_t tls) {
    *child->frame = *parent->frame;
    child->frame->rax = 0;
    if (stack) child->frame->rsp = stack;
    child->full_restore = true;
    fpu_save(parent);
    const uint32_t bytes = user::xsave_size() ? user::xsave_size() : 512;
    memcpy(child->fpu, parent->fpu, bytes + 64);
    child->fs_base = (flags & CLONE_SETTLS) ? tls : user::read_fs_base();
    child->gs_base = user::read_gs_base();
    child->sig_blocked = parent->sig_blocked;
    child->altstack_flags = 2;  // SS_DISABLE
    if (!(flags & CLONE_THREAD) || (flags & CLONE_VM) == 0) {
        child->altstack_sp = parent->altstack_sp;
        child->altstack_size = parent->altstack_size;
        child->altstack_flags = parent->altstack_flags;
    }
}

Process* new_process(Process* parent, uint64_t flags) {
    Process* p = knew<Process>();
    if (!p) return nullptr;
    if (flags & CLONE_VM) {
        mm::get(parent->as);
        p->as = parent->as;
    } else {
        p->as = mm::clone(parent->as);
    }
    if (flags & CLONE_FILES) {
        fs::fd_table_get(parent->fds);
        p->fds = parent->fds;
    } else {
        p->fds = fs::fd_table_clone(parent->fds);
    }
    if (!p->as || !p->fds) {
        mm::put(p->as);
        if (p->fds) fs::fd_table_put(p->fds);
        kfree(p);
        return nullptr;
    }
    p->cwd = parent->cwd;
    fs::inode_get(p->cwd);
    p->exe = parent->exe;
    if (p->exe) fs::inode_get(p->exe);
    p->umask = parent->umask;
    p->pgid = parent->pgid;
    p->sid = parent->sid;
    memcpy(p->actions, parent->actions, sizeof(p->actions));
    memcpy(p->comm, parent->comm, sizeof(p->comm));
    memcpy(p->exe_path, parent->exe_path, sizeof(p->exe_path));
    memcpy(p->cmdline, parent->cmdline, parent->cmdline_len);
    p->cmdline_len = parent->cmdline_len;
    p->start_ns = sched::now_ns();
    return p;
}

void destroy_new_process(Process* p) {
    mm::put(p->as);
    fs::fd_table_put(p->fds);
    fs::inode_put(p->cwd);
    fs::inode_put(p->exe);
    kfree(p);
}

}  // namespace

int64_t clone(Task* parent_task, uint64_t flags, uint64_t stack, uint64_t parent_tid,
              uint64_t child_tid, uint64_t tls) {
    Process* parent = parent_task->proc;
    if (flags & ~kSupported) return -linux_errno::EINVAL;
    const bool thread = (flags & CLONE_THREAD) != 0;
    if (thread && !((flags & CLONE_VM) && (flags & CLONE_SIGHAND))) return -linux_errno::EINVAL;
    if ((flags & CLONE_SIGHAND) && !(flags & CLONE_VM)) return -linux_errno::EINVAL;
    reap_dead_tasks();

    Process* p = thread ? parent : new_process(parent, flags);
    if (!p) return -linux_errno::ENOMEM;
    Task* child = task_create(p);
    if (!child) {
        if (!thread) destroy_new_process(p);
        return -linux_errno::ENOMEM;
    }
    copy_thread(parent_task, child, flags, stack, tls);
    if (flags & CLONE_CHILD_CLEARTID) child->clear_child_tid = child_tid;
    if (flags & CLONE_CHILD_SETTID) child->set_child_tid = child_tid;

    int32_t tid;
    {
        LockGuard guard(lock());
        tid = (thread || count() < process_limit()) ? alloc_pid() : 0;
        if (tid != 0 && !thread && !table_add(p)) tid = 0;
        if (tid == 0) {
            lock().unlock();
            task_destroy(child);
            if (!thread) destroy_new_process(p);
            lock().lock();
            return -linux_errno::EAGAIN;
        }
        child->tid = tid;
        child->thread_next = p->threads;
        p->threads = child;
        ++p->live_threads;
        if (!thread) {
            p->pid = tid;
            Process* up = (flags & CLONE_PARENT) && parent->parent ? parent->parent : parent;
            p->parent = up;
            p->sibling = up->first_child;
            up->first_child = p;
        }
    }
    if (flags & CLONE_PARENT_SETTID) put_user<uint32_t>(parent_tid, uint32_t(tid));
    sched::start(child);

    if ((flags & CLONE_VFORK) && !thread) {
        lock().lock();
        p->vfork_waiting = true;
        while (!p->vfork_done) {
            if (sched::wait(p->vfork_wait, lock(), 0) != 0 && signal_pending(parent_task)) break;
        }
        p->vfork_waiting = false;
        const SigAction& chld = parent->actions[sig::SIGCHLD - 1];
        if (p->zombie && (chld.handler == sig::SIG_IGN || (chld.flags & sig::SA_NOCLDWAIT))) {
            reap_zombie_locked(p);  // nobody waits for it: what exit_thread left to us
        }
        lock().unlock();
    }
    return tid;
}

void vfork_release(Process* child) {
    LockGuard guard(lock());
    child->vfork_done = true;
    sched::wake_all(child->vfork_wait);
}

}  // namespace proc
