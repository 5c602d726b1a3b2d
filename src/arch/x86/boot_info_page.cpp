#include "arch/x86/boot_info_page.hpp"

#include <cstdio>
#include <cstring>
#include <string>
#include <utility>

#include "base/hex.hpp"
#include "domus/abi/hypercall.h"

namespace domus::x86 {

namespace {

constexpr uint64_t kPage = 4096;

uint64_t page_down(uint64_t v) {
    return v & ~(kPage - 1);
}
// `end` rounded up to a page, but not past the end of RAM.
uint64_t round_up_in_ram(uint64_t end, uint64_t ram_bytes) {
    if (end >= ram_bytes) return ram_bytes;
    const uint64_t rest = end % kPage == 0 ? 0 : kPage - end % kPage;
    return rest > ram_bytes - end ? ram_bytes : end + rest;
}

// The ramdisk range (any byte address: the guest gets the pages it touches) must be inside RAM
// above the boot area and clear of the kernel's pages. Called once the kernel range is valid.
Status check_ramdisk(const BootInfoParams& p) {
    if (p.ramdisk_size == 0) {
        if (p.ramdisk_gpa == 0) return {};
        return make_error(Errc::invalid_argument, "ramdisk at " + hex(p.ramdisk_gpa) +
                                                      " has size 0 (use 0 and 0 for none)");
    }
    const std::string range = "ramdisk [" + hex(p.ramdisk_gpa) + ", +" + hex(p.ramdisk_size) + ")";
    if (p.ramdisk_gpa < DOMUS_GPA_KERNEL_MIN || p.ramdisk_gpa > p.ram_bytes ||
        p.ramdisk_size > p.ram_bytes - p.ramdisk_gpa) {
        return make_error(Errc::invalid_argument, range + " does not fit guest RAM above " +
                                                      hex(DOMUS_GPA_KERNEL_MIN) + " (" +
                                                      std::to_string(p.ram_bytes) + " bytes)");
    }
    const uint64_t kstart = page_down(p.kernel_start);
    const uint64_t kend = round_up_in_ram(p.kernel_end, p.ram_bytes);
    const uint64_t rend = round_up_in_ram(p.ramdisk_gpa + p.ramdisk_size, p.ram_bytes);
    if (page_down(p.ramdisk_gpa) < kend && kstart < rend) {
        return make_error(Errc::invalid_argument,
                          range + " overlaps the kernel [" + hex(kstart) + ", " + hex(kend) + ")");
    }
    return {};
}

// Virtio windows: whole pages above RAM, apart from each other, with a vector the guest can
// take (0x20..0xfe).
Status check_virtio(const BootInfoParams& p) {
    if (p.virtio.size() > DOMUS_MAX_VIRTIO_DEVICES) {
        return make_error(Errc::invalid_argument,
                          std::to_string(p.virtio.size()) + " virtio devices (at most " +
                              std::to_string(DOMUS_MAX_VIRTIO_DEVICES) + ")");
    }
    for (size_t i = 0; i < p.virtio.size(); ++i) {
        const domus_virtio_device& d = p.virtio[i];
        const std::string name = "virtio device " + std::to_string(i) + " at " + hex(d.base);
        if (d.base % kPage != 0 || d.base < p.ram_bytes || d.base > UINT64_MAX - kPage) {
            return make_error(Errc::invalid_argument,
                              name + ": not a page-aligned window above RAM");
        }
        if (d.vector < 0x20 || d.vector > 0xfe) {
            return make_error(Errc::invalid_argument,
                              name + ": vector " + std::to_string(d.vector) + " is not 32..254");
        }
        for (size_t j = 0; j < i; ++j) {
            if (p.virtio[j].base == d.base || p.virtio[j].vector == d.vector) {
                return make_error(
                    Errc::invalid_argument,
                    name + ": shares its window or vector with device " + std::to_string(j));
            }
        }
    }
    return {};
}

void add_region(domus_boot_info& info, uint64_t base, uint64_t size, uint32_t type) {
    if (size == 0) return;
    auto& r = info.regions[info.region_count++];
    r.base = base;
    r.size = size;
    r.type = type;
}

}  // namespace

Result<domus_boot_info> make_boot_info(const BootInfoParams& p) {
    if (p.vcpus == 0 || p.vcpus > DOMUS_MAX_VCPUS) {
        return make_error(Errc::invalid_argument, "vCPU count " + std::to_string(p.vcpus) +
                                                      " is outside 1.." +
                                                      std::to_string(DOMUS_MAX_VCPUS));
    }
    if (p.cmdline.size() >= DOMUS_CMDLINE_MAX) {
        return make_error(Errc::invalid_argument, "command line of " +
                                                      std::to_string(p.cmdline.size()) +
                                                      " bytes is too long (at most " +
                                                      std::to_string(DOMUS_CMDLINE_MAX - 1) + ")");
    }
    if (p.cmdline.find('\0') != std::string_view::npos) {
        return make_error(Errc::invalid_argument, "command line contains a NUL byte");
    }
    if (p.kernel_start < DOMUS_GPA_KERNEL_MIN || p.kernel_end <= p.kernel_start ||
        p.kernel_end > p.ram_bytes) {
        return make_error(Errc::invalid_argument, "kernel range [" +
                                                      std::to_string(p.kernel_start) + ", " +
                                                      std::to_string(p.kernel_end) +
                                                      ") does not fit guest RAM above 1 MiB");
    }

    if (auto st = check_ramdisk(p); !st) return st.error();
    if (auto st = check_virtio(p); !st) return st.error();

    domus_boot_info info{};
    info.magic = DOMUS_BOOT_INFO_MAGIC;
    info.abi_version = DOMUS_ABI_VERSION;
    info.size = sizeof(domus_boot_info);
    // The monitor's RAM is a fresh memfd: zero except the boot area, kernel and ramdisk it
    // writes, which are not DOMUS_MEM_RAM regions.
    info.flags = DOMUS_BOOT_FLAG_RAM_ZEROED | (p.pvm_host ? DOMUS_BOOT_FLAG_PVM_HOST : 0);
    info.vcpu_count = p.vcpus;
    info.memory_bytes = p.ram_bytes;
    info.hypercall_port = DOMUS_HYPERCALL_PORT;
    info.tsc_khz = p.tsc_khz;
    info.lapic_timer_khz = p.lapic_timer_khz;
    info.domain_id = p.domain_id;

    // Reserved ranges in address order (the ramdisk may sit below or above the kernel).
    struct Range {
        uint64_t start, end;
        uint32_t type;
    };
    Range reserved[2] = {
        {page_down(p.kernel_start), round_up_in_ram(p.kernel_end, p.ram_bytes), DOMUS_MEM_KERNEL},
        {page_down(p.ramdisk_gpa), round_up_in_ram(p.ramdisk_gpa + p.ramdisk_size, p.ram_bytes),
         DOMUS_MEM_RAMDISK}};
    const size_t count = p.ramdisk_size == 0 ? 1 : 2;
    if (count == 2 && reserved[1].start < reserved[0].start) std::swap(reserved[0], reserved[1]);
    add_region(info, 0, DOMUS_GPA_KERNEL_MIN, DOMUS_MEM_BOOT);
    uint64_t next = DOMUS_GPA_KERNEL_MIN;
    for (size_t i = 0; i < count; ++i) {
        add_region(info, next, reserved[i].start - next, DOMUS_MEM_RAM);
        add_region(info, reserved[i].start, reserved[i].end - reserved[i].start, reserved[i].type);
        next = reserved[i].end;
    }
    add_region(info, next, p.ram_bytes - next, DOMUS_MEM_RAM);
    info.ramdisk_gpa = p.ramdisk_gpa;
    info.ramdisk_size = p.ramdisk_size;
    info.virtio_count = static_cast<uint32_t>(p.virtio.size());
    for (size_t i = 0; i < p.virtio.size(); ++i) info.virtio[i] = p.virtio[i];

    for (uint32_t i = 0; i < p.vcpus; ++i) info.vcpu_page_gpa[i] = vcpu_page_gpa(i);
    std::memcpy(info.cmdline, p.cmdline.data(), p.cmdline.size());
    info.cmdline[p.cmdline.size()] = '\0';
    return info;
}

}  // namespace domus::x86
