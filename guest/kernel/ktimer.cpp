#include "kernel/ktimer.hpp"

#include "kernel/lock.hpp"
#include "proc/sched.hpp"

namespace {

constinit SpinLock g_lock;
KTimer* g_head = nullptr;  // sorted by deadline

// Lock held.
void unlink(KTimer* t) {
    for (KTimer** p = &g_head; *p != nullptr; p = &(*p)->next) {
        if (*p == t) {
            *p = t->next;
            break;
        }
    }
    t->next = nullptr;
    t->armed = false;
}

void run(uint64_t now_ns) {
    constexpr int kBatch = 16;
    for (;;) {
        void (*fns[kBatch])(uint64_t);
        uint64_t args[kBatch];
        int n = 0;
        uint64_t next = 0;
        {
            LockGuard guard(g_lock);
            while (g_head != nullptr && g_head->deadline <= now_ns && n < kBatch) {
                KTimer* t = g_head;
                fns[n] = t->fn;
                args[n] = t->arg;
                ++n;
                unlink(t);
            }
            if (g_head != nullptr) next = g_head->deadline;
            if (n == 0) {
                if (next != 0) sched::kernel_timer_at(next);
                return;
            }
        }
        for (int i = 0; i < n; ++i) fns[i](args[i]);
        now_ns = sched::now_ns();
    }
}

}  // namespace

void ktimer_init() {
    sched::set_kernel_timer(run);
}

void ktimer_arm(KTimer* t, uint64_t deadline_ns, void (*fn)(uint64_t), uint64_t arg) {
    LockGuard guard(g_lock);
    if (t->armed && t->deadline == deadline_ns && t->fn == fn && t->arg == arg) return;
    if (t->armed) unlink(t);
    t->deadline = deadline_ns;
    t->fn = fn;
    t->arg = arg;
    KTimer** p = &g_head;
    while (*p != nullptr && (*p)->deadline <= deadline_ns) p = &(*p)->next;
    t->next = *p;
    *p = t;
    t->armed = true;
    if (g_head == t) sched::kernel_timer_at(deadline_ns == 0 ? 1 : deadline_ns);
}

void ktimer_cancel(KTimer* t) {
    LockGuard guard(g_lock);
    if (t->armed) unlink(t);
}
