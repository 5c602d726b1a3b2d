/* PVH boot path, used when another monitor (QEMU: -M microvm -kernel domus-guest.elf) boots
 * this ELF through its Xen PVH note instead of the Domus entry.
 *
 * PVH enters in 32-bit protected mode, paging off, flat segments, EBX = physical address of
 * struct hvm_start_info, no stack. On the PVM host this phase is emulated, so it runs no loop:
 * the page tables below are initialised statically (they cost 12 KiB of image) and the code
 * only switches to long mode and calls pvh_main (kernel/pvh_boot.cpp) on vCPU 0's stack.
 *
 * The kernel is linked at KVIRT + its physical address (linker.ld), so the 32-bit code below
 * names every symbol as `sym - KVIRT` (paging is off) and jumps to the linked address once
 * long mode is on.
 *
 * Page tables: the first 1 GiB with 2 MiB pages three times, as the Domus monitor's (ABI v2):
 * identity (the 32-bit to 64-bit switch runs there, and the xAPIC MMIO page), at the physmap
 * (PML4 slot 273) and at the kernel alias (PML4 511, PDPT 510). Every entry has U=1 because
 * the PVM host refaults forever on U=0 pages once the vCPU runs natively. PDPT slot 3 stays
 * empty unless the xAPIC MMIO page must be mapped (pvh_map_lapic_mmio(), TCG only). */
#include "arch/layout.h"

#define KVIRT 0xffffffff80000000 /* DOMUS_KERNEL_VIRT_BASE */
#define PHYS(sym) ((sym) - KVIRT)

#define PTE_P 0x1
#define PTE_RW 0x2
#define PTE_U 0x4
#define PTE_PS 0x80
#define PTE_TABLE (PTE_P | PTE_RW | PTE_U)
#define PTE_LARGE (PTE_P | PTE_RW | PTE_U | PTE_PS)

#define XEN_ELFNOTE_PHYS32_ENTRY 18

    .text
    .code32
    .globl pvh_start32
    .type pvh_start32, @function
pvh_start32:
    mov %ebx, %esi                      /* hvm_start_info (cpuid clobbers ebx) */
    lgdt PHYS(pvh_gdt_pointer)
    mov $0x20, %eax                     /* CR4.PAE */
    mov %eax, %cr4
    mov $PHYS(pvh_pml4), %eax
    mov %eax, %cr3
    mov $0x80000001, %eax               /* NX available? then EFER.NXE as well */
    cpuid
    mov $0x100, %edi                    /* EFER.LME */
    bt $20, %edx
    jnc 1f
    or $0x800, %edi                     /* EFER.NXE */
1:  mov $0xc0000080, %ecx
    rdmsr
    or %edi, %eax
    wrmsr
    mov %cr0, %eax
    or $0x80010001, %eax                /* PG | WP | PE */
    mov %eax, %cr0
    ljmp $GDT_KERNEL_CS, $PHYS(pvh_start64)
    .size pvh_start32, . - pvh_start32

    .code64
pvh_start64:                            /* running at the physical (identity) address */
    movabs $pvh_start64_high, %rax
    jmp *%rax
pvh_start64_high:
    mov $GDT_KERNEL_DS, %eax
    mov %eax, %ds
    mov %eax, %es
    mov %eax, %ss
    mov %eax, %fs
    mov %eax, %gs
    lea cpu_blocks + CPU_BLOCK_SIZE, %rsp /* vCPU 0's kernel stack */
    lea cpu_blocks, %rax
    mov %rax, (%rax)                    /* PerCpu::self, which this_cpu() loads */
    xor %ebp, %ebp
    mov %esi, %edi                      /* zero-extends: upper halves are undefined here */
    cld
    call pvh_main                       /* does not return */
2:  hlt
    jmp 2b

    .section .rodata
    .p2align 3
pvh_gdt_pointer:                        /* 32-bit lgdt operand: the kernel's own GDT */
    .word GDT_TSS_BASE + 16 * GUEST_MAX_VCPUS - 1
    .long PHYS(gdt_table)

    .section .data.pagetables, "aw", @progbits
    .p2align 12
    .globl pvh_pml4, pvh_pdpt
pvh_pml4:
    .quad PHYS(pvh_pdpt) + PTE_TABLE    /* 0: identity */
    .fill 272, 8, 0
    .quad PHYS(pvh_pdpt) + PTE_TABLE    /* 273: the physmap, DOMUS_PHYSMAP_BASE */
    .fill 237, 8, 0
    .quad PHYS(pvh_pdpt_kernel) + PTE_TABLE /* 511: the kernel alias */
pvh_pdpt:
    .quad PHYS(pvh_pd) + PTE_TABLE
    .fill 511, 8, 0
pvh_pdpt_kernel:
    .fill 510, 8, 0
    .quad PHYS(pvh_pd) + PTE_TABLE      /* 510: -2 GiB */
    .quad 0
pvh_pd:
    .set addr, 0
    .rept 512
    .quad addr + PTE_LARGE
    .set addr, addr + 0x200000
    .endr

    /* Page directory for 3..4 GiB, filled at run time only to map the xAPIC (TCG). */
    .bss
    .p2align 12
    .globl pvh_pd_high
pvh_pd_high:
    .skip 4096

    /* The PVH entry note: QEMU starts pvh_start32 at this physical address. */
    .section .note.Xen, "a", @note
    .p2align 2
    .long 4                             /* namesz: "Xen\0" */
    .long 4                             /* descsz */
    .long XEN_ELFNOTE_PHYS32_ENTRY
    .asciz "Xen"
    .p2align 2
    .long PHYS(pvh_start32)

    .section .note.GNU-stack, "", @progbits
