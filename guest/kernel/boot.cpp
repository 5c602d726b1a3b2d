// Boot-info validation. The boot-info page is written by the monitor, but the kernel still
// checks every field it uses (magic, version, sizes, counts, NUL termination) so a monitor
// bug or ABI mismatch is reported instead of running on garbage.
#include "kernel/boot.hpp"

#include <stddef.h>

#include "arch/vmem.hpp"
#include "domus/abi/hypercall.h"

constinit BootState g_boot{};

extern "C" const char __image_end[];

const char* boot_info_check(const domus_boot_info* bi, uint64_t reg_page) {
    const uint64_t address = reinterpret_cast<uint64_t>(bi);
    if (address == 0 || (address & 7) != 0) return "boot-info address is null or misaligned";
    if (bi->magic != DOMUS_BOOT_INFO_MAGIC) return "bad magic";
    if (bi->abi_version != DOMUS_ABI_VERSION) return "unsupported ABI version";
    if (bi->size < sizeof(domus_boot_info) || bi->size > 4096) return "bad size";
    if (bi->vcpu_count == 0 || bi->vcpu_count > DOMUS_MAX_VCPUS) return "bad vcpu_count";
    if (bi->region_count > DOMUS_MAX_MEMORY_REGIONS) return "bad region_count";
    if (bi->hypercall_port != DOMUS_HYPERCALL_PORT) return "unsupported hypercall_port";
    if (bi->memory_bytes < vmem::to_gpa(__image_end))
        return "memory_bytes smaller than the kernel image";
    for (uint32_t i = 0; i < bi->region_count; ++i) {
        const domus_memory_region& r = bi->regions[i];
        if (r.base + r.size < r.base) return "memory region wraps around";
    }
    bool terminated = false;
    for (uint32_t i = 0; i < DOMUS_CMDLINE_MAX && !terminated; ++i)
        terminated = bi->cmdline[i] == '\0';
    if (!terminated) return "cmdline is not NUL-terminated";

    const bool pvm = (bi->flags & DOMUS_BOOT_FLAG_PVM_HOST) != 0;
    if (pvm && (reg_page == 0 || (reg_page & 0xfff) != 0 || reg_page + 4096 > bi->memory_bytes))
        return "PVM host flag set but no valid registration page in RDX";
    if (!pvm && reg_page != 0) return "registration page in RDX but PVM host flag clear";
    return nullptr;
}

void boot_state_init(Platform platform, const domus_boot_info* bi) {
    g_boot.platform = platform;
    g_boot.flags = bi->flags;
    g_boot.pvm_host = (bi->flags & DOMUS_BOOT_FLAG_PVM_HOST) != 0;
    g_boot.vcpu_count = bi->vcpu_count;
    g_boot.domain_id = bi->domain_id;
    g_boot.memory_bytes = bi->memory_bytes;
    g_boot.tsc_khz = bi->tsc_khz;
    g_boot.lapic_timer_khz = bi->lapic_timer_khz;
    g_boot.info = bi;
    g_boot.cmdline = bi->cmdline;
}

bool boot_needs_mm(const domus_boot_info* info) {
    if (info->ramdisk_size != 0) return true;
    const bool has_virtio_fields =
        info->size >= offsetof(domus_boot_info, virtio) + sizeof(info->virtio);
    return has_virtio_fields && info->virtio_count != 0;
}
