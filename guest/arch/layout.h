/* Constants shared by the guest's assembly and C++ (macros only, so .S files can include it). */
#ifndef DOMUS_GUEST_ARCH_LAYOUT_H
#define DOMUS_GUEST_ARCH_LAYOUT_H

/* Each vCPU owns one naturally aligned block: [PerCpu | IST stacks | kernel stack].
 * Because the block is aligned to its size, `rsp & ~(CPU_BLOCK_SIZE - 1)` finds the
 * current vCPU's PerCpu from any of its stacks without an MSR (no GS base needed). */
#define CPU_BLOCK_SHIFT 15
#define CPU_BLOCK_SIZE (1 << CPU_BLOCK_SHIFT) /* 32 KiB */
#define CPU_PERCPU_SIZE 512                   /* PerCpu struct, padded */
#define CPU_IST_SIZE 1792                     /* each of the two IST stacks (#DF, NMI) */

/* Mirrors DOMUS_MAX_VCPUS in include/domus/abi/boot_info.h (checked by a static_assert). */
#define GUEST_MAX_VCPUS 64

/* GDT selectors: 0x10/0x18 match the monitor's boot GDT, so CS/SS stay valid across lgdt.
 * The user selectors follow from STAR (Linux's layout): sysretq loads CS = 0x23 + 16 and
 * SS = 0x23 + 8 with RPL 3. */
#define GDT_KERNEL_CS 0x10
#define GDT_KERNEL_DS 0x18
#define GDT_USER_CS32 0x23
#define GDT_USER_DS 0x2b
#define GDT_USER_CS 0x33
#define GDT_TSS_BASE 0x40 /* vCPU i's 16-byte TSS descriptor is at 0x40 + 16 * i */

/* The per-vCPU entry area (arch/entry_area.hpp): 16 KiB at the same virtual address on every
 * vCPU, each mapping its own pages, in both the kernel's and every user page table. Page 0
 * (read-only) holds what the user entry and exit paths need before the kernel page table is
 * loaded; page 1 the exception stack (RSP0) with the #DF stack below it and the scratch words;
 * pages 2-3 the interrupt stack (IST3) every external interrupt runs on. Reachable with 32-bit
 * sign-extended absolute addresses (PML4 slot 511, PDPT slot 511). */
#define ENTRY_AREA 0xffffffffc0000000
#define ENTRY_CPU (ENTRY_AREA + 0x00)         /* PerCpu* of this vCPU */
#define ENTRY_KERNEL_CR3 (ENTRY_AREA + 0x08)  /* kernel page table of the current address space */
#define ENTRY_USER_CR3 (ENTRY_AREA + 0x10)    /* user page table of the current address space */
#define ENTRY_KERNEL_RSP (ENTRY_AREA + 0x18)  /* top of the current thread's kernel stack */
#define ENTRY_FLAG_WORD (ENTRY_AREA + 0x20)   /* PVM: kernel address of the interrupt-flag word */
#define ENTRY_BENCH_FLOOR (ENTRY_AREA + 0x28) /* non-zero: SYSCALL_FLOOR_BARE is enabled */
#define ENTRY_SCRATCH_RAX (ENTRY_AREA + 0x1000)
#define ENTRY_SCRATCH_RSP (ENTRY_AREA + 0x1008)
#define ENTRY_DF_STACK_TOP (ENTRY_AREA + 0x1800)
#define ENTRY_RSP0_TOP (ENTRY_AREA + 0x2000)
#define ENTRY_IRQ_STACK_TOP (ENTRY_AREA + 0x4000)
#define IST_DOUBLE_FAULT 1
#define IST_NMI 2
#define IST_IRQ 3

/* Marker in TrapFrame::vector for a system call. */
#define VECTOR_SYSCALL 0x100

/* Domus-private system call numbers that measure the platform floor (bench/): they return 0
 * without entering the kernel proper. SYSCALL_FLOOR_CR3: syscall, the kernel page table and
 * back, sysretq (safe, always on). SYSCALL_FLOOR_BARE: syscall, sysretq at once - on the PVM
 * host the interrupt-flag word then stays clear until the next ordinary system call, so it is
 * only enabled with the kernel parameter bench_floor=1 (else -ENOSYS). */
#define SYSCALL_FLOOR_BARE 0x1d0
#define SYSCALL_FLOOR_CR3 0x1d1

/* Interrupt vectors beyond the 32 exceptions. */
#define VECTOR_TIMER 0x40
#define VECTOR_WAKE 0x41        /* IPI that wakes an idle AP */
#define VECTOR_TLB 0x42         /* IPI: flush this vCPU's TLB (address-space shootdown) */
#define VECTOR_RESCHED 0x43     /* IPI: run the scheduler on return (new runnable work) */
#define VECTOR_EVENT 0x44       /* the monitor posted DOMUS_EVENT_* (DOMUS_HC_EVENT_IRQ) */
#define VECTOR_DEVICE_BASE 0x50 /* 0x50..0x57: virtio device i (DOMUS_VIRTIO_VECTOR_BASE + i) */
#define VECTOR_DEVICE_COUNT 8
#define VECTOR_SPURIOUS 0xff

/* PVM backend MSRs (see docs/kvm-host.md). */
#define PVM_MSR_REGISTER 0x4b564d10
#define PVM_MSR_SIGNATURE 0x4b564d11
#define PVM_SIGNATURE 0x4d5650 /* "PVM" */

#endif
