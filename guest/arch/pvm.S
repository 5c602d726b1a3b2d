/* PVM host support, assembly half (the C++ half is arch/pvm.cpp).
 *
 * On the PVM backend every instruction the guest runs at CPL0 is emulated (~0.8 M
 * instructions/s) until the vCPU registers its page with wrmsr(0x4b564d10, GPA); after that
 * it runs natively. So the ELF entry point starts with the registration and nothing else:
 * seven instructions, no memory access, no stack (RSP = 0 at entry).
 *
 * Boot registers (include/domus/abi/boot_info.h): RDI = boot-info GPA, RSI = vCPU index,
 * RDX = this vCPU's registration page GPA on the PVM host, else 0. All three are passed on
 * unchanged to domus_entry64 (arch/entry.S). */
#include "arch/layout.h"

    .section .text.entry, "ax", @progbits
    .code64
    .globl _start
    .type _start, @function
_start:
    test %rdx, %rdx
    jz 1f
    mov %rdx, %r8               /* keep the GPA: wrmsr consumes EDX:EAX */
    mov %edx, %eax
    shr $32, %rdx
    mov $PVM_MSR_REGISTER, %ecx /* GPA is page aligned, so the flags in bits 0..11 are 0 */
    wrmsr
    mov %r8, %rdx
1:  jmp domus_entry64
    .size _start, . - _start

/* pvm_idle_halt(flag_word): unmask interrupts through the flag word, then hlt.
 *
 * On PVM, sti does not gate delivery, so there is no "sti; hlt" interrupt shadow: an
 * interrupt may arrive between the store and the hlt, and its handler would run before the
 * hlt, which would then sleep past the wake-up it was waiting for. The interrupt entry path
 * closes that window: pvm_irq_entry_fixup() (pvm.cpp) moves a RIP of pvm_halt_insn past the
 * hlt, so the hlt is skipped and the caller re-checks its condition. */
    .text
    .globl pvm_idle_halt, pvm_halt_insn
    .type pvm_idle_halt, @function
pvm_idle_halt:
    movq $1, (%rdi)
pvm_halt_insn:
    hlt
    ret
    .size pvm_idle_halt, . - pvm_idle_halt

    .section .note.GNU-stack, "", @progbits
