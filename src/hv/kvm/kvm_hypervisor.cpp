// /dev/kvm: opening it, probing capabilities, creating VMs.
#include <fcntl.h>
#include <linux/kvm.h>
#include <sys/ioctl.h>

#include <cerrno>
#include <cstring>

#include "hv/hypervisor.hpp"
#include "hv/kvm/kvm_util.hpp"

namespace domus::hv {

using kvm::kvm_error;

namespace {

// KVM_X86_QUIRK_FIX_HYPERCALL_INSN: with it on, an emulated vmmcall is "fixed up" in place and
// loops forever on the PVM host; off, it is a clean #UD (kvm-host.md).
constexpr uint64_t kQuirkFixHypercallInsn = 1ull << 5;

// Interrupt routes reserved for the userspace IOAPIC of a split irqchip (KVM requires >= 1).
constexpr uint64_t kSplitIrqchipRoutes = 24;

int check(int fd, long cap) {
    int r = ::ioctl(fd, KVM_CHECK_EXTENSION, cap);
    return r < 0 ? 0 : r;
}

}  // namespace

const char* to_string(Backend backend) {
    switch (backend) {
        case Backend::hardware:
            return "hardware KVM";
        case Backend::pvm:
            return "PVM (pagetable-based KVM, nested)";
    }
    return "unknown";
}

Result<Hypervisor> Hypervisor::open(const std::string& path) {
    Fd fd(::open(path.c_str(), O_RDWR | O_CLOEXEC));
    if (!fd.valid()) {
        int e = errno;
        return make_error(e == ENOENT ? Errc::not_found : Errc::kvm,
                          "cannot open " + path + ": " + std::strerror(e) +
                              (e == ENOENT ? " (no KVM on this host)" : ""));
    }
    Capabilities caps;
    caps.api_version = ::ioctl(fd.get(), KVM_GET_API_VERSION, 0);
    if (caps.api_version != KVM_API_VERSION) {
        return make_error(Errc::unsupported, "KVM API version " + std::to_string(caps.api_version) +
                                                 " is not the expected " +
                                                 std::to_string(KVM_API_VERSION));
    }
    int f = fd.get();
    caps.irqchip = check(f, KVM_CAP_IRQCHIP);
    caps.split_irqchip = check(f, KVM_CAP_SPLIT_IRQCHIP) != 0;
    caps.irqfd = check(f, KVM_CAP_IRQFD);
    caps.ioeventfd = check(f, KVM_CAP_IOEVENTFD);
    caps.immediate_exit = check(f, KVM_CAP_IMMEDIATE_EXIT);
    caps.sync_regs = (check(f, KVM_CAP_SYNC_REGS) & KVM_SYNC_X86_REGS) != 0;
    caps.disable_quirks2 = check(f, KVM_CAP_DISABLE_QUIRKS2) != 0;
    caps.x2apic_api = check(f, KVM_CAP_X2APIC_API) != 0;
    caps.tsc_control = check(f, KVM_CAP_GET_TSC_KHZ) != 0;
    caps.recommended_vcpus = check(f, KVM_CAP_NR_VCPUS);
    caps.max_vcpus = check(f, KVM_CAP_MAX_VCPUS);
    if (caps.max_vcpus == 0) caps.max_vcpus = caps.recommended_vcpus;
    if (!caps.irqchip || !caps.immediate_exit) {
        return make_error(Errc::unsupported,
                          "KVM lacks a required capability (in-kernel irqchip, immediate exit)");
    }
    int run_size = ::ioctl(f, KVM_GET_VCPU_MMAP_SIZE, 0);
    if (run_size <= 0) return kvm_error("KVM_GET_VCPU_MMAP_SIZE");
    return Hypervisor(std::move(fd), caps, run_size);
}

Result<Vm> Hypervisor::create_vm() {
    int vmfd;
    do {
        vmfd = ::ioctl(fd_.get(), KVM_CREATE_VM, 0);
    } while (vmfd < 0 && errno == EINTR);
    if (vmfd < 0) return kvm_error("KVM_CREATE_VM");
    Fd vm(vmfd);

    struct kvm_enable_cap quirks {};
    quirks.cap = caps_.disable_quirks2 ? KVM_CAP_DISABLE_QUIRKS2 : KVM_CAP_DISABLE_QUIRKS;
    quirks.args[0] = kQuirkFixHypercallInsn;
    if (::ioctl(vm.get(), KVM_ENABLE_CAP, &quirks) != 0) {
        return kvm_error("disabling the FIX_HYPERCALL_INSN quirk (KVM_ENABLE_CAP)");
    }
    // Intel VMX needs a TSS region below 4 GiB outside guest RAM; harmless elsewhere.
    (void)::ioctl(vm.get(), KVM_SET_TSS_ADDR, 0xfffbd000ul);
    // Split irqchip: the local APICs (timer, IPIs, MSI delivery for irqfd) live in the kernel,
    // the legacy PIC and IOAPIC (which no Domus guest uses) are not created at all. Besides
    // being less attack surface, it avoids the RCU grace periods the full irqchip's I/O-bus
    // registrations impose on every later memslot change: 64 MiB of RAM registers in ~0.1 ms
    // instead of 4-8 ms on the PVM host (docs/performance.md).
    if (caps_.split_irqchip) {
        struct kvm_enable_cap split {};
        split.cap = KVM_CAP_SPLIT_IRQCHIP;
        split.args[0] = kSplitIrqchipRoutes;
        if (::ioctl(vm.get(), KVM_ENABLE_CAP, &split) != 0) {
            return kvm_error("KVM_ENABLE_CAP(KVM_CAP_SPLIT_IRQCHIP)");
        }
    } else if (::ioctl(vm.get(), KVM_CREATE_IRQCHIP, 0) != 0) {
        return kvm_error("KVM_CREATE_IRQCHIP");
    }
    return Vm(std::move(vm), run_size_);
}

Result<CpuidTable> Hypervisor::supported_cpuid() const {
    constexpr int kMaxEntries = 256;
    CpuidTable table;
    table.blob.resize(sizeof(kvm::CHeader) + kMaxEntries * sizeof(kvm_cpuid_entry2));
    auto* header = reinterpret_cast<kvm::CHeader*>(table.blob.data());
    header->count = kMaxEntries;
    if (::ioctl(fd_.get(), kvm::kGetSupportedCpuid, table.blob.data()) != 0) {
        return kvm_error("KVM_GET_SUPPORTED_CPUID");
    }
    return table;
}

}  // namespace domus::hv
