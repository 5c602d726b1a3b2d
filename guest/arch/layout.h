/* Constants shared by the guest's assembly and C++ (macros only, so .S files can include it). */
#ifndef DOMUS_GUEST_ARCH_LAYOUT_H
#define DOMUS_GUEST_ARCH_LAYOUT_H

/* Each vCPU owns one naturally aligned block: [PerCpu | IST stacks | kernel stack].
 * Because the block is aligned to its size, `rsp & ~(CPU_BLOCK_SIZE - 1)` finds the
 * current vCPU's PerCpu from any of its stacks without an MSR (no GS base needed). */
#define CPU_BLOCK_SHIFT 14
#define CPU_BLOCK_SIZE (1 << CPU_BLOCK_SHIFT) /* 16 KiB */
#define CPU_PERCPU_SIZE 512                   /* PerCpu struct, padded */
#define CPU_IST_SIZE 1792                     /* each of the two IST stacks (#DF, NMI) */

/* Mirrors DOMUS_MAX_VCPUS in include/domus/abi/boot_info.h (checked by a static_assert). */
#define GUEST_MAX_VCPUS 64

/* GDT selectors: 0x10/0x18 match the monitor's boot GDT, so CS/SS stay valid across lgdt. */
#define GDT_KERNEL_CS 0x10
#define GDT_KERNEL_DS 0x18
#define GDT_TSS_BASE 0x20 /* vCPU i's 16-byte TSS descriptor is at 0x20 + 16 * i */

/* Interrupt vectors beyond the 32 exceptions. */
#define VECTOR_TIMER 0x40
#define VECTOR_WAKE 0x41 /* IPI that wakes an idle AP */
#define VECTOR_SPURIOUS 0xff

/* PVM backend MSRs (see docs/kvm-host.md). */
#define PVM_MSR_REGISTER 0x4b564d10
#define PVM_MSR_SIGNATURE 0x4b564d11
#define PVM_SIGNATURE 0x4d5650 /* "PVM" */

#endif
