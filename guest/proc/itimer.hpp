// A process's ITIMER_REAL (setitimer(2), getitimer(2), alarm(2)): SIGALRM when it expires,
// then again every interval, on a kernel timer (kernel/ktimer.hpp). Kept across exec, not
// inherited by fork (a new process starts disarmed), cancelled when the process is freed.
#pragma once

#include <stdint.h>

struct Process;

namespace proc {

// Arms (value_ns > 0) or disarms (0) the timer; the previous remaining time and interval go to
// *old_value_ns / *old_interval_ns (either may be nullptr). Takes the proc lock.
void set_real_timer(Process* p, uint64_t value_ns, uint64_t interval_ns, uint64_t* old_value_ns,
                    uint64_t* old_interval_ns);
// The remaining time (0: disarmed) and the interval. Takes the proc lock.
void get_real_timer(Process* p, uint64_t* value_ns, uint64_t* interval_ns);
// Proc lock held: the process is being freed.
void cancel_real_timer_locked(Process* p);

}  // namespace proc
