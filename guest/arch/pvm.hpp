// Everything that differs on the PVM host (docs/kvm-host.md), C++ half; the entry-point
// registration preamble and the idle halt are in arch/pvm.S. Selected at run time by
// DOMUS_BOOT_FLAG_PVM_HOST (Domus path) or by probing (PVH path).
//
// Interrupt masking on PVM: cli/sti trap (3-4 us) and do NOT gate delivery. Interrupts are
// delivered only while the low byte of qword 0 of the vCPU's registration page is non-zero;
// delivery writes 0 there and iretq restores it from the saved RFLAGS.IF. pushf always shows
// IF=1, so interrupt state is never saved or restored with pushf/popf. On hardware KVM (and
// under QEMU TCG) the ordinary cli/sti/hlt are used.
#pragma once

#include <stdint.h>

struct PerCpu;
struct TrapFrame;

namespace pvm {

// PVH path only: true if rdmsr(0x4b564d11) returns the PVM signature. Fault-safe: on other
// hosts the MSR does not exist and the #GP is caught (needs the #GP gate loaded).
bool probe();

// PVH path only: switch this vCPU to native execution (the Domus path does this in _start).
void register_page(uint64_t page_gpa);

}  // namespace pvm

namespace irq {

// Binds this vCPU to its interrupt-flag word (flag_page_gpa != 0: PVM) or to cli/sti
// (flag_page_gpa == 0), and masks interrupts.
void init_cpu(PerCpu* cpu, uint64_t flag_page_gpa);

void enable();
void disable();
bool enabled();

// With interrupts masked, after checking the condition being waited for: unmask, halt until
// an interrupt has been handled, mask again. No wake-up is lost between check and halt.
void idle_halt();

// Called on every external interrupt before its handler (see pvm_idle_halt in pvm.S).
void on_interrupt_entry(TrapFrame* frame);

}  // namespace irq
