/* System call entry and the hardware-KVM returns to user mode. The PVM return is in
 * arch/pvm_user.S. All of it is in the entry section: it runs while the user's page table is
 * loaded, which maps only that section, the GDT/IDT/TSSs and the vCPU's entry area.
 *
 * syscall arrives at CPL0 with RCX = user RIP, R11 = user RFLAGS, RSP still the user's and
 * interrupts masked (FMASK clears IF; on PVM the interrupt-flag word is cleared). Only the
 * entry area is usable until the kernel page table is loaded, and its page 0 (kernel CR3,
 * kernel stack) is read-only to user code; the scratch word in page 1 is private to this vCPU.
 * The frame built on the thread's kernel stack is a TrapFrame with vector VECTOR_SYSCALL. */
#include "arch/layout.h"
#include "arch/gpr_frame.inc"

    .section .entry.text, "ax", @progbits
    .code64

    .globl syscall_entry
    .p2align 4
syscall_entry:
    cmp $SYSCALL_FLOOR_CR3, %rax
    je syscall_floor_cr3
    cmp $SYSCALL_FLOOR_BARE, %rax
    je syscall_floor_bare
syscall_normal:
    mov %rax, ENTRY_SCRATCH_RAX
    mov ENTRY_KERNEL_CR3, %rax
    mov %rax, %cr3
    mov %rsp, %rax
    mov ENTRY_KERNEL_RSP, %rsp
    pushq $GDT_USER_DS          /* ss */
    push %rax                   /* rsp */
    push %r11                   /* rflags */
    pushq $GDT_USER_CS          /* cs */
    push %rcx                   /* rip */
    pushq $0                    /* error */
    pushq $VECTOR_SYSCALL       /* vector */
    mov ENTRY_SCRATCH_RAX, %rax
    movq $0, ENTRY_SCRATCH_RAX
    PUSH_GPRS
    mov %rsp, %rdi
    call syscall_trap           /* does not return */
    ud2

/* The platform floor (arch/layout.h). RAX is free: the result is 0. The user-page-table part of
 * the CR3 variant lies in the window arch/isr.S recognises (syscall_floor_user_view..end), as
 * an interrupt may arrive once the PVM interrupt-flag word is set. */
syscall_floor_bare:
    cmpq $0, ENTRY_BENCH_FLOOR
    je syscall_normal           /* disabled: the ordinary path answers -ENOSYS */
    xor %eax, %eax
    sysretq

syscall_floor_cr3:
    mov ENTRY_KERNEL_CR3, %rax
    mov %rax, %cr3
    mov ENTRY_FLAG_WORD, %rax
    test %rax, %rax
    jz 1f
    movq $1, (%rax)             /* PVM: syscall cleared it and sysretq will not set it */
1:  mov ENTRY_USER_CR3, %rax
    mov %rax, %cr3
    .globl syscall_floor_user_view, syscall_floor_end
syscall_floor_user_view:
    xor %eax, %eax
    sysretq
syscall_floor_end:

/* hw_user_exit_sysret(frame): hardware KVM, RCX and R11 need not survive (a system call
 * return, or a frame the caller arranged so): sysretq sets IF from R11 atomically. */
    .globl hw_user_exit_sysret
    .p2align 4
hw_user_exit_sysret:
    LOAD_SYSRET_FRAME
    mov ENTRY_USER_CR3, %rax
    mov %rax, %cr3
    mov ENTRY_SCRATCH_RAX, %rax
    movq $0, ENTRY_SCRATCH_RAX
    mov ENTRY_SCRATCH_RSP, %rsp
    movq $0, ENTRY_SCRATCH_RSP
    sysretq

/* hw_user_exit_iret(frame): hardware KVM, every register restored (interrupt and exception
 * returns, signal delivery, sigreturn). The iret frame is copied to the RSP0 stack, which is
 * mapped in the user page table too. */
    .globl hw_user_exit_iret
    .p2align 4
hw_user_exit_iret:
    mov %rdi, %rsp
    POP_GPRS
    add $16, %rsp
    mov %rax, ENTRY_SCRATCH_RAX
    mov 32(%rsp), %rax
    mov %rax, ENTRY_RSP0_TOP - 8
    mov 24(%rsp), %rax
    mov %rax, ENTRY_RSP0_TOP - 16
    mov 16(%rsp), %rax
    mov %rax, ENTRY_RSP0_TOP - 24
    mov 8(%rsp), %rax
    mov %rax, ENTRY_RSP0_TOP - 32
    mov (%rsp), %rax
    mov %rax, ENTRY_RSP0_TOP - 40
    mov $(ENTRY_RSP0_TOP - 40), %rsp
    mov ENTRY_USER_CR3, %rax
    mov %rax, %cr3
    mov ENTRY_SCRATCH_RAX, %rax
    movq $0, ENTRY_SCRATCH_RAX
    iretq

    .section .note.GNU-stack, "", @progbits
