/* The Domus (monitor) boot path after the PVM preamble in arch/pvm.S: pick this vCPU's
 * stack and enter C++. Every vCPU arrives here at the same time, in 64-bit mode, with
 * RDI = boot-info GPA, RSI = vCPU index, RDX = registration page GPA (or 0), RSP = 0. */
#include "arch/layout.h"

    .text
    .code64
    .globl domus_entry64
    .type domus_entry64, @function
domus_entry64:
    cld
    /* The index selects a stack: refuse any index we have no stack for. */
    cmp $GUEST_MAX_VCPUS, %rsi
    jae park_forever
    mov %rsi, %rax
    shl $CPU_BLOCK_SHIFT, %rax
    /* Top of cpu_blocks[index]: the kernel stack is the highest part of the block. */
    lea cpu_blocks + CPU_BLOCK_SIZE(%rax), %rsp
    lea cpu_blocks(%rax), %rax
    mov %rax, (%rax)            /* PerCpu::self, which this_cpu() loads */
    xor %ebp, %ebp
    call domus_main             /* (boot_info, index, reg_page); does not return */
    jmp park_forever
    .size domus_entry64, . - domus_entry64

/* Stop this vCPU for good. Interrupts were never unmasked on this path (the PVM flag word
 * is 0 and RFLAGS.IF is 0 at boot), so hlt does not return. */
    .globl park_forever
    .type park_forever, @function
park_forever:
    hlt
    jmp park_forever
    .size park_forever, . - park_forever

    .section .note.GNU-stack, "", @progbits
