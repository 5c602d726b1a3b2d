// The process table, pid allocation and the first process.
#include "proc/process.hpp"

#include "abi/errno.hpp"
#include "arch/percpu.hpp"
#include "dev/virtio_net.hpp"
#include "fs/fd_table.hpp"
#include "fs/inode.hpp"
#include "fs/mount.hpp"
#include "kernel/console.hpp"
#include "kernel/hypercall.hpp"
#include "kernel/platform.hpp"
#include "kernel/string.hpp"
#include "mm/aspace.hpp"
#include "mm/kheap.hpp"
#include "mm/phys.hpp"
#include "proc/exec.hpp"
#include "proc/sched.hpp"
#include "proc/task.hpp"

namespace proc {

namespace {

constexpr int32_t kPidMax = 32768;

constinit SpinLock g_lock;
Process* g_table[kMaxProcesses] = {};  // slots, any order
uint32_t g_count = 0;
int32_t g_last_pid = 0;

bool pid_in_use(int32_t pid) {
    for (Process* p : g_table) {
        if (!p) continue;
        if (p->pid == pid || p->pgid == pid || p->sid == pid) return true;
        for (Task* t = p->threads; t; t = t->thread_next) {
            if (t->tid == pid) return true;
        }
    }
    return false;
}

}  // namespace

SpinLock& lock() {
    return g_lock;
}

CpuTimes task_cpu_times(const Task* t) {
    uint64_t cpu = t->cpu_ns;
    if (t == current()) cpu += sched::now_ns() - t->switched_in_ns;
    const uint64_t user = t->user_ns < cpu ? t->user_ns : cpu;
    return {user, cpu - user};
}

CpuTimes process_cpu_times(const Process* p) {
    CpuTimes sum{};
    for (const Task* t = p->threads; t; t = t->thread_next) {
        const CpuTimes one = task_cpu_times(t);
        sum.user_ns += one.user_ns;
        sum.system_ns += one.system_ns;
    }
    return sum;
}

Process* find(int32_t pid) {
    for (Process* p : g_table) {
        if (p && p->pid == pid) return p;
    }
    return nullptr;
}

Task* find_task(int32_t tid) {
    for (Process* p : g_table) {
        if (!p) continue;
        for (Task* t = p->threads; t; t = t->thread_next) {
            if (t->tid == tid && t->state != TaskState::Dead) return t;
        }
    }
    return nullptr;
}

int32_t alloc_pid() {
    for (int32_t tries = 0; tries < kPidMax; ++tries) {
        g_last_pid = g_last_pid >= kPidMax - 1 ? 2 : g_last_pid + 1;
        if (!pid_in_use(g_last_pid)) return g_last_pid;
    }
    return 0;
}

bool table_add(Process* p) {
    for (Process*& slot : g_table) {
        if (!slot) {
            slot = p;
            ++g_count;
            return true;
        }
    }
    return false;
}

void table_remove(Process* p) {
    for (Process*& slot : g_table) {
        if (slot == p) {
            slot = nullptr;
            --g_count;
            return;
        }
    }
}

Process* first() {
    return next(nullptr);
}

Process* next(Process* after) {
    // Smallest pid greater than after's (pid order for /proc and kill(-1)).
    const int32_t floor = after ? after->pid : 0;
    Process* best = nullptr;
    for (Process* p : g_table) {
        if (p && p->pid > floor && (!best || p->pid < best->pid)) best = p;
    }
    return best;
}

uint32_t count() {
    return g_count;
}

uint32_t process_limit() {
    const uint64_t by_memory = phys::total_pages() / 64;
    return by_memory < 16 ? 16 : by_memory > kMaxProcesses ? kMaxProcesses : uint32_t(by_memory);
}

int start_init(const char* path, const char* const* argv, const char* const* envp) {
    Process* p = knew<Process>();
    if (!p) return -linux_errno::ENOMEM;
    p->pid = p->pgid = p->sid = 1;
    g_last_pid = 1;
    p->umask = 022;
    p->as = mm::create();
    p->fds = fs::fd_table_create();
    p->cwd = fs::vfs_root();
    fs::inode_get(p->cwd);
    Task* t = task_create(p);
    if (!p->as || !p->fds || !t) return -linux_errno::ENOMEM;
    t->tid = 1;
    t->syscall_nr = -1;
    p->threads = t;
    p->live_threads = 1;
    p->start_ns = sched::now_ns();
    {
        LockGuard guard(g_lock);
        table_add(p);
    }
    const int console = open_console(p);
    if (console < 0) return console;

    ExecArgs args;
    int r = exec_args_init(&args);
    for (size_t i = 0; r == 0 && argv[i]; ++i) r = exec_args_push(&args, argv[i], false);
    for (size_t i = 0; r == 0 && envp[i]; ++i) r = exec_args_push(&args, envp[i], true);
    // exec builds the new program's stack through this vCPU: borrow the task's identity.
    PerCpu* cpu = this_cpu();
    Task* previous = cpu->current;
    cpu->current = t;
    if (r == 0) r = exec(t, path, &args);
    cpu->current = previous;
    mm::activate(nullptr);
    exec_args_free(&args);
    if (r < 0) return r;
    sched::start(t);
    return 0;
}

void init_died(int status) {
    // Exit status: the low byte of a normal exit, or 128 + signal (a shell's convention);
    // the monitor maps DOMUS_SHUTDOWN_EXIT to domus run's exit status (docs/abi.md).
    // Frames already handed to a NIC go out first (at most 200 ms).
    dev::drain_virtio_net(200'000'000);
    platform_shutdown(DOMUS_SHUTDOWN_EXIT, uint32_t(status));
}

}  // namespace proc
