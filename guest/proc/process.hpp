// Processes: a thread group sharing an address space, file descriptors, a working directory
// and signal dispositions, in a parent/child tree rooted at init (pid 1). The process table
// and the tree are under one lock (proc lock), which also protects zombies' exit status.
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "kernel/ktimer.hpp"
#include "proc/sched.hpp"
#include "proc/signal.hpp"

struct Task;
namespace mm {
struct AddressSpace;
}
namespace fs {
struct FdTable;
struct Inode;
}  // namespace fs

inline constexpr uint32_t kMaxProcesses = 1024;  // the table's size
inline constexpr size_t kCmdlineMax = 4096;      // what /proc/<pid>/cmdline keeps

// CPU time in user mode and in the kernel (getrusage, times, /proc/<pid>/stat).
struct CpuTimes {
    uint64_t user_ns;
    uint64_t system_ns;
};

struct Process {
    int32_t pid;
    int32_t pgid;
    int32_t sid;
    Process* parent;
    Process* first_child;
    Process* sibling;
    mm::AddressSpace* as;
    fs::FdTable* fds;
    fs::Inode* cwd;
    fs::Inode* exe;  // the program file (/proc/self/exe)
    uint32_t umask;
    Task* threads;  // linked through Task::thread_next
    uint32_t live_threads;
    bool zombie;          // every thread has exited; waiting for the parent
    bool exiting;         // exit_group in progress
    int32_t exit_status;  // wait(2) status word
    SigAction actions[kSignalCount];
    WaitQueue child_wait;  // the parent's wait4 sleeps here (proc lock)
    char comm[16];
    char exe_path[256];  // the program's absolute path at exec (/proc/<pid>/exe)
    char cmdline[kCmdlineMax];
    size_t cmdline_len;
    uint64_t start_ns;
    CpuTimes children_cpu;  // of the children (and theirs) reaped by wait
    bool vfork_done;        // CLONE_VFORK child: exec'd or exited (proc lock)
    bool vfork_waiting;     // its parent sleeps in vfork: not to be freed meanwhile
    WaitQueue vfork_wait;   // the vfork parent sleeps here
    // Job control (proc lock): stopped by SIGSTOP/SIGTSTP/SIGTTIN/SIGTTOU until SIGCONT; what
    // wait4(WUNTRACED / WCONTINUED) has not reported yet.
    Task* exec_waiter;  // a thread in execve, waiting for the others to end (proc lock)
    WaitQueue exec_wait;
    bool stopped;
    int stop_signal;
    bool stop_report, cont_report;
    WaitQueue stop_wait;
    // ITIMER_REAL (setitimer/alarm: proc/itimer.cpp), under the proc lock: SIGALRM at
    // real_deadline (0: disarmed), then every real_interval_ns when that is not 0. real_gen
    // names the arming the kernel timer carries (a process freed meanwhile is not found).
    KTimer real_timer;
    uint64_t real_deadline;
    uint64_t real_interval_ns;
    uint64_t real_gen;
};

namespace proc {

SpinLock& lock();

// Process table (proc lock held by the caller for the iteration functions).
Process* find(int32_t pid);
Task* find_task(int32_t tid);
int32_t alloc_pid();  // 0 when the table is full
Process* first();     // iteration in pid order
Process* next(Process* p);
uint32_t count();
// Processes a domain may have (fork fails with EAGAIN beyond): one per 256 KiB of RAM, at
// least 16, at most kMaxProcesses, so a fork bomb meets the limit before memory runs out.
uint32_t process_limit();
bool table_add(Process* p);  // false when the table is full
void table_remove(Process* p);

// Opens the console on fds 0, 1 and 2 of `p` (init). 0 or -errno (proc/console_fds.cpp).
int open_console(Process* p);

// Creates pid 1 running `path` with argv/envp (kernel strings). Returns 0 or -errno.
int start_init(const char* path, const char* const* argv, const char* const* envp);

// The way back to user mode of every system call, interrupt and exception taken in user mode:
// reschedules if asked, delivers pending signals, then leaves through arch/user.
[[noreturn]] void return_to_user(Task* task);
// A new task's first steps in its own context (CLONE_CHILD_SETTID), then return_to_user.
[[noreturn]] void first_run(Task* task);

// True when `task` has an unblocked signal pending (interrupts sleeps).
bool signal_pending(const Task* task);

// Ends the calling thread (exit) or the whole process (exit_group / a fatal signal) with a
// wait(2) status word.
[[noreturn]] void exit_thread(int status_word);
[[noreturn]] void exit_group(int status_word);

// Called when pid 1 ends: powers the domain off with its status.
[[noreturn]] void init_died(int status_word);

// clone(2), fork(2), vfork(2). Returns the child's tid to the parent, or -errno.
int64_t clone(Task* parent, uint64_t flags, uint64_t stack, uint64_t parent_tid, uint64_t child_tid,
              uint64_t tls);
// Lets a vfork parent continue (the child exec'd or is exiting).
void vfork_release(Process* child);

// wait4/waitid for the calling process: pid as wait4's, options WNOHANG (1), WUNTRACED (2),
// WEXITED (4), WCONTINUED (8), WNOWAIT (0x01000000). Fills *status and returns
// the pid, 0 (WNOHANG, none ready), -ECHILD, or -ERESTARTSYS (a signal arrived).
// *child_cpu: the reaped child's CPU time with its children's (zero when it is not reaped).
int32_t wait_child(int32_t pid, int options, int* status, CpuTimes* child_cpu);

// A thread's CPU time so far (the running slice of the calling thread included), and the sum
// over a process's threads.
CpuTimes task_cpu_times(const Task* task);
CpuTimes process_cpu_times(const Process* p);

// Frees the tasks of threads that have exited (their stacks are no longer in use).
void reap_dead_tasks();
// Frees a zombie nobody will wait for (proc lock held).
void reap_zombie_locked(Process* p);

// Job control: stops the calling thread's process (a stop signal's default action), and
// keeps the calling thread asleep while its process is stopped.
void stop_process(Task* task, int signo);
void wait_while_stopped(Task* task);

}  // namespace proc
