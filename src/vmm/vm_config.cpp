#include "vmm/vm_config.hpp"

#include "arch/x86/page_tables.hpp"
#include "base/meminfo.hpp"
#include "domus/abi/boot_info.h"

namespace domus::vmm {

namespace {

// A file the monitor opens: empty is "none"; otherwise a usable path.
Status check_path(const char* what, const std::string& path) {
    if (path.size() >= kMaxPathBytes) {
        return make_error(Errc::invalid_argument, std::string(what) + " path of " +
                                                      std::to_string(path.size()) +
                                                      " bytes is too long (at most " +
                                                      std::to_string(kMaxPathBytes - 1) + ")");
    }
    if (path.find('\0') != std::string::npos) {
        return make_error(Errc::invalid_argument, std::string(what) + " path contains a NUL byte");
    }
    return {};
}

}  // namespace

Status validate_config(const VmConfig& c, const HostLimits& limits) {
    if (c.memory_mib < kMinMemoryMib) {
        return make_error(Errc::invalid_argument, "memory " + std::to_string(c.memory_mib) +
                                                      " MiB is too small (at least " +
                                                      std::to_string(kMinMemoryMib) + " MiB)");
    }
    const uint64_t mappable_mib = x86::max_mappable_ram() >> 20;
    if (c.memory_mib > mappable_mib) {
        return make_error(Errc::invalid_argument, "memory " + std::to_string(c.memory_mib) +
                                                      " MiB exceeds the guest limit of " +
                                                      std::to_string(mappable_mib) + " MiB");
    }
    if (limits.available_memory_mib != 0 && c.memory_mib > limits.available_memory_mib) {
        return make_error(Errc::resource, "memory " + std::to_string(c.memory_mib) +
                                              " MiB is more than the host can give (" +
                                              std::to_string(limits.available_memory_mib) +
                                              " MiB available)");
    }
    if (c.domain_id == 0) {
        return make_error(Errc::invalid_argument, "domain id 0 belongs to Domain-0");
    }
    if (c.vcpus == 0) {
        return make_error(Errc::invalid_argument, "vcpus 0: a domain needs at least one vCPU");
    }
    if (c.vcpus > limits.max_vcpus) {
        return make_error(Errc::invalid_argument, "vcpus " + std::to_string(c.vcpus) +
                                                      " exceeds the limit of " +
                                                      std::to_string(limits.max_vcpus) +
                                                      " (KVM's maximum and the guest ABI's " +
                                                      std::to_string(DOMUS_MAX_VCPUS) + ")");
    }
    if (c.cmdline.size() >= DOMUS_CMDLINE_MAX) {
        return make_error(Errc::invalid_argument, "command line of " +
                                                      std::to_string(c.cmdline.size()) +
                                                      " bytes is too long (at most " +
                                                      std::to_string(DOMUS_CMDLINE_MAX - 1) + ")");
    }
    if (c.cmdline.find('\0') != std::string::npos) {
        return make_error(Errc::invalid_argument, "command line contains a NUL byte");
    }
    if (auto st = check_path("kernel", c.kernel_path); !st) return st;
    if (auto st = check_path("ramdisk", c.ramdisk_path); !st) return st;
    return {};
}

uint64_t host_available_memory_mib() {
    return meminfo_mib("MemAvailable");
}

}  // namespace domus::vmm
