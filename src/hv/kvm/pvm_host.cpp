// Everything the monitor knows about the PVM host backend (see docs/kvm-host.md): detection
// through its signature MSR. A host update could change these facts, so they are probed, never
// assumed; on hardware KVM the MSR read simply fails.
#include "hv/hypervisor.hpp"

namespace domus::hv {

namespace {
constexpr uint32_t kPvmSignatureMsr = 0x4b564d11;
constexpr uint64_t kPvmSignature = 0x4d5650;  // "PVM"
}  // namespace

Result<Backend> Hypervisor::detect_backend(Vcpu& probe) {
    auto sig = probe.get_msr(kPvmSignatureMsr);
    if (sig.ok() && *sig == kPvmSignature) return Backend::pvm;
    return Backend::hardware;
}

}  // namespace domus::hv
