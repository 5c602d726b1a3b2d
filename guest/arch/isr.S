/* Interrupt and exception entry stubs.
 *
 * Every stub leaves the same frame (struct TrapFrame in arch/traps.hpp): the hardware frame,
 * an error code (a dummy 0 where the CPU pushes none) and the vector, then all 15 GPRs. The
 * stubs are in the entry section (mapped in every user page table) because an event in user
 * mode arrives with the user's page table still loaded (the host never switches CR3):
 *
 *  - from user mode (CS RPL 3; on RSP0 or the IST_IRQ stack of the entry area): load the
 *    kernel page table of the current address space, move the frame to the thread's kernel
 *    stack and call user_trap(frame), which returns to user mode itself (arch/user.cpp);
 *  - from kernel mode: save the GPRs where we are, call trap_dispatch(frame), iretq. External
 *    interrupts always run on the IST_IRQ stack. One of them may arrive inside the last
 *    instructions of the PVM return to user mode (arch/pvm_user.S), after the user page table
 *    is loaded: that window is recognised by RIP, and the handler runs on the kernel page table
 *    and puts the user one back before returning into the window.
 *
 * On PVM, iretq to kernel mode also restores the interrupt-flag word from the saved IF. The
 * frame is 176 bytes and the CPU aligns RSP to 16 before pushing, so calls are made on a
 * 16-byte aligned stack. No FPU/SSE state is saved: the kernel is built with
 * -mgeneral-regs-only (user FPU state is switched with the thread, proc/task.cpp). */
#include "arch/layout.h"
#include "arch/gpr_frame.inc"

    .section .entry.text, "ax", @progbits
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
    ISR tlb, VECTOR_TLB
    ISR resched, VECTOR_RESCHED
    ISR event, VECTOR_EVENT
    ISR spurious, VECTOR_SPURIOUS
.irp d, 0,1,2,3,4,5,6,7
    ISR device\d, (VECTOR_DEVICE_BASE + \d)
.endr

    /* [rsp] vector, 8 error, 16 rip, 24 cs, 32 rflags, 40 rsp, 48 ss */
    .p2align 4
isr_common:
    testb $3, 24(%rsp)
    jnz isr_from_user
    cmpq $syscall_floor_user_view, 16(%rsp)
    jb 1f
    cmpq $syscall_floor_end, 16(%rsp)
    jb isr_user_view
1:  cmpq $pvm_exit_user_view, 16(%rsp)
    jb isr_kernel
    cmpq $pvm_exit_end, 16(%rsp)
    jae isr_kernel
isr_user_view:
    /* In a PVM exit window with the user page table loaded. */
    push %rax
    mov ENTRY_KERNEL_CR3, %rax
    mov %rax, %cr3
    pop %rax
    PUSH_GPRS
    mov %rsp, %rdi
    cld
    call trap_dispatch
    POP_GPRS
    push %rax
    mov ENTRY_USER_CR3, %rax
    mov %rax, %cr3
    pop %rax
    add $16, %rsp
    iretq

isr_kernel:
    PUSH_GPRS
    mov %rsp, %rdi
    cld
    call trap_dispatch
    POP_GPRS
    add $16, %rsp               /* vector and error code */
    iretq

isr_from_user:
    push %rax
    mov ENTRY_KERNEL_CR3, %rax
    mov %rax, %cr3
    push %rbx
    mov %rsp, %rbx              /* [rbx] rbx, 8 rax, 16 vector, 24 error, 32 rip .. 64 ss */
    mov ENTRY_KERNEL_RSP, %rsp
    pushq 64(%rbx)
    pushq 56(%rbx)
    pushq 48(%rbx)
    pushq 40(%rbx)
    pushq 32(%rbx)
    pushq 24(%rbx)
    pushq 16(%rbx)
    pushq 8(%rbx)               /* rax */
    mov (%rbx), %rbx
    PUSH_GPRS_AFTER_RAX
    mov %rsp, %rdi
    cld
    call user_trap              /* does not return: it leaves through a user exit */
    ud2

    /* Stub addresses for idt.cpp: exceptions 0..31, then timer, wake, tlb, resched, event,
     * spurious, the 8 device vectors. */
    .section .rodata
    .p2align 3
    .globl isr_stub_table
isr_stub_table:
.irp v, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31
    .quad isr_\v
.endr
    .quad isr_timer
    .quad isr_wake
    .quad isr_tlb
    .quad isr_resched
    .quad isr_event
    .quad isr_spurious
.irp d, 0,1,2,3,4,5,6,7
    .quad isr_device\d
.endr

    .section .note.GNU-stack, "", @progbits
