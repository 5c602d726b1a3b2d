// Threads ("tasks") and the kernel stack block each one owns. A task's kernel stack is a
// 16 KiB block aligned to its size whose first words are a StackHeader, so this_cpu() works
// on it (arch/percpu.hpp); the user register frame (TrapFrame) sits at its top.
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "arch/layout.h"
#include "arch/traps.hpp"
#include "proc/signal.hpp"

struct PerCpu;
struct Process;
struct WaitQueue;

enum class TaskState : uint32_t { Running, Runnable, Blocked, Dead };

struct StackHeader {
    PerCpu* cpu;  // the vCPU the task runs on (updated on every switch-in)
    struct Task* task;
};

struct Task {
    uint8_t* kstack;     // CPU_BLOCK_SIZE block, StackHeader at its base
    uint64_t saved_rsp;  // kernel context while switched out (arch/switch.S)
    TrapFrame* frame;    // user registers, at the top of kstack
    Process* proc;
    int32_t tid;
    TaskState state;
    uint32_t on_cpu;  // index of the vCPU it last ran on
    bool is_idle;
    bool full_restore;  // the next return to user mode must restore RCX and R11 too
    uint64_t fs_base, gs_base;
    uint8_t* fpu;  // XSAVE (or FXSAVE) area, 64-byte aligned, nullptr for idle tasks
    uint64_t clear_child_tid;
    uint64_t set_child_tid;  // CLONE_CHILD_SETTID: written by the child when it first runs
    // Signals (proc/signal.*).
    uint64_t sig_blocked;
    uint64_t sig_pending;
    uint64_t altstack_sp, altstack_size;
    uint32_t altstack_flags;
    SigInfo sig_info[64];    // for each pending signal, what raised it
    int64_t syscall_nr;      // the system call in progress (restarts), -1 outside one
    bool sigsuspend_active;  // rt_sigsuspend: sig_blocked is temporary, restore this after
    uint64_t sigsuspend_saved;
    // Scheduler links (proc/sched.*), under the scheduler lock.
    Task* run_next;
    WaitQueue* waiting_on;  // the queue this task sleeps in, if any
    Task* wait_next;
    uint64_t wake_at_ns;  // timed sleep deadline, 0 for none
    Task* sleep_next;
    int wake_reason;  // 0 woken, -ETIMEDOUT, -EINTR
    uint64_t slice_end_ns;
    uint64_t cpu_ns;  // time spent running (user and kernel), up to its last switch-out
    uint64_t switched_in_ns;
    uint64_t user_ns;        // of which in user mode, up to its last entry into the kernel
    uint64_t user_since_ns;  // when it last went back to user mode (0: never yet)
    Task* thread_next;       // in proc->threads
};

// A new task with its kernel stack and FPU area (nullptr when out of memory). Its frame is
// zeroed; the caller fills it before making the task runnable.
Task* task_create(Process* proc);
void task_destroy(Task* task);  // frees stack and FPU area

// The running task on this vCPU.
Task* current();

// FPU state (arch specific, in proc/task.cpp): save into / load from task->fpu, and the clean
// initial state for a new program.
void fpu_save(Task* task);
void fpu_restore(const Task* task);
void fpu_init_state(Task* task);
