// Trap dispatch: external interrupts go to their handlers; exceptions are either recovered
// (an armed FaultRecord) or reported and turned into HC_SHUTDOWN(CRASH, vector).
#include "arch/traps.hpp"

#include "arch/apic.hpp"
#include "arch/cpu.hpp"
#include "arch/layout.h"
#include "arch/percpu.hpp"
#include "arch/pvm.hpp"
#include "domus/abi/hypercall.h"
#include "kernel/console.hpp"
#include "kernel/platform.hpp"

namespace {

IrqHandler g_irq_handlers[256] = {};
PageFaultHandler g_page_fault_handler = nullptr;

const char* const kExceptionNames[32] = {
    "#DE divide error",
    "#DB debug",
    "NMI",
    "#BP breakpoint",
    "#OF overflow",
    "#BR bound range",
    "#UD invalid opcode",
    "#NM no FPU",
    "#DF double fault",
    "coprocessor overrun",
    "#TS invalid TSS",
    "#NP segment not present",
    "#SS stack fault",
    "#GP general protection",
    "#PF page fault",
    "reserved 15",
    "#MF x87 error",
    "#AC alignment check",
    "#MC machine check",
    "#XM SIMD error",
    "#VE virtualization",
    "#CP control protection",
    "reserved 22",
    "reserved 23",
    "reserved 24",
    "reserved 25",
    "reserved 26",
    "reserved 27",
    "#HV hypervisor injection",
    "#VC VMM communication",
    "#SX security",
    "reserved 31",
};

[[noreturn]] void report_and_crash(const TrapFrame* f, uint32_t vcpu, uint64_t cr2) {
    if (f->vector == 14) {
        kprintf_panic(
            "guest: exception %lu (%s) on vcpu %u: rip=0x%lx err=0x%lx cr2=0x%lx rsp=0x%lx\n",
            f->vector, exception_name(f->vector), vcpu, f->rip, f->error, cr2, f->rsp);
    } else {
        kprintf_panic("guest: exception %lu (%s) on vcpu %u: rip=0x%lx err=0x%lx rsp=0x%lx\n",
                      f->vector, exception_name(f->vector), vcpu, f->rip, f->error, f->rsp);
    }
    platform_shutdown(DOMUS_SHUTDOWN_CRASH, uint32_t(f->vector));
}

}  // namespace

const char* exception_name(uint64_t vector) {
    return vector < 32 ? kExceptionNames[vector] : "interrupt";
}

void trap_set_timer_handler(IrqHandler handler) {
    g_irq_handlers[VECTOR_TIMER] = handler;
}

void trap_set_irq_handler(uint8_t vector, IrqHandler handler) {
    g_irq_handlers[vector] = handler;
}

void trap_set_page_fault_handler(PageFaultHandler handler) {
    g_page_fault_handler = handler;
}

FaultRecord* fault_expect() {
    FaultRecord* r = &this_cpu()->fault;
    *r = FaultRecord{};
    r->armed = 1;
    cpu::barrier();
    return r;
}

bool fault_done(FaultRecord* r) {
    cpu::barrier();
    r->armed = 0;
    return r->faulted != 0;
}

bool safe_rdmsr(uint32_t msr, uint64_t* value) {
    FaultRecord* r = fault_expect();
    uint32_t lo = 0, hi = 0;
    asm volatile(FAULT_ARM_RECOVERY("1f") "rdmsr\n1:"
                 : "+a"(lo), "+d"(hi), [recover] "=m"(r->recover_rip)
                 : "c"(msr)
                 : "r11", "memory");
    if (fault_done(r)) return false;
    *value = (uint64_t(hi) << 32) | lo;
    return true;
}

extern "C" void trap_dispatch(TrapFrame* f) {
    if (f->vector >= 32) {
        irq::on_interrupt_entry(f);
        this_cpu()->irq_stack_dirty = 1;
        if (f->vector == VECTOR_SPURIOUS) return;  // no EOI by definition
        if (IrqHandler h = g_irq_handlers[f->vector & 0xff]) {
            h(f);  // acknowledges (EOI) itself
        } else {
            apic::eoi();  // e.g. VECTOR_WAKE: the wake-up itself is the point
        }
        return;
    }

    const uint64_t cr2 = f->vector == 14 ? cpu::read_cr2() : 0;  // trapped on PVM: read once
    if (f->vector == 14 && g_page_fault_handler && g_page_fault_handler(f, cr2)) return;
    PerCpu* cpu = this_cpu();
    FaultRecord& r = cpu->fault;
    if (r.armed && r.recover_rip != 0) {
        r.vector = f->vector;
        r.error = f->error;
        r.rip = f->rip;
        r.cr2 = cr2;
        r.faulted = 1;
        r.armed = 0;
        f->rip = r.recover_rip;
        return;
    }
    report_and_crash(f, cpu->index, cr2);
}
