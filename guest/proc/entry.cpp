// Where user mode enters the kernel (arch/isr.S, arch/user_entry.S call these on the thread's
// kernel stack) and the one way back.
#include "abi/errno.hpp"
#include "arch/cpu.hpp"
#include "arch/entry_area.hpp"
#include "arch/percpu.hpp"
#include "arch/traps.hpp"
#include "arch/user.hpp"
#include "arch/vmem.hpp"
#include "kernel/string.hpp"
#include "mm/aspace.hpp"
#include "mm/usercopy.hpp"
#include "proc/process.hpp"
#include "proc/sched.hpp"
#include "proc/signal.hpp"
#include "proc/task.hpp"
#include "syscalls/dispatch.hpp"

namespace {

constexpr uint64_t kScrubBytes = 256;

// The frames user mode left on the entry area's stacks stay readable by whatever process runs
// on this vCPU next: wipe them (arch/layout.h: RSP0 stack in page 1, IRQ stack in pages 2-3).
void scrub_entry_stacks(PerCpu* cpu) {
    uint8_t* area = vmem::from_gpa<uint8_t>(cpu->entry_gpa);
    memset(area + (ENTRY_RSP0_TOP - ENTRY_AREA) - kScrubBytes, 0, kScrubBytes);
    memset(area + 0x2000, 0, 0x2000);  // the IRQ stack, whole: kernel-mode handlers use it too
    cpu->irq_stack_dirty = 0;
}

void exception_to_signal(Task* t, TrapFrame* f) {
    switch (f->vector) {
        case 14: {
            const uint64_t cr2 = cpu::read_cr2();
            const int r = t->proc && t->proc->as ? mm::handle_fault(t->proc->as, cr2, f->error)
                                                 : -linux_errno::EFAULT;
            if (r == 0) return;
            if (r == -linux_errno::ENOMEM) return proc::user_fault(t, sig::SIGKILL, 0, cr2);
            if (r == -linux_errno::EIO)
                return proc::user_fault(t, sig::SIGBUS, 2 /* BUS_ADRERR */, cr2);
            return proc::user_fault(t, sig::SIGSEGV,
                                    r == -linux_errno::EACCES ? sig::SEGV_ACCERR : sig::SEGV_MAPERR,
                                    cr2);
        }
        case 0:  // #DE
            return proc::user_fault(t, sig::SIGFPE, 1 /* FPE_INTDIV */, f->rip);
        case 16:  // #MF
        case 19:  // #XM
            return proc::user_fault(t, sig::SIGFPE, 7 /* FPE_FLTINV */, f->rip);
        case 1:
        case 3:
            return proc::user_fault(t, sig::SIGTRAP, 0, f->rip);
        case 6:
            return proc::user_fault(t, sig::SIGILL, 2 /* ILL_ILLOPN */, f->rip);
        case 17:
            return proc::user_fault(t, sig::SIGBUS, 1 /* BUS_ADRALN */, f->rip);
        default:  // #GP (privileged instructions, int n, non-canonical), #SS, #NP...
            return proc::user_fault(t, sig::SIGSEGV, sig::SI_KERNEL, 0);
    }
}

// User-mode time: from the return to user mode to this entry into the kernel.
void account_user_time(Task* t) {
    if (t->user_since_ns != 0) t->user_ns += sched::now_ns() - t->user_since_ns;
}

}  // namespace

extern "C" [[noreturn]] void syscall_trap(TrapFrame* f) {
    Task* t = current();
    account_user_time(t);
    f->rax = uint64_t(syscalls::dispatch(t, f));
    proc::return_to_user(t);
}

extern "C" [[noreturn]] void user_trap(TrapFrame* f) {
    PerCpu* cpu = this_cpu();
    Task* t = cpu->current;
    account_user_time(t);
    scrub_entry_stacks(cpu);
    if (f->vector >= 32) {
        trap_dispatch(f);  // the interrupt's handler (EOI, need_resched, TLB flush...)
    } else {
        exception_to_signal(t, f);
    }
    t->full_restore = true;  // interrupted anywhere: every register matters
    proc::return_to_user(t);
}

namespace proc {

void first_run(Task* t) {
    if (t->set_child_tid) put_user<uint32_t>(t->set_child_tid, uint32_t(t->tid));
    return_to_user(t);
}

void return_to_user(Task* t) {
    for (;;) {
        PerCpu* cpu = this_cpu();
        if (cpu->need_resched) sched::schedule();
        if (t->proc->stopped) wait_while_stopped(t);
        if (!signal_pending(t) || !deliver_one(t)) break;
    }
    if (t->syscall_nr >= 0 && int64_t(t->frame->rax) == -syscalls::kRestartSys) {
        t->frame->rax = uint64_t(t->syscall_nr);  // no handler ran: restart transparently
        t->frame->rip -= 2;
    }
    t->syscall_nr = -1;
    if (t->sigsuspend_active) {  // no handler ran: the old mask comes back now
        t->sig_blocked = t->sigsuspend_saved;
        t->sigsuspend_active = false;
    }
    PerCpu* cpu = this_cpu();
    if (cpu->irq_stack_dirty) scrub_entry_stacks(cpu);
    const bool all = t->full_restore;
    t->full_restore = false;
    t->user_since_ns = sched::now_ns();
    user::exit_to_user(t->frame, all);
}

}  // namespace proc
