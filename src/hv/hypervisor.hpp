// The hypervisor interface: typed move-only handles for the KVM system, a VM and a vCPU.
// Only src/hv/kvm/ includes <linux/kvm.h>; everything else sees these types.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "base/fd.hpp"
#include "base/result.hpp"
#include "hv/regs.hpp"
#include "hv/vm_exit.hpp"

namespace domus::hv {

enum class Backend { hardware, pvm };
const char* to_string(Backend backend);

struct Capabilities {
    int api_version = 0;
    bool irqchip = false;
    bool split_irqchip = false;
    bool irqfd = false;
    bool ioeventfd = false;
    bool immediate_exit = false;
    bool sync_regs = false;
    bool disable_quirks2 = false;
    bool x2apic_api = false;
    bool tsc_control = false;
    int max_vcpus = 0;
    int recommended_vcpus = 0;
};

// The CPUID leaves KVM supports, as an opaque blob handed back to Vcpu::set_cpuid.
struct CpuidTable {
    std::vector<uint8_t> blob;
};

class Vcpu;

class Vm {
  public:
    Vm() = default;
    Vm(Vm&&) noexcept = default;
    Vm& operator=(Vm&&) noexcept = default;

    int fd() const { return fd_.get(); }
    // Registers host memory [host, host+size) as guest physical [gpa, gpa+size).
    Status set_memory(uint32_t slot, uint64_t gpa, uint64_t size, void* host);
    Result<Vcpu> create_vcpu(uint32_t index);
    // Injects a fixed, edge-triggered interrupt `vector` into the vCPU whose APIC id is
    // `apic_id` (an MSI through the in-kernel irqchip). Callable from any thread.
    Status signal_msi(uint32_t apic_id, uint8_t vector) const;
    // Nanoseconds per cycle of the in-kernel LAPIC's bus clock, which drives its timer: what
    // KVM_CAP_X86_APIC_BUS_CYCLES_NS reports for this VM, or KVM's fixed 1 ns where the
    // capability does not exist (kernels before 6.11).
    uint32_t apic_bus_cycle_ns() const;
    // A write to `eventfd` injects `vector` into the vCPU with APIC id `apic_id`: an MSI route
    // of its own GSI and KVM_IRQFD, a completion interrupt with no monitor exit and no ioctl
    // by the writer. Routes accumulate (the table is resent whole); not thread-safe.
    Status add_msi_irqfd(int eventfd, uint32_t apic_id, uint8_t vector);
    // A guest write of `len` bytes (any value) at `gpa` signals `eventfd` in the kernel: no exit
    // to the monitor (a virtio doorbell). The VM keeps a duplicate of the eventfd and
    // deassigns it before it closes (a VM torn down with ioeventfds still assigned takes
    // ~8 ms longer to destroy on the PVM host).
    Status add_mmio_ioeventfd(int eventfd, uint64_t gpa, uint32_t len);

  private:
    friend class Hypervisor;
    Vm(Fd fd, int run_size) : fd_(std::move(fd)), run_size_(run_size) {}
    struct MsiRoute {
        uint32_t gsi, apic_id;
        uint8_t vector;
    };
    // Deassigns its ioeventfd on destruction; declared after fd_, so it goes first.
    struct IoEventFd {
        int vm_fd = -1;
        Fd eventfd;
        uint64_t gpa = 0;
        uint32_t len = 0;
        IoEventFd() = default;
        IoEventFd(IoEventFd&& other) noexcept;
        IoEventFd& operator=(IoEventFd&&) = delete;
        ~IoEventFd();
    };
    std::vector<MsiRoute> msi_routes_;
    Fd fd_;
    int run_size_ = 0;
    std::vector<IoEventFd> ioeventfds_;
};

class Vcpu {
  public:
    Vcpu() = default;
    ~Vcpu();
    Vcpu(Vcpu&& other) noexcept;
    Vcpu& operator=(Vcpu&& other) noexcept;
    Vcpu(const Vcpu&) = delete;
    Vcpu& operator=(const Vcpu&) = delete;

    uint32_t index() const { return index_; }

    // Enters the guest until the next exit the monitor must see.
    Result<VmExit> run();

    Status get_regs(Regs& out);
    Status set_regs(const Regs& regs);
    Status get_sregs(SpecialRegs& out);
    Status set_sregs(const SpecialRegs& sregs);
    Status set_cpuid(const CpuidTable& table);
    Status set_runnable();  // KVM_MP_STATE_RUNNABLE: start an AP without INIT/SIPI
    Result<uint64_t> get_msr(uint32_t index);
    Result<uint32_t> tsc_khz();

    // With KVM_CAP_SYNC_REGS the GPRs travel in the shared run page: after an exit,
    // synced_regs() holds them without a syscall; mark_regs_dirty() writes them back on entry.
    bool enable_sync_regs();
    Regs* synced_regs();
    void mark_regs_dirty();

    // Makes the next (or current, once kicked by a signal) KVM_RUN return at once.
    void set_immediate_exit(bool on);

  private:
    friend class Vm;
    Vcpu(Fd fd, void* run, int run_size, uint32_t index)
        : fd_(std::move(fd)), run_(run), run_size_(run_size), index_(index) {}
    Fd fd_;
    void* run_ = nullptr;  // struct kvm_run, mmap'ed
    int run_size_ = 0;
    uint32_t index_ = 0;
    bool sync_regs_ = false;
    Regs synced_{};
};

class Hypervisor {
  public:
    static Result<Hypervisor> open(const std::string& path = "/dev/kvm");

    const Capabilities& caps() const { return caps_; }
    Result<Vm> create_vm();
    Result<CpuidTable> supported_cpuid() const;
    // Detects the backend on a throw-away vCPU of `vm` (see pvm_host.cpp).
    static Result<Backend> detect_backend(Vcpu& probe);

  private:
    Hypervisor(Fd fd, Capabilities caps, int run_size)
        : fd_(std::move(fd)), caps_(caps), run_size_(run_size) {}
    Fd fd_;
    Capabilities caps_;
    int run_size_ = 0;
};

}  // namespace domus::hv
