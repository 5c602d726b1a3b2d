// Internal helpers for src/hv/kvm only.
#pragma once

#include <linux/kvm.h>
#include <sys/ioctl.h>

#include <cerrno>
#include <cstdint>
#include <cstring>
#include <string>

#include "base/result.hpp"

namespace domus::hv::kvm {

inline Error kvm_error(const char* what) {
    return make_error(Errc::kvm, std::string(what) + " failed: " + std::strerror(errno));
}

// <linux/kvm.h> declares its variable-length structs with __DECLARE_FLEX_ARRAY, which in C++
// inserts a 1-byte empty struct before the array: sizeof(kvm_msrs) becomes 16 instead of 8,
// kvm_cpuid2's entries move to offset 12, and the size-encoded ioctl numbers stop matching the
// kernel's (EINVAL). So Domus lays these headers out as C does and builds the numbers itself.
struct CHeader {  // kvm_msrs, kvm_cpuid2, kvm_irq_routing: a u32 count and a u32 pad
    uint32_t count;
    uint32_t pad;
};
static_assert(sizeof(CHeader) == 8);

inline constexpr unsigned long kGetMsrs = _IOC(_IOC_READ | _IOC_WRITE, KVMIO, 0x88, 8);
inline constexpr unsigned long kGetSupportedCpuid = _IOC(_IOC_READ | _IOC_WRITE, KVMIO, 0x05, 8);
inline constexpr unsigned long kSetCpuid2 = _IOC(_IOC_WRITE, KVMIO, 0x90, 8);
inline constexpr unsigned long kSetGsiRouting = _IOC(_IOC_WRITE, KVMIO, 0x6a, 8);

}  // namespace domus::hv::kvm
