/* Interrupt and exception entry stubs.
 *
 * Every stub leaves the same frame (struct TrapFrame in arch/traps.hpp): the hardware frame,
 * an error code (a dummy 0 where the CPU pushes none) and the vector, then all 15 GPRs saved
 * by isr_common, which calls trap_dispatch(frame) and returns with iretq (on PVM, iretq also
 * restores the interrupt flag word from the saved RFLAGS.IF). The frame is 176 bytes and the
 * CPU aligns RSP to 16 before pushing, so the call below is made on a 16-byte aligned stack.
 * No FPU/SSE state is saved: the kernel is built with -mgeneral-regs-only. */
#include "arch/layout.h"

    .text
    .code64

.macro ISR name, vector
    .p2align 4
isr_\name:
    .if (\vector == 8) || (\vector == 10) || (\vector == 11) || (\vector == 12) || (\vector == 13) || (\vector == 14) || (\vector == 17) || (\vector == 21) || (\vector == 29) || (\vector == 30)
    /* the CPU pushed an error code */
    .else
    pushq $0
    .endif
    pushq $\vector
    jmp isr_common
.endm

.irp v, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31
    ISR \v, \v
.endr
    ISR timer, VECTOR_TIMER
    ISR wake, VECTOR_WAKE
    ISR spurious, VECTOR_SPURIOUS

    .p2align 4
isr_common:
    push %rax
    push %rbx
    push %rcx
    push %rdx
    push %rsi
    push %rdi
    push %rbp
    push %r8
    push %r9
    push %r10
    push %r11
    push %r12
    push %r13
    push %r14
    push %r15
    mov %rsp, %rdi
    cld
    call trap_dispatch
    pop %r15
    pop %r14
    pop %r13
    pop %r12
    pop %r11
    pop %r10
    pop %r9
    pop %r8
    pop %rbp
    pop %rdi
    pop %rsi
    pop %rdx
    pop %rcx
    pop %rbx
    pop %rax
    add $16, %rsp               /* vector and error code */
    iretq

    /* Stub addresses for idt.cpp: exceptions 0..31, then timer, wake, spurious. */
    .section .rodata
    .p2align 3
    .globl isr_stub_table
isr_stub_table:
.irp v, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31
    .quad isr_\v
.endr
    .quad isr_timer
    .quad isr_wake
    .quad isr_spurious

    .section .note.GNU-stack, "", @progbits
