/* PVM host: the return to user mode (../shared/docs/pvm-ring3.md). The C++ half, which
 * prepares frames for it, is arch/pvm_user.cpp.
 *
 *  - Only sysretq reaches CPL3 (iretq to a CPL3 frame stays at CPL0).
 *  - sysretq does not restore the interrupt-flag word: store 1 in it first. From that store on
 *    an interrupt can arrive; it runs on the IST_IRQ stack of the entry area and comes back
 *    here (arch/isr.S recognises pvm_exit_user_view..pvm_exit_end, where the user page table
 *    is loaded). So RSP leaves the kernel stack before the store: that stack is not mapped in
 *    the user page table.
 *  - Every sysretq swaps GS_BASE and KERNEL_GS_BASE; the kernel keeps both equal to the
 *    user's GS base (arch/user.cpp), so the swap changes nothing.
 *  - A return that must restore RCX and R11 too goes through pvm_user_trampoline, with the
 *    user's RCX, R11 and RIP stored below the red zone of the user stack (pvm_user.cpp). */
#include "arch/layout.h"
#include "arch/gpr_frame.inc"

    .section .entry.text, "ax", @progbits
    .code64

    .globl pvm_user_exit, pvm_exit_user_view, pvm_exit_end, pvm_user_trampoline
    .globl pvm_user_trampoline_end
    .p2align 4
pvm_user_exit:
    LOAD_SYSRET_FRAME
    mov $ENTRY_RSP0_TOP, %rsp
    mov ENTRY_FLAG_WORD, %rax
    movq $1, (%rax)
    mov ENTRY_USER_CR3, %rax
    mov %rax, %cr3
pvm_exit_user_view:
    mov ENTRY_SCRATCH_RAX, %rax
    movq $0, ENTRY_SCRATCH_RAX
    mov ENTRY_SCRATCH_RSP, %rsp
    movq $0, ENTRY_SCRATCH_RSP
    sysretq
pvm_exit_end:

/* Runs at CPL3 with RSP = the user's RSP - 152: [rsp] RCX, [rsp+8] R11, [rsp+16] RIP. An
 * interrupt may arrive in the middle: the frame then says RIP = inside the trampoline, and the
 * return nests one more trampoline frame below this one, which finishes this one. */
    .p2align 4
pvm_user_trampoline:
    pop %rcx
    pop %r11
    ret $128
pvm_user_trampoline_end:

    .section .note.GNU-stack, "", @progbits
