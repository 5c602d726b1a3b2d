#include "proc/sched.hpp"

#include "abi/errno.hpp"
#include "arch/apic.hpp"
#include "arch/entry_area.hpp"
#include "arch/percpu.hpp"
#include "arch/pvm.hpp"
#include "arch/traps.hpp"
#include "arch/user.hpp"
#include "kernel/boot.hpp"
#include "kernel/random.hpp"
#include "kernel/time.hpp"
#include "kernel/timer.hpp"
#include "mm/aspace.hpp"
#include "mm/kheap.hpp"
#include "proc/process.hpp"
#include "proc/task.hpp"

extern "C" void switch_stacks(uint64_t* save_rsp, uint64_t new_rsp);
extern "C" void task_first_entry();

namespace sched {

namespace {

constexpr uint64_t kSliceNs = 4'000'000;
constexpr uint32_t kLvtMasked = 1u << 16;

constinit SpinLock g_lock;
Task* g_head = nullptr;
Task* g_tail = nullptr;
Task* g_sleepers = nullptr;  // sorted by wake_at_ns
uint64_t g_idle_mask = 0;    // vCPUs halted in idle_loop (under g_lock)
uint64_t g_apic_hz = 0;
uint64_t g_ticks_per_ns = 0;  // LAPIC timer ticks per ns, 32.32 fixed point
void (*g_kernel_timer)(uint64_t) = nullptr;
uint64_t g_kernel_deadline = 0;  // atomic; 0: not armed

void enqueue(Task* t) {
    t->run_next = nullptr;
    if (g_tail) {
        g_tail->run_next = t;
    } else {
        g_head = t;
    }
    g_tail = t;
}

Task* dequeue() {
    Task* t = g_head;
    if (t) {
        g_head = t->run_next;
        if (!g_head) g_tail = nullptr;
        t->run_next = nullptr;
    }
    return t;
}

void sleeper_remove(Task* t) {
    for (Task** link = &g_sleepers; *link; link = &(*link)->sleep_next) {
        if (*link == t) {
            *link = t->sleep_next;
            t->sleep_next = nullptr;
            return;
        }
    }
}

void sleeper_insert(Task* t) {
    Task** link = &g_sleepers;
    while (*link && (*link)->wake_at_ns <= t->wake_at_ns) link = &(*link)->sleep_next;
    t->sleep_next = *link;
    *link = t;
}

// Wakes one idle vCPU other than this one, if any. g_lock held.
void kick_idle() {
    const uint64_t others = g_idle_mask & ~(1ull << this_cpu()->index);
    if (!others) return;
    const uint32_t c = uint32_t(__builtin_ctzll(others));
    g_idle_mask &= ~(1ull << c);
    apic::send_ipi(cpu_by_index(c)->apic_id, VECTOR_RESCHED);
}

// g_lock held.
void make_runnable(Task* t, int reason) {
    if (t->state != TaskState::Blocked) return;
    t->state = TaskState::Runnable;
    t->wake_reason = reason;
    if (t->wake_at_ns) sleeper_remove(t);
    t->wake_at_ns = 0;
    enqueue(t);
    kick_idle();
}

void wake_expired() {
    const uint64_t now = now_ns();
    while (g_sleepers && g_sleepers->wake_at_ns <= now) {
        Task* t = g_sleepers;
        g_sleepers = t->sleep_next;
        t->sleep_next = nullptr;
        t->wake_at_ns = 0;
        make_runnable(t, -linux_errno::ETIMEDOUT);
    }
}

// One-shot LAPIC timer at `deadline` (0: off), or at the kernel timer's when that is
// earlier. g_lock held or interrupts masked.
void arm(uint64_t deadline) {
    if (g_apic_hz == 0) return;
    const uint64_t kernel = __atomic_load_n(&g_kernel_deadline, __ATOMIC_ACQUIRE);
    if (kernel != 0 && (deadline == 0 || kernel < deadline)) deadline = kernel;
    // The one-shot is left alone when it already fires at that time (or is already off): on
    // the PVM host every write to it is an exit, and the idle loop re-arms at every wake-up.
    PerCpu* cpu = this_cpu();
    const uint64_t now = now_ns();
    if (deadline == cpu->timer_deadline && (deadline == 0 || deadline > now)) return;
    if (deadline == 0) {
        cpu->timer_deadline = 0;
        return apic::write(apic::kRegTimerInitial, 0);
    }
    const uint64_t delta = deadline > now ? deadline - now : 1000;
    uint64_t ticks = uint64_t((unsigned __int128)delta * g_ticks_per_ns >> 32);
    if (ticks == 0) ticks = 1;
    // A deadline beyond the counter's reach fires early (and is re-armed then): what is
    // recorded is when the timer fires, so that it is never taken for armed at `deadline`.
    cpu->timer_deadline = ticks > 0xffffffffu ? now + 1 : deadline;
    if (ticks > 0xffffffffu) ticks = 0xffffffffu;
    apic::write(apic::kRegTimerInitial, uint32_t(ticks));
}

// The next deadline for this vCPU: its slice (when running a task) or the first sleeper.
void rearm(const Task* running) {
    uint64_t deadline = running && !running->is_idle ? running->slice_end_ns : 0;
    if (g_sleepers && (deadline == 0 || g_sleepers->wake_at_ns < deadline)) {
        deadline = g_sleepers->wake_at_ns;
    }
    arm(deadline);
}

// Runs the kernel timer's hook if its deadline passed (and this vCPU won it). No lock held.
void run_kernel_timer() {
    uint64_t deadline = __atomic_load_n(&g_kernel_deadline, __ATOMIC_ACQUIRE);
    if (deadline == 0 || g_kernel_timer == nullptr) return;
    const uint64_t now = now_ns();
    if (now < deadline) return;
    if (!__atomic_compare_exchange_n(&g_kernel_deadline, &deadline, 0, false, __ATOMIC_ACQ_REL,
                                     __ATOMIC_ACQUIRE)) {
        return;  // another vCPU runs it, or it moved
    }
    g_kernel_timer(now);
}

void on_timer(TrapFrame*) {
    apic::eoi();
    this_cpu()->timer_deadline = 0;  // the one-shot fired: nothing is armed now
    run_kernel_timer();
    PerCpu* cpu = this_cpu();
    Task* t = cpu->current;
    LockGuard guard(g_lock);
    wake_expired();
    const uint64_t now = now_ns();
    if (t && !t->is_idle && now >= t->slice_end_ns) {
        if (g_head) cpu->need_resched = 1;
        t->slice_end_ns = now + kSliceNs;
    }
    rearm(t);
}

void on_resched(TrapFrame*) {
    apic::eoi();
    this_cpu()->need_resched = 1;
}

void on_tlb(TrapFrame*) {
    apic::eoi();
    mm::tlb_ipi();
}

// Switches from `prev` to `next`; g_lock held, and held again (by whoever switches back to
// prev) when this returns.
void switch_to(Task* prev, Task* next) {
    PerCpu* cpu = this_cpu();
    const uint64_t now = now_ns();
    prev->cpu_ns += now - prev->switched_in_ns;
    if (!prev->is_idle) {
        fpu_save(prev);
        prev->fs_base = user::read_fs_base();
        prev->gs_base = user::read_gs_base();
    }
    reinterpret_cast<StackHeader*>(next->kstack)->cpu = cpu;
    cpu->current = next;
    next->on_cpu = cpu->index;
    next->switched_in_ns = now;
    next->state = TaskState::Running;
    mm::AddressSpace* as = next->is_idle || !next->proc ? nullptr : next->proc->as;
    if (as != cpu->as) mm::activate(as);
    if (!next->is_idle) {
        cpu->entry->kernel_rsp = reinterpret_cast<uint64_t>(next->frame + 1);
        user::write_fs_base(next->fs_base);
        user::write_gs_base(next->gs_base);
        fpu_restore(next);
        next->slice_end_ns = now + kSliceNs;
    }
    rearm(next);
    switch_stacks(&prev->saved_rsp, next->saved_rsp);
}

// Picks what runs next on this vCPU after `prev` (which is not Running any more or was
// re-queued). g_lock held.
Task* pick(PerCpu* cpu) {
    Task* next = dequeue();
    return next ? next : cpu->idle;
}

}  // namespace

extern "C" [[noreturn]] void sched_task_start(Task* t) {
    g_lock.unlock();  // taken by the task that switched to us
    proc::first_run(t);
}

namespace {

// The LAPIC timer's frequency against the TSC clock (kernel/time.hpp): 2 ms of spinning,
// where timer_calibrate() waits 20 ms in the monitor (a tenth of a boot's budget).
uint64_t calibrate_quick() {
    apic::init_cpu(this_cpu());
    apic::write(apic::kRegTimerDivide, 0xb);
    apic::write(apic::kRegLvtTimer, kLvtMasked | VECTOR_TIMER);
    apic::write(apic::kRegTimerInitial, 0xffffffffu);
    const uint64_t t0 = now_ns();
    const uint32_t c0 = apic::read(apic::kRegTimerCurrent);
    while (now_ns() - t0 < 2'000'000) cpu::pause();
    const uint32_t c1 = apic::read(apic::kRegTimerCurrent);
    const uint64_t t1 = now_ns();
    apic::write(apic::kRegTimerInitial, 0);
    if (t1 <= t0 || c1 >= c0) return 0;
    const uint64_t hz = uint64_t(c0 - c1) * 1'000'000'000ull / (t1 - t0);
    return hz < 1'000'000 ? 0 : hz;
}

}  // namespace

bool init() {
    // The monitor knows the clock (KVM's LAPIC bus); without it (QEMU's PVH boot), measure.
    g_apic_hz = uint64_t(g_boot.lapic_timer_khz) * 1000;
    if (g_apic_hz == 0) g_apic_hz = calibrate_quick();
    if (g_apic_hz == 0) g_apic_hz = timer_calibrate();  // the slow way, against the monitor
    if (g_apic_hz == 0 || g_apic_hz >= (uint64_t(1) << 32)) return false;
    g_ticks_per_ns = (g_apic_hz << 32) / 1'000'000'000u;
    trap_set_timer_handler(on_timer);
    trap_set_irq_handler(VECTOR_RESCHED, on_resched);
    trap_set_irq_handler(VECTOR_TLB, on_tlb);
    mm::install_fault_hook();
    return true;
}

void init_cpu(PerCpu* cpu) {
    apic::init_cpu(cpu);
    apic::write(apic::kRegTimerDivide, 0xb);        // divide by 1
    apic::write(apic::kRegLvtTimer, VECTOR_TIMER);  // one-shot, unmasked
    apic::write(apic::kRegTimerInitial, 0);
    Task* idle = knew<Task>();
    if (!idle) return;  // the vCPU then only runs its boot stack: it parks
    idle->is_idle = true;
    idle->state = TaskState::Running;
    uint64_t rsp;
    asm volatile("mov %%rsp, %0" : "=r"(rsp));
    idle->kstack = reinterpret_cast<uint8_t*>(rsp & ~uint64_t(CPU_BLOCK_SIZE - 1));
    idle->on_cpu = cpu->index;
    cpu->idle = idle;
    cpu->current = idle;
}

void start(Task* t) {
    if (t->saved_rsp == 0) {  // never ran: return from switch_stacks into task_first_entry
        uint64_t* sp = reinterpret_cast<uint64_t*>(t->frame);
        sp -= 8;
        sp[0] = 0;                                              // r15
        sp[1] = 0;                                              // r14
        sp[2] = 0;                                              // r13
        sp[3] = reinterpret_cast<uint64_t>(t);                  // r12: the argument
        sp[4] = 0;                                              // rbx
        sp[5] = 0;                                              // rbp
        sp[6] = reinterpret_cast<uint64_t>(&task_first_entry);  // return address
        sp[7] = 0;                                              // alignment
        t->saved_rsp = reinterpret_cast<uint64_t>(sp);
    }
    LockGuard guard(g_lock);
    t->state = TaskState::Blocked;
    make_runnable(t, 0);
}

void schedule(bool force) {
    PerCpu* cpu = this_cpu();
    if (!force && !cpu->need_resched) return;
    cpu->need_resched = 0;
    Task* prev = cpu->current;
    g_lock.lock();
    if (!prev->is_idle && prev->state == TaskState::Running) {
        prev->state = TaskState::Runnable;
        enqueue(prev);
    }
    Task* next = pick(cpu);
    if (next == prev) {
        prev->state = TaskState::Running;
        g_lock.unlock();
        return;
    }
    if (prev->is_idle) prev->state = TaskState::Running;  // idle is never queued
    switch_to(prev, next);
    g_lock.unlock();
}

int wait(WaitQueue& queue, SpinLock& lock, uint64_t deadline_ns) {
    PerCpu* cpu = this_cpu();
    Task* t = cpu->current;
    g_lock.lock();
    t->waiting_on = &queue;
    t->wait_next = queue.head;  // LIFO is fine: every waiter re-checks its condition
    queue.head = t;
    lock.unlock();
    if (proc::signal_pending(t)) {
        t->wake_reason = -linux_errno::EINTR;
    } else {
        t->state = TaskState::Blocked;
        t->wake_reason = 0;
        t->wake_at_ns = deadline_ns;
        if (deadline_ns) sleeper_insert(t);
        switch_to(t, pick(cpu));
    }
    g_lock.unlock();
    lock.lock();
    if (t->waiting_on) {  // timed out or interrupted: still linked
        for (Task** link = &queue.head; *link; link = &(*link)->wait_next) {
            if (*link == t) {
                *link = t->wait_next;
                break;
            }
        }
        t->waiting_on = nullptr;
    }
    return t->wake_reason;
}

int sleep_until(uint64_t deadline_ns) {
    WaitQueue queue;
    SpinLock lock;
    lock.lock();
    const int r = wait(queue, lock, deadline_ns);
    lock.unlock();
    return r == -linux_errno::ETIMEDOUT ? 0 : r;
}

void wake_one(WaitQueue& queue) {
    while (Task* t = queue.head) {
        queue.head = t->wait_next;
        t->waiting_on = nullptr;
        LockGuard guard(g_lock);
        if (t->state == TaskState::Blocked) {
            make_runnable(t, 0);
            return;
        }
    }
}

void wake_all(WaitQueue& queue) {
    while (Task* t = queue.head) {
        queue.head = t->wait_next;
        t->waiting_on = nullptr;
        LockGuard guard(g_lock);
        make_runnable(t, 0);
    }
}

void interrupt(Task* t) {
    LockGuard guard(g_lock);
    if (t->state == TaskState::Blocked) {
        make_runnable(t, -linux_errno::EINTR);
    } else if (t->state == TaskState::Running && t->on_cpu != this_cpu()->index) {
        // Running user code elsewhere: make it enter the kernel and see the signal.
        apic::send_ipi(cpu_by_index(t->on_cpu)->apic_id, VECTOR_RESCHED);
    }
}

void exit_current() {
    PerCpu* cpu = this_cpu();
    Task* t = cpu->current;
    g_lock.lock();
    t->state = TaskState::Dead;
    switch_to(t, pick(cpu));
    __builtin_unreachable();
}

bool others_runnable() {
    return __atomic_load_n(&g_head, __ATOMIC_RELAXED) != nullptr;
}

void idle_loop() {
    PerCpu* cpu = this_cpu();
    for (;;) {
        g_lock.lock();
        if (g_head) {
            g_lock.unlock();
            schedule(true);
            continue;
        }
        g_lock.unlock();
        // Nothing to run: the moment for slow upkeep (a reseed from the entropy device waits
        // ~0.1-1 ms on the monitor), then look again before halting.
        if (random_upkeep()) continue;
        g_lock.lock();
        if (g_head) {
            g_lock.unlock();
            continue;
        }
        g_idle_mask |= 1ull << cpu->index;
        rearm(nullptr);
        g_lock.unlock();
        irq::idle_halt();
        g_lock.lock();
        g_idle_mask &= ~(1ull << cpu->index);
        wake_expired();
        g_lock.unlock();
        run_kernel_timer();
    }
}

void set_kernel_timer(void (*fn)(uint64_t)) {
    g_kernel_timer = fn;
}

void kernel_timer_at(uint64_t deadline_ns) {
    uint64_t old = __atomic_load_n(&g_kernel_deadline, __ATOMIC_ACQUIRE);
    for (;;) {
        if (deadline_ns != 0 && old != 0 && old <= deadline_ns) return;  // armed earlier
        if (__atomic_compare_exchange_n(&g_kernel_deadline, &old, deadline_ns, false,
                                        __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE)) {
            break;
        }
    }
    // This vCPU's LAPIC timer, if it would fire later. Whatever this vCPU does next arms its
    // timer with the kernel deadline included (arm()), so one vCPU always watches it.
    // (A timer_deadline in the past has fired: the LAPIC timer is idle then.)
    PerCpu* cpu = this_cpu();
    const uint64_t armed = cpu->timer_deadline;
    if (deadline_ns != 0 && (armed == 0 || armed <= now_ns() || deadline_ns < armed)) {
        LockGuard guard(g_lock);
        rearm(cpu->current);
    }
}

uint64_t now_ns() {
    return time_monotonic_ns();
}

void wait_until_dead(Task* t) {
    for (;;) {
        g_lock.lock();
        const bool dead = t->state == TaskState::Dead;
        g_lock.unlock();
        if (dead) return;
        cpu::pause();
    }
}

}  // namespace sched
