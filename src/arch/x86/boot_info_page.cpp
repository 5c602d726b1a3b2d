#include "arch/x86/boot_info_page.hpp"

#include <cstring>

#include "domus/abi/hypercall.h"

namespace domus::x86 {

namespace {

constexpr uint64_t kPage = 4096;

uint64_t page_down(uint64_t v) {
    return v & ~(kPage - 1);
}
uint64_t page_up(uint64_t v) {
    return (v + kPage - 1) & ~(kPage - 1);
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

    domus_boot_info info{};
    info.magic = DOMUS_BOOT_INFO_MAGIC;
    info.abi_version = DOMUS_ABI_VERSION;
    info.size = sizeof(domus_boot_info);
    info.flags = p.pvm_host ? DOMUS_BOOT_FLAG_PVM_HOST : 0;
    info.vcpu_count = p.vcpus;
    info.memory_bytes = p.ram_bytes;
    info.hypercall_port = DOMUS_HYPERCALL_PORT;
    info.tsc_khz = p.tsc_khz;
    info.domain_id = p.domain_id;

    const uint64_t kstart = page_down(p.kernel_start);
    const uint64_t kend = page_up(p.kernel_end) > p.ram_bytes ? p.ram_bytes : page_up(p.kernel_end);
    add_region(info, 0, DOMUS_GPA_KERNEL_MIN, DOMUS_MEM_BOOT);
    add_region(info, DOMUS_GPA_KERNEL_MIN, kstart - DOMUS_GPA_KERNEL_MIN, DOMUS_MEM_RAM);
    add_region(info, kstart, kend - kstart, DOMUS_MEM_KERNEL);
    add_region(info, kend, p.ram_bytes - kend, DOMUS_MEM_RAM);

    for (uint32_t i = 0; i < p.vcpus; ++i) info.vcpu_page_gpa[i] = vcpu_page_gpa(i);
    std::memcpy(info.cmdline, p.cmdline.data(), p.cmdline.size());
    info.cmdline[p.cmdline.size()] = '\0';
    return info;
}

}  // namespace domus::x86
