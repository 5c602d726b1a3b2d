// The PVH boot path (QEMU -M microvm -kernel): arch/pvh.S switched to long mode with its
// static 1 GiB identity map and called pvh_main on vCPU 0's stack. Turns QEMU's
// hvm_start_info into a Domus boot-info page so the rest of the kernel sees one format.
#include "arch/apic.hpp"
#include "arch/cpu.hpp"
#include "arch/descriptors.hpp"
#include "arch/percpu.hpp"
#include "arch/pvm.hpp"
#include "arch/uart16550.hpp"
#include "arch/user.hpp"
#include "arch/vmem.hpp"
#include "domus/abi/boot_info.h"
#include "domus/abi/hypercall.h"
#include "kernel/boot.hpp"
#include "kernel/console.hpp"
#include "kernel/kernel.hpp"
#include "kernel/platform.hpp"
#include "kernel/string.hpp"
#include "mm/kpt.hpp"
#include "mm/mm_init.hpp"

// arch/pvh.S
extern "C" uint64_t pvh_pdpt[512];
extern "C" uint64_t pvh_pd_high[512];

namespace {

// Xen's public arch-x86/hvm/start_info.h (the PVH boot ABI).
constexpr uint32_t kStartInfoMagic = 0x336ec578;
struct HvmStartInfo {
    uint32_t magic;
    uint32_t version;
    uint32_t flags;
    uint32_t nr_modules;
    uint64_t modlist_paddr;
    uint64_t cmdline_paddr;
    uint64_t rsdp_paddr;
    uint64_t memmap_paddr;  // version >= 1
    uint32_t memmap_entries;
    uint32_t reserved;
};
struct HvmModlistEntry {
    uint64_t paddr;
    uint64_t size;
    uint64_t cmdline_paddr;
    uint64_t reserved;
};
struct HvmMemmapEntry {
    uint64_t addr;
    uint64_t size;
    uint32_t type;  // 1 = RAM
    uint32_t reserved;
};

constexpr uint64_t kMapped = 1ull << 30;  // pvh.S maps the first 1 GiB only
constexpr uint64_t kDefaultMemory = 64ull << 20;
constexpr uint64_t kLapicMmio = 0xfee00000;

// The boot-info page this path builds, and the page PVM registration needs (page aligned).
alignas(4096) domus_boot_info g_pvh_boot_info;
alignas(4096) uint8_t g_pvm_page[4096];

bool readable(uint64_t address, uint64_t size) {
    return address != 0 && address < kMapped && size <= kMapped - address;
}

void fill_memory(domus_boot_info* bi, const HvmStartInfo* si) {
    bi->memory_bytes = kDefaultMemory;
    if (si == nullptr || si->version < 1 || si->memmap_entries == 0) return;
    const uint32_t entries = si->memmap_entries < 128 ? si->memmap_entries : 128;
    if (!readable(si->memmap_paddr, uint64_t(entries) * sizeof(HvmMemmapEntry))) return;
    const auto* map = vmem::from_gpa<const HvmMemmapEntry>(si->memmap_paddr);
    uint64_t top = 0;
    for (uint32_t i = 0; i < entries; ++i) {
        if (map[i].type != 1 || map[i].addr + map[i].size < map[i].addr) continue;
        if (map[i].addr + map[i].size > top) top = map[i].addr + map[i].size;
        if (bi->region_count < DOMUS_MAX_MEMORY_REGIONS) {
            bi->regions[bi->region_count++] =
                domus_memory_region{map[i].addr, map[i].size, DOMUS_MEM_RAM, 0};
        }
    }
    if (top != 0) bi->memory_bytes = top;
}

// The first module (QEMU's -initrd) becomes the ramdisk: an uncompressed newc archive (only
// the Domus monitor decompresses gzip).
void fill_ramdisk(domus_boot_info* bi, const HvmStartInfo* si) {
    if (si == nullptr || si->nr_modules == 0 ||
        !readable(si->modlist_paddr, sizeof(HvmModlistEntry))) {
        return;
    }
    const auto* mod = vmem::from_gpa<const HvmModlistEntry>(si->modlist_paddr);
    if (mod->size == 0 || mod->paddr < DOMUS_GPA_KERNEL_MIN ||
        mod->paddr + mod->size < mod->paddr || mod->paddr + mod->size > bi->memory_bytes) {
        return;
    }
    bi->ramdisk_gpa = mod->paddr;
    bi->ramdisk_size = mod->size;
}

void fill_cmdline(domus_boot_info* bi, const HvmStartInfo* si) {
    if (si == nullptr || si->cmdline_paddr == 0 || si->cmdline_paddr >= kMapped) return;
    const char* source = vmem::from_gpa<const char>(si->cmdline_paddr);
    uint64_t limit = kMapped - si->cmdline_paddr;
    if (limit > DOMUS_CMDLINE_MAX - 1) limit = DOMUS_CMDLINE_MAX - 1;
    const size_t length = kstrnlen(source, limit);
    memcpy(bi->cmdline, source, length);
    bi->cmdline[length] = '\0';
}

// xAPIC registers are MMIO at 0xfee00000 (3..4 GiB): map that one 2 MiB page, uncached.
void map_lapic_mmio() {
    pvh_pd_high[(kLapicMmio >> 21) & 511] = kLapicMmio | 0x9f;  // P RW U PWT PCD PS
    pvh_pdpt[3] = vmem::to_gpa(pvh_pd_high) | 0x7;              // P RW U
    cpu::barrier();  // was not present before: no TLB entry to flush
}

}  // namespace

