// Interrupt and exception dispatch, the crash report, and the "expected fault" mechanism that
// lets code run one instruction that may fault and resume at a recovery address.
#pragma once

#include <stdint.h>

// The stack frame built by arch/isr.S (lowest address first).
struct TrapFrame {
    uint64_t r15, r14, r13, r12, r11, r10, r9, r8, rbp, rdi, rsi, rdx, rcx, rbx, rax;
    uint64_t vector, error;
    uint64_t rip, cs, rflags, rsp, ss;  // pushed by the CPU
};
static_assert(sizeof(TrapFrame) == 176, "must match arch/isr.S");

// A per-vCPU fixup record. Usage (see FAULT_ARM_RECOVERY):
//     FaultRecord* r = fault_expect();
//     asm volatile(FAULT_ARM_RECOVERY("1f") "ud2\n1:" : [recover] "=m"(r->recover_rip) ...);
//     bool faulted = fault_done(r);
// The asm stores the recovery address immediately before the instruction; if an exception
// arrives while the record is armed, the handler records it and resumes there instead of
// crashing. Only exceptions (vectors 0..31) are recovered; the record disarms on first use.
struct FaultRecord {
    uint64_t recover_rip;
    uint64_t vector, error, rip, cr2;
    uint8_t armed, faulted;
};

// Clobbers r11; the asm statement needs [recover] "=m"(record->recover_rip).
#define FAULT_ARM_RECOVERY(label) "leaq " label "(%%rip), %%r11\n\tmovq %%r11, %[recover]\n\t"

FaultRecord* fault_expect();
bool fault_done(FaultRecord* record);  // disarms; true if the instruction faulted

// rdmsr that returns false instead of crashing on #GP (probing MSRs that may not exist).
bool safe_rdmsr(uint32_t msr, uint64_t* value);

const char* exception_name(uint64_t vector);

// Interrupt handlers registered by other modules (one each, set at init).
using IrqHandler = void (*)(TrapFrame*);
void trap_set_timer_handler(IrqHandler handler);
void trap_set_irq_handler(uint8_t vector, IrqHandler handler);

// Called first for every kernel-mode #PF with CR2: true when it resolved the fault (a user page
// brought in or copied on write) and the instruction can simply be retried.
using PageFaultHandler = bool (*)(TrapFrame*, uint64_t cr2);
void trap_set_page_fault_handler(PageFaultHandler handler);

extern "C" void trap_dispatch(TrapFrame* frame);
