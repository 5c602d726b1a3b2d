// Builds the versioned boot-info page (include/domus/abi/boot_info.h) the guest receives in RDI.
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

#include "base/result.hpp"
#include "domus/abi/boot_info.h"

namespace domus::x86 {

struct BootInfoParams {
    uint64_t ram_bytes = 0;
    uint32_t vcpus = 1;
    bool pvm_host = false;
    uint64_t tsc_khz = 0;
    uint32_t lapic_timer_khz = 0;             // 0: unknown (the guest measures it)
    std::vector<domus_virtio_device> virtio;  // at most DOMUS_MAX_VIRTIO_DEVICES
    uint32_t domain_id = 0;
    std::string_view cmdline;
    uint64_t kernel_start = 0;  // lowest GPA of the loaded image
    uint64_t kernel_end = 0;    // one past its highest byte
    uint64_t ramdisk_gpa = 0;   // the uncompressed initramfs: page aligned, above the boot
    uint64_t ramdisk_size = 0;  // area, inside RAM, clear of the kernel; 0 and 0 for none
};

// Pure: validates the parameters and lays out the page (memory map, per-vCPU pages, cmdline).
// The memory map covers RAM exactly: the boot area, the kernel and the ramdisk (each rounded out
// to whole pages) as their own regions, the rest as DOMUS_MEM_RAM.
Result<domus_boot_info> make_boot_info(const BootInfoParams& params);

// GPA of vCPU `index`'s registration page.
inline uint64_t vcpu_page_gpa(uint32_t index) {
    return DOMUS_GPA_VCPU_PAGES + index * 4096ull;
}

}  // namespace domus::x86