extern "C" [[noreturn]] void pvh_main(uint32_t start_info_paddr) {
    PerCpu* cpu = this_cpu();
    cpu->index = 0;
    g_boot.platform = Platform::Pvh;  // console = UART from here on

    // On the PVM host everything up to the registration is emulated (~0.8 M instr/s):
    // load just the #GP gate, probe, register, and only then do the real work natively.
    idt_build_gp_only();
    idt_load();
    const bool pvm = pvm::probe();
    const uint64_t reg_page = pvm ? vmem::to_gpa(g_pvm_page) : 0;
    if (pvm) pvm::register_page(reg_page);
    irq::init_cpu(cpu, reg_page);

    cpu::outb(0x21, 0xff);  // mask the legacy PICs: no firmware-programmed vectors can
    cpu::outb(0xa1, 0xff);  // reach us through LINT0 (QEMU wires it as ExtINT)
    uart_init();

    idt_build();
    cpu_load_tables(cpu);

    const HvmStartInfo* si = nullptr;
    if (readable(start_info_paddr, sizeof(HvmStartInfo)) &&
        vmem::from_gpa<const HvmStartInfo>(start_info_paddr)->magic == kStartInfoMagic) {
        si = vmem::from_gpa<const HvmStartInfo>(start_info_paddr);
    } else {
        kprintf("guest: no valid hvm_start_info at 0x%x, using defaults\n", start_info_paddr);
    }

    domus_boot_info* bi = &g_pvh_boot_info;
    bi->magic = DOMUS_BOOT_INFO_MAGIC;
    bi->abi_version = DOMUS_ABI_VERSION;
    bi->size = sizeof(domus_boot_info);
    bi->flags = pvm ? DOMUS_BOOT_FLAG_PVM_HOST : 0;
    bi->vcpu_count = 1;  // the APs of other monitors would need INIT/SIPI: not supported
    bi->hypercall_port = DOMUS_HYPERCALL_PORT;
    bi->vcpu_page_gpa[0] = reg_page;
    fill_memory(bi, si);
    fill_cmdline(bi, si);
    fill_ramdisk(bi, si);
    boot_state_init(Platform::Pvh, bi);

    if (apic::x2apic_supported()) {
        apic::set_mode(apic::Mode::X2apic);
    } else {
        map_lapic_mmio();
        apic::set_mode(apic::Mode::Xapic);
    }
    if (bi->ramdisk_size != 0) {  // a program to run (see kernel/main.cpp)
        if (const char* error = mm_init()) {
            kprintf_panic("guest: memory set-up failed: %s\n", error);
            platform_shutdown(DOMUS_SHUTDOWN_CRASH, 0xb2);
        }
        if (!apic::x2apic_supported() && !kpt::map_mmio(kLapicMmio)) {
            platform_shutdown(DOMUS_SHUTDOWN_CRASH, 0xb2);
        }
        user::init_cpu(cpu);
    }
    kernel_main();
}
