// PVM host support, C++ half: probing, registration for the PVH path, interrupt masking.
#include "arch/pvm.hpp"

#include "arch/cpu.hpp"
#include "arch/layout.h"
#include "arch/percpu.hpp"
#include "arch/traps.hpp"
#include "arch/vmem.hpp"

extern "C" void pvm_idle_halt(volatile uint64_t* flag_word);
extern "C" const char pvm_halt_insn[];

namespace pvm {

bool probe() {
    uint64_t signature = 0;
    return safe_rdmsr(PVM_MSR_SIGNATURE, &signature) && signature == PVM_SIGNATURE;
}

void register_page(uint64_t page_gpa) {
    cpu::wrmsr(PVM_MSR_REGISTER, page_gpa);
}

}  // namespace pvm

namespace irq {

void init_cpu(PerCpu* cpu, uint64_t flag_page_gpa) {
    cpu->pvm_irq_flag = flag_page_gpa ? vmem::from_gpa<volatile uint64_t>(flag_page_gpa) : nullptr;
    disable();
}

void enable() {
    volatile uint64_t* flag = this_cpu()->pvm_irq_flag;
    cpu::barrier();
    if (flag) {
        *flag = 1;
    } else {
        asm volatile("sti" ::: "memory");
    }
}

void disable() {
    volatile uint64_t* flag = this_cpu()->pvm_irq_flag;
    if (flag) {
        *flag = 0;
    } else {
        asm volatile("cli" ::: "memory");
    }
    cpu::barrier();
}

bool enabled() {
    volatile uint64_t* flag = this_cpu()->pvm_irq_flag;
    if (flag) return (*flag & 0xff) != 0;
    uint64_t rflags;
    asm volatile("pushfq\n\tpopq %0" : "=r"(rflags));  // hardware only: valid there
    return (rflags & 0x200) != 0;
}

void idle_halt() {
    volatile uint64_t* flag = this_cpu()->pvm_irq_flag;
    if (flag) {
        pvm_idle_halt(flag);
        *flag = 0;
    } else {
        // sti's one-instruction shadow makes "sti; hlt" atomic with respect to interrupts.
        asm volatile("sti\n\thlt\n\tcli" ::: "memory");
    }
    cpu::barrier();
}

void on_interrupt_entry(TrapFrame* frame) {
    // Interrupted after pvm_idle_halt unmasked but before its hlt ran: skip the hlt (1 byte)
    // so the waiter re-checks its condition instead of sleeping through this wake-up.
    if (frame->rip == reinterpret_cast<uint64_t>(pvm_halt_insn)) frame->rip += 1;
}

}  // namespace irq
