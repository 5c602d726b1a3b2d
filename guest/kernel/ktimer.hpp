// Kernel timers: callbacks at a deadline (monotonic ns), on the scheduler's one kernel timer
// (sched::kernel_timer_at). A callback runs on whichever vCPU notices the deadline, from its
// timer interrupt or idle loop, with no lock held and interrupts masked; it gets the
// (fn, arg) the timer was armed with, copied out under the timer lock, and must not touch the
// KTimer itself (whose owner may free it once ktimer_cancel returned). Lock order: callers'
// locks (the network stack's, the process lock) -> the timer lock -> the scheduler's.
#pragma once

#include <stdint.h>

struct KTimer {
    uint64_t deadline;
    void (*fn)(uint64_t arg);
    uint64_t arg;
    KTimer* next;
    bool armed;
};

// Once, at boot (before any timer is armed).
void ktimer_init();
// Arms `t` (re-arms it when armed): fn(arg) at `deadline_ns`.
void ktimer_arm(KTimer* t, uint64_t deadline_ns, void (*fn)(uint64_t), uint64_t arg);
// Disarms `t` (nothing when it is not armed).
void ktimer_cancel(KTimer* t);
