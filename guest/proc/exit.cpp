// Thread and process exit, zombies, wait4, and reaping.
#include "abi/errno.hpp"
#include "arch/percpu.hpp"
#include "fs/fd_table.hpp"
#include "fs/inode.hpp"
#include "kernel/console.hpp"
#include "mm/aspace.hpp"
#include "mm/kheap.hpp"
#include "mm/usercopy.hpp"
#include "proc/futex.hpp"
#include "proc/itimer.hpp"
#include "proc/process.hpp"
#include "proc/task.hpp"
#include "syscalls/dispatch.hpp"

namespace proc {

namespace {

constexpr int kWnohang = 1, kWuntraced = 2, kWexited = 4, kWcontinued = 8, kWnowait = 0x01000000;

Task* g_dead = nullptr;  // exited threads waiting to be freed (proc lock)

// Hands `p`'s children to init. Proc lock held.
void reparent_children(Process* p) {
    Process* init = find(1);
    while (Process* c = p->first_child) {
        p->first_child = c->sibling;
        c->parent = init;
        if (init && init != p) {
            c->sibling = init->first_child;
            init->first_child = c;
            if (c->zombie) sched::wake_all(init->child_wait);
        } else {
            c->parent = nullptr;
            c->sibling = nullptr;
        }
    }
}

// Frees a reaped zombie. Proc lock held.
void free_process(Process* p) {
    cancel_real_timer_locked(p);
    table_remove(p);
    while (Task* t = p->threads) {
        p->threads = t->thread_next;
        t->thread_next = g_dead;
        g_dead = t;
    }
    kfree(p);
}

bool matches(const Process* child, int32_t pid, const Process* parent) {
    if (pid > 0) return child->pid == pid;
    if (pid == 0) return child->pgid == parent->pgid;
    if (pid < -1) return child->pgid == -pid;
    return true;
}

}  // namespace

void reap_zombie_locked(Process* p) {
    if (Process* parent = p->parent) {
        for (Process** link = &parent->first_child; *link; link = &(*link)->sibling) {
            if (*link == p) {
                *link = p->sibling;
                break;
            }
        }
    }
    free_process(p);
}

void reap_dead_tasks() {
    Task* list;
    {
        LockGuard guard(lock());
        list = g_dead;
        g_dead = nullptr;
    }
    while (list) {
        Task* next = list->thread_next;
        sched::wait_until_dead(list);
        task_destroy(list);
        list = next;
    }
}

void exit_thread(int status) {
    Task* t = current();
    Process* p = t->proc;
    if (t->clear_child_tid) {  // CLONE_CHILD_CLEARTID: what pthread_join waits on
        const uint32_t zero = 0;
        if (copy_to_user(t->clear_child_tid, &zero, sizeof(zero)) == 0) {
            futex_wake(p->as, t->clear_child_tid, 1);
        }
    }
    lock().lock();
    const bool last = --p->live_threads == 0;
    if (!last) {
        // Unlink now; the stack is freed by a later reap once we have switched away.
        for (Task** link = &p->threads; *link; link = &(*link)->thread_next) {
            if (*link == t) {
                *link = t->thread_next;
                break;
            }
        }
        t->thread_next = g_dead;
        g_dead = t;
        if (p->exec_waiter) sched::wake_all(p->exec_wait);
        lock().unlock();
        sched::exit_current();
    }
    if (!p->exiting) p->exit_status = status;
    lock().unlock();

    // The last thread releases what the process owns (no locks held: closing may block).
    mm::AddressSpace* as = p->as;
    p->as = nullptr;
    mm::activate(nullptr);
    mm::put(as);
    fs::fd_table_put(p->fds);
    p->fds = nullptr;
    fs::inode_put(p->cwd);
    p->cwd = nullptr;
    fs::inode_put(p->exe);
    p->exe = nullptr;

    if (p->pid == 1) init_died(p->exit_status);

    lock().lock();
    reparent_children(p);
    p->zombie = true;
    // A vfork parent waits for this child to exec or to end.
    p->vfork_done = true;
    sched::wake_all(p->vfork_wait);
    Process* parent = p->parent;
    if (parent) {
        const SigAction& chld = parent->actions[sig::SIGCHLD - 1];
        if ((chld.handler == sig::SIG_IGN || (chld.flags & sig::SA_NOCLDWAIT)) &&
            !p->vfork_waiting) {  // (a vfork parent still looks at it: it reaps it then)
            // Nobody will wait: reap at once (POSIX.1-2001).
            for (Process** link = &parent->first_child; *link; link = &(*link)->sibling) {
                if (*link == p) {
                    *link = p->sibling;
                    break;
                }
            }
            free_process(p);
        } else {
            SigInfo info{sig::SIGCHLD, 1 /* CLD_EXITED */, 0, p->pid, p->exit_status};
            send_to_process(parent, sig::SIGCHLD, info);
            sched::wake_all(parent->child_wait);
        }
    }
    lock().unlock();
    sched::exit_current();
}

void exit_group(int status) {
    Task* t = current();
    Process* p = t->proc;
    {
        LockGuard guard(lock());
        if (!p->exiting) {
            p->exiting = true;
            p->exit_status = status;
            for (Task* other = p->threads; other; other = other->thread_next) {
                if (other != t) sched::interrupt(other);
            }
        }
    }
    exit_thread(status);
}

int32_t wait_child(int32_t pid, int options, int* status, CpuTimes* child_cpu) {
    Process* self = current()->proc;
    lock().lock();
    for (;;) {
        bool any = false;
        for (Process** link = &self->first_child; *link; link = &(*link)->sibling) {
            Process* c = *link;
            if (!matches(c, pid, self)) continue;
            any = true;
            if (!c->zombie) {
                if ((options & kWuntraced) && c->stop_report) {
                    c->stop_report = false;
                    *status = (c->stop_signal << 8) | 0x7f;
                    *child_cpu = {};
                    const int32_t found = c->pid;
                    lock().unlock();
                    return found;
                }
                if ((options & kWcontinued) && c->cont_report) {
                    c->cont_report = false;
                    *status = 0xffff;
                    *child_cpu = {};
                    const int32_t found = c->pid;
                    lock().unlock();
                    return found;
                }
                continue;
            }
            if (!(options & kWexited)) continue;
            const int32_t found = c->pid;
            *status = c->exit_status;
            if (options & kWnowait) {  // waitid(WNOWAIT): report, leave it waitable
                *child_cpu = {};
                lock().unlock();
                return found;
            }
            const CpuTimes own = process_cpu_times(c);
            *child_cpu = {own.user_ns + c->children_cpu.user_ns,
                          own.system_ns + c->children_cpu.system_ns};
            self->children_cpu.user_ns += child_cpu->user_ns;
            self->children_cpu.system_ns += child_cpu->system_ns;
            *link = c->sibling;
            free_process(c);
            lock().unlock();
            reap_dead_tasks();
            return found;
        }
        if (!any) {
            lock().unlock();
            return -linux_errno::ECHILD;
        }
        if (options & kWnohang) {
            lock().unlock();
            return 0;
        }
        if (sched::wait(self->child_wait, lock(), 0) == -linux_errno::EINTR) {
            lock().unlock();
            return -syscalls::kRestartSys;
        }
    }
}

}  // namespace proc
