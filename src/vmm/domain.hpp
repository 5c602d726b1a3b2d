// One running domain: its VM, RAM, vCPUs and devices, and how it ended.
//
// Threads: the owner (domus run's main thread) builds the Domain, calls start(), waits for
// wait_outcome_fd() or a signal, then stop() + join(). Each vCPU has its own thread running
// run_vcpu(). Shared state: the outcome (first writer wins, under mu_), the stopping flag
// (atomic), the console (under console_mu_). Lock order: mu_ before console_mu_, never both
// held across a KVM ioctl.
#pragma once

#include <pthread.h>

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "base/fd.hpp"
#include "devices/hypercall.hpp"
#include "devices/io_bus.hpp"
#include "devices/uart16550.hpp"
#include "hv/hypervisor.hpp"
#include "memory/guest_memory.hpp"

namespace domus::vmm {

enum class StopReason {
    running,       // not stopped yet
    poweroff,      // guest HC_SHUTDOWN(POWEROFF)
    reboot,        // guest HC_SHUTDOWN(REBOOT)
    crash,         // guest HC_SHUTDOWN(CRASH, code)
    triple_fault,  // the vCPU reset itself (KVM_EXIT_SHUTDOWN)
    vcpu_error,    // an exit the monitor cannot continue from, or a KVM failure
    destroyed,     // stopped from outside (signal, destroy)
};

const char* to_string(StopReason reason);

struct Outcome {
    StopReason reason = StopReason::running;
    uint32_t code = 0;
    std::string detail;
};

struct DomainStats {
    std::atomic<uint64_t> exits{0};
    std::atomic<uint64_t> hypercalls{0};
    std::atomic<uint64_t> io_unhandled{0};
    std::atomic<uint64_t> mmio{0};
};

class Domain final : public HypercallHost {
public:
    Domain(hv::Hypervisor hv, hv::Vm vm, GuestMemory mem, hv::Backend backend);
    ~Domain() override;
    Domain(const Domain&) = delete;
    Domain& operator=(const Domain&) = delete;

    // Used by the builder, before start().
    void add_vcpu(hv::Vcpu vcpu) { vcpus_.push_back(std::move(vcpu)); }
    void set_console_fd(int fd) { console_fd_ = fd; }
    void set_identity(std::string name, uint32_t id, uint64_t tsc_khz);
    Status attach_devices();

    Status start();  // one thread per vCPU
    void stop();     // idempotent: records `destroyed` unless already stopped, kicks every vCPU
    void join();

    int outcome_fd() const { return done_.get(); }  // readable once an outcome is recorded
    Outcome outcome() const;
    hv::Backend backend() const { return backend_; }
    GuestMemory& memory() { return mem_; }
    const DomainStats& stats() const { return stats_; }

    // HypercallHost: called from vCPU threads.
    void console_write(std::span<const uint8_t> bytes) override;
    void yield() override;
    uint32_t block(uint64_t timeout_ns) override;
    void shutdown(uint32_t reason, uint32_t code) override;
    uint64_t time_ns(uint32_t clock) override;
    domus_domain_info domain_info() override;

private:
    void run_vcpu(hv::Vcpu& vcpu);
    bool handle_io(hv::Vcpu& vcpu, const hv::IoAccess& io);
    bool handle_hypercall_exit(hv::Vcpu& vcpu);
    void finish(StopReason reason, uint32_t code, std::string detail);
    void kick_all();

    hv::Hypervisor hv_;
    hv::Vm vm_;
    GuestMemory mem_;
    hv::Backend backend_;
    std::vector<hv::Vcpu> vcpus_;
    std::vector<std::thread> threads_;
    IoBus bus_;
    std::unique_ptr<Uart16550> uart_;

    std::string name_ = "domus";
    uint32_t domain_id_ = 1;
    uint64_t tsc_khz_ = 0;

    int console_fd_ = 1;
    std::mutex console_mu_;

    mutable std::mutex mu_;
    std::condition_variable wake_;
    Outcome outcome_;
    std::atomic<bool> stopping_{false};
    Fd done_;  // eventfd
    DomainStats stats_;
};

}  // namespace domus::vmm
