#include "proc/itimer.hpp"

#include "kernel/ktimer.hpp"
#include "proc/process.hpp"
#include "proc/signal.hpp"

namespace proc {

namespace {

uint64_t g_next_gen = 1;  // proc lock

void on_expiry(uint64_t gen);

// Proc lock held.
void arm_locked(Process* p, uint64_t deadline) {
    p->real_deadline = deadline;
    p->real_gen = g_next_gen++;
    ktimer_arm(&p->real_timer, deadline, on_expiry, p->real_gen);
}

// The kernel timer's callback (no lock held): finds the process by the arming's generation.
void on_expiry(uint64_t gen) {
    LockGuard guard(lock());
    for (Process* p = first(); p != nullptr; p = next(p)) {
        if (p->real_gen != gen || p->real_deadline == 0) continue;
        if (!p->zombie) {
            send_to_process(p, sig::SIGALRM, SigInfo{sig::SIGALRM, sig::SI_KERNEL, 0, 0, 0});
        }
        if (p->real_interval_ns != 0 && !p->zombie) {
            const uint64_t now = sched::now_ns();
            uint64_t deadline = p->real_deadline + p->real_interval_ns;
            if (deadline <= now) deadline = now + p->real_interval_ns;  // overruns fold
            arm_locked(p, deadline);
        } else {
            p->real_deadline = 0;
        }
        return;
    }
}

}  // namespace

void set_real_timer(Process* p, uint64_t value_ns, uint64_t interval_ns, uint64_t* old_value_ns,
                    uint64_t* old_interval_ns) {
    LockGuard guard(lock());
    const uint64_t now = sched::now_ns();
    if (old_value_ns != nullptr) {
        *old_value_ns = p->real_deadline > now  ? p->real_deadline - now
                        : p->real_deadline != 0 ? 1
                                                : 0;
    }
    if (old_interval_ns != nullptr) *old_interval_ns = p->real_interval_ns;
    p->real_interval_ns = value_ns != 0 ? interval_ns : 0;
    if (value_ns == 0) {
        ktimer_cancel(&p->real_timer);
        p->real_deadline = 0;
        ++p->real_gen;
        return;
    }
    arm_locked(p, now + value_ns);
}

void get_real_timer(Process* p, uint64_t* value_ns, uint64_t* interval_ns) {
    LockGuard guard(lock());
    const uint64_t now = sched::now_ns();
    *value_ns = p->real_deadline > now ? p->real_deadline - now : p->real_deadline != 0 ? 1 : 0;
    *interval_ns = p->real_interval_ns;
}

void cancel_real_timer_locked(Process* p) {
    ktimer_cancel(&p->real_timer);
    p->real_deadline = 0;
}

}  // namespace proc
