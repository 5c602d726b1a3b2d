/* Kernel context switch between two tasks' kernel stacks (proc/sched.cpp).
 *
 * switch_stacks(uint64_t* save_rsp, uint64_t new_rsp): saves the callee-saved registers on
 * the current stack, stores RSP in *save_rsp, loads new_rsp and pops the other task's.
 * A new task's stack is prepared so that the pops land in task_first_entry with R12 = the
 * argument for sched_task_start. */
    .text
    .code64
    .globl switch_stacks, task_first_entry
    .type switch_stacks, @function
switch_stacks:
    push %rbp
    push %rbx
    push %r12
    push %r13
    push %r14
    push %r15
    mov %rsp, (%rdi)
    mov %rsi, %rsp
    pop %r15
    pop %r14
    pop %r13
    pop %r12
    pop %rbx
    pop %rbp
    ret
    .size switch_stacks, . - switch_stacks

    .type task_first_entry, @function
task_first_entry:
    mov %r12, %rdi
    call sched_task_start       /* does not return */
    ud2
    .size task_first_entry, . - task_first_entry

    .section .note.GNU-stack, "", @progbits
