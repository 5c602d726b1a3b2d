#include "mm/mm_init.hpp"

#include "arch/cpu.hpp"
#include "arch/vmem.hpp"
#include "kernel/boot.hpp"
#include "mm/kpt.hpp"
#include "mm/phys.hpp"

extern "C" const char __image_start[], __image_end[];

const char* mm_init() {
    const domus_boot_info* bi = g_boot.info;
    phys::Range ram[DOMUS_MAX_MEMORY_REGIONS];
    size_t ram_count = 0;
    for (uint32_t i = 0; i < bi->region_count && i < DOMUS_MAX_MEMORY_REGIONS; ++i) {
        const domus_memory_region& r = bi->regions[i];
        if (r.type != DOMUS_MEM_RAM) continue;
        uint64_t end = r.base + r.size;
        if (end > g_boot.memory_bytes) end = g_boot.memory_bytes;
        if (end > r.base) ram[ram_count++] = phys::Range{r.base, end - r.base};
    }
    if (ram_count == 0) return "no RAM region in the boot-info page";
    phys::Range reserved[3];
    size_t reserved_count = 0;
    reserved[reserved_count++] = phys::Range{0, DOMUS_GPA_KERNEL_MIN};
    const uint64_t image = vmem::to_gpa(__image_start);
    reserved[reserved_count++] = phys::Range{image, vmem::to_gpa(__image_end) - image};
    if (bi->ramdisk_size != 0) {
        reserved[reserved_count++] = phys::Range{bi->ramdisk_gpa, bi->ramdisk_size};
    }
    phys::init(ram, ram_count, reserved, reserved_count,
               (bi->flags & DOMUS_BOOT_FLAG_RAM_ZEROED) != 0);
    if (phys::total_pages() == 0) return "no usable RAM";
    const bool nx = (cpu::rdmsr(0xc0000080) & (1u << 11)) != 0;  // EFER.NXE
    if (!kpt::init(g_boot.memory_bytes, g_boot.vcpu_count, g_boot.pvm_host, nx)) {
        return "out of memory building the kernel page tables";
    }
    return nullptr;
}
