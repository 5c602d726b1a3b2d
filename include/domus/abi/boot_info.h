/* Domus guest ABI v2: the boot-info page and the boot register state.
 *
 * Shared verbatim by the VMM (C++20, hosted) and the guest kernel (freestanding). This file is
 * the contract: change it only together with DOMUS_ABI_VERSION and docs/abi.md.
 *
 * Boot state (every vCPU starts directly in 64-bit long mode, paging on, identity mapped):
 *   RIP = ELF entry, RDI = GPA of struct domus_boot_info, RSI = vCPU index,
 *   RDX = GPA of this vCPU's registration page when DOMUS_BOOT_FLAG_PVM_HOST is set, else 0,
 *   RSP = 0 (the guest sets its own stack), RFLAGS = 0x2, interrupts masked.
 *
 * Boot page tables (v2): guest RAM is mapped three times with 2 MiB pages, so a kernel may be
 * linked either way: identity (VA == GPA), at DOMUS_PHYSMAP_BASE + GPA (all RAM), and at
 * DOMUS_KERNEL_VIRT_BASE + GPA (the first 2 GiB: a kernel linked like Linux at -2 GiB with
 * -mcmodel=kernel). A kernel's ELF gives physical load addresses in p_paddr and virtual ones in
 * p_vaddr; p_vaddr - p_paddr is 0 or DOMUS_KERNEL_VIRT_BASE for every segment.
 */
#ifndef DOMUS_ABI_BOOT_INFO_H
#define DOMUS_ABI_BOOT_INFO_H

#include <stdint.h>

#define DOMUS_ABI_VERSION 2u
#define DOMUS_BOOT_INFO_MAGIC 0x31494253554d4f44ull /* "DOMUSBI1" little-endian */

#define DOMUS_MAX_VCPUS 64u
#define DOMUS_MAX_MEMORY_REGIONS 8u
#define DOMUS_CMDLINE_MAX 1024u /* bytes including the terminating NUL */
#define DOMUS_MAX_VIRTIO_DEVICES 8u
#define DOMUS_VIRTIO_VECTOR_BASE 0x50u /* device i interrupts with vector 0x50 + i on vCPU 0 */
#define DOMUS_VIRTIO_WINDOW 0x1000u    /* bytes of one virtio-mmio register window */

/* flags */
#define DOMUS_BOOT_FLAG_PVM_HOST (1u << 0) /* the host is the pagetable-based PVM KVM backend */
#define DOMUS_BOOT_FLAG_RAM_ZEROED \
    (1u << 1) /* every DOMUS_MEM_RAM byte reads as zero (the guest need not clear it) */

/* memory region types */
#define DOMUS_MEM_RAM 1u     /* free for the guest to use */
#define DOMUS_MEM_BOOT 2u    /* boot structures written by the VMM (page tables, this page) */
#define DOMUS_MEM_KERNEL 3u  /* the loaded kernel image, including its zero-filled bss */
#define DOMUS_MEM_RAMDISK 4u /* the initramfs: an uncompressed newc cpio archive */

/* Guest physical layout chosen by the VMM (identity mapped, so also the virtual layout). */
#define DOMUS_GPA_BOOT_INFO 0x1000ull
#define DOMUS_GPA_BOOT_GDT 0x2000ull
#define DOMUS_GPA_BOOT_IDT 0x3000ull
#define DOMUS_GPA_BOOT_TSS 0x4000ull
#define DOMUS_GPA_PML4 0x8000ull
#define DOMUS_GPA_PDPT 0x9000ull
#define DOMUS_GPA_PDPT_HIGH 0xa000ull    /* PML4 slot 511: the kernel alias at -2 GiB */
#define DOMUS_GPA_PD 0x10000ull          /* one page directory per GiB of RAM */
#define DOMUS_MAX_PD_PAGES 32u           /* so at most 32 GiB of guest RAM */
#define DOMUS_GPA_VCPU_PAGES 0x40000ull  /* DOMUS_MAX_VCPUS registration pages, 4 KiB each */
#define DOMUS_GPA_KERNEL_MIN 0x100000ull /* loadable segments start at or above 1 MiB */

/* Virtual aliases of guest RAM in the boot page tables (see above). PML4 slot 273 and the
 * last 2 GiB; PML4 slot 256 is avoided on purpose (the PVM host triple-faults there). */
#define DOMUS_PHYSMAP_BASE 0xffff888000000000ull
#define DOMUS_KERNEL_VIRT_BASE 0xffffffff80000000ull
#define DOMUS_KERNEL_VIRT_MAX_RAM 0x80000000ull /* RAM mapped at DOMUS_KERNEL_VIRT_BASE */

struct domus_memory_region {
    uint64_t base;
    uint64_t size;
    uint32_t type;
    uint32_t reserved;
};

struct domus_virtio_device {
    uint64_t base;      /* its virtio-mmio window (DOMUS_VIRTIO_WINDOW bytes), above RAM */
    uint32_t device_id; /* the virtio device id (4: entropy source) */
    uint32_t vector;    /* its interrupts: this vector on vCPU 0 (an MSI, edge) */
};

struct domus_boot_info {
    uint64_t magic;          /* DOMUS_BOOT_INFO_MAGIC */
    uint32_t abi_version;    /* DOMUS_ABI_VERSION */
    uint32_t size;           /* sizeof(struct domus_boot_info) as the VMM knows it */
    uint32_t flags;          /* DOMUS_BOOT_FLAG_* */
    uint32_t vcpu_count;     /* vCPUs started by the monitor, 1..DOMUS_MAX_VCPUS */
    uint64_t memory_bytes;   /* guest RAM size, starting at GPA 0 */
    uint32_t hypercall_port; /* DOMUS_HYPERCALL_PORT */
    uint32_t region_count;   /* valid entries in regions[] */
    uint64_t tsc_khz;        /* TSC frequency in kHz, 0 when unknown */
    uint32_t domain_id;
    uint32_t lapic_timer_khz; /* LAPIC timer input clock (divide by 1) in kHz, 0 when unknown:
                               * the guest then measures it */
    struct domus_memory_region regions[DOMUS_MAX_MEMORY_REGIONS];
    uint64_t vcpu_page_gpa[DOMUS_MAX_VCPUS]; /* per-vCPU registration page, 0 when unused */
    char cmdline[DOMUS_CMDLINE_MAX];         /* NUL-terminated */
    /* v2: the initramfs, already decompressed and validated by the monitor, in a
     * DOMUS_MEM_RAMDISK region; both 0 when the domain has none. */
    uint64_t ramdisk_gpa;  /* where the archive starts: any byte; the pages it touches are its own
                            * (the DOMUS_MEM_RAMDISK region) and become free RAM once unpacked.
                            * The monitor picks the offset in the first page so that the
                            * largest files' data is page aligned: the guest keeps those pages
                            * as the files' pages instead of copying them. */
    uint64_t ramdisk_size; /* bytes of the cpio archive */
    /* v2, appended later (read only when `size` covers them): the virtio-mmio devices. The
     * command line also names each in Linux's virtio_mmio.device=4K@<base>:<vector> form. */
    uint32_t virtio_count;
    uint32_t reserved1;
    struct domus_virtio_device virtio[DOMUS_MAX_VIRTIO_DEVICES];
};

#ifdef __cplusplus
static_assert(sizeof(struct domus_boot_info) <= 4096, "boot info must fit one page");
static_assert(sizeof(struct domus_memory_region) == 24, "region layout");
#endif

#endif
