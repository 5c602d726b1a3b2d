// The scheduler: one run queue for the whole domain (FIFO, 4 ms slices), a per-vCPU idle task
// that halts when there is nothing to run (no timer armed unless someone sleeps with a
// deadline: an idle domain costs the host nothing), preemption of user code by the LAPIC timer
// in one-shot mode, and wait queues.
//
// Locking: one scheduler lock, held across the context switch (released by the task switched
// to). Code that blocks holds the lock protecting its condition until it holds the scheduler
// lock (wait()), and wakers take that lock first, so no wake-up is lost. The kernel itself is
// not preemptible: a task gives up its vCPU only in schedule(), on the way back to user mode or
// when it blocks.
#pragma once

#include <stdint.h>

#include "kernel/lock.hpp"

struct Task;
struct PerCpu;

struct WaitQueue {
    Task* head = nullptr;
};

namespace sched {

// BSP, once: the timer calibration and the interrupt handlers.
bool init();
// Every vCPU: turns the code running on the boot stack into this vCPU's idle task.
void init_cpu(PerCpu* cpu);

// Makes a new (or woken) task runnable.
void start(Task* task);

// Gives up the vCPU if another task should run (need_resched, or `force`).
void schedule(bool force = false);

// With `lock` held and the condition checked false: sleeps on `queue` until woken, until
// `deadline_ns` (monotonic; 0 = none) or until a signal arrives, then re-takes `lock`.
// Returns 0 when woken, -ETIMEDOUT, or -EINTR.
int wait(WaitQueue& queue, SpinLock& lock, uint64_t deadline_ns);
// Sleeps until deadline_ns or a signal (nanosleep). 0 or -EINTR.
int sleep_until(uint64_t deadline_ns);

// With the queue's lock held.
void wake_one(WaitQueue& queue);
void wake_all(WaitQueue& queue);
// Wakes `task` out of any interruptible sleep (signal delivery).
void interrupt(Task* task);

// Removes the running task for good (exit): switches away and never comes back; the task is
// freed by whoever reaps it (proc/exit.cpp) once dead.
[[noreturn]] void exit_current();

// The idle loop of this vCPU (never returns).
[[noreturn]] void idle_loop();

uint64_t now_ns();

// One kernel timer for a subsystem that keeps its own timer list (the network stack): `fn`
// runs once `deadline_ns` passes, on whichever vCPU notices first (its LAPIC timer interrupt or
// its idle loop), with no lock held and interrupts masked, and then is disarmed: it re-arms
// itself with kernel_timer_at when it wants more. Set the hook once at boot.
void set_kernel_timer(void (*fn)(uint64_t now_ns));
// Arms (or moves earlier) the kernel timer; 0 disarms it. Any context (atomic).
void kernel_timer_at(uint64_t deadline_ns);

// A hint, read without the lock: whether a task is waiting for a vCPU (a driver then sleeps
// rather than spins for its device).
bool others_runnable();

// Returns once `task` is Dead and has left its kernel stack (exit_current marks it Dead and
// switches away under the scheduler lock), so the stack may be freed. A task can be handed to
// its reaper a little before it gets there (exit_thread drops the process lock first).
void wait_until_dead(Task* task);

}  // namespace sched
