// One running domain: its VM, RAM, vCPUs and devices, and how it ended.
//
// Threads: the owner (domus run's or domus-vmm's main thread) builds the Domain, calls start(),
// waits for outcome_fd() or a signal, then stop() + join(). Only the owner calls start, stop,
// join, pause, unpause, post_event, console_input and the sink functions. Each vCPU has its
// own thread running run_vcpu(). Shared state under mu_: the outcome (first writer wins), the
// pending DOMUS_EVENT_* mask, the pause request and the parked-thread count; stopping_ and
// paused_ are also atomics so the run loop can test them without the lock. The console has
// its own locks (console_hub.hpp). mu_ is never held while taking a console lock or across a
// KVM ioctl.
#pragma once

#include <pthread.h>
#include <time.h>

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
#include "vmm/console_hub.hpp"
#include "vmm/core_dump.hpp"
#include "vmm/virtio_slot.hpp"

namespace domus::vmm {

enum class StopReason {
    running,       // not stopped yet
    poweroff,      // guest HC_SHUTDOWN(POWEROFF)
    reboot,        // guest HC_SHUTDOWN(REBOOT)
    crash,         // guest HC_SHUTDOWN(CRASH, code)
    exit,          // guest HC_SHUTDOWN(EXIT, status): its init program ended
    triple_fault,  // the vCPU reset itself (KVM_EXIT_SHUTDOWN)
    vcpu_error,    // an exit the monitor cannot continue from, or a KVM failure
    destroyed,     // stopped from outside (signal, destroy)
};

const char* to_string(StopReason reason);    // human: "triple fault"
const char* reason_name(StopReason reason);  // the exit file's: "triple_fault"

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
    void set_console_fd(int fd);  // the first, blocking console sink (stdout or the log file)
    // That sink is the log file at `path`: rotated to `path`.1 past max_bytes (0: never).
    Status set_console_log_rotation(std::string path, uint64_t max_bytes);
    Status set_console_log_path(std::string path);  // the same log, seen from a new root
    void set_identity(std::string name, uint32_t id, uint64_t tsc_khz);
    Status attach_devices();
    // A virtio-mmio device at `base` interrupting with `vector` on vCPU 0 (the builder's
    // layout, announced in the boot-info page).
    Status attach_virtio(std::unique_ptr<VirtioBackend> backend, uint64_t base, uint8_t vector);
    // The attached virtio back ends, for statistics.
    std::vector<VirtioBackend*> virtio_backends();
    // CPU time of the virtio back-end threads, each slot in attach order.
    std::vector<uint64_t> virtio_thread_cpu_ns() const;

    Status start();  // one thread per vCPU
    void stop();     // idempotent: records `destroyed` unless already stopped, kicks every vCPU
    void join();

    int outcome_fd() const { return done_.get(); }  // readable once an outcome is recorded
    Outcome outcome() const;
    hv::Backend backend() const { return backend_; }
    GuestMemory& memory() { return mem_; }
    const DomainStats& stats() const { return stats_; }
    uint32_t vcpu_count() const { return static_cast<uint32_t>(vcpus_.size()); }

    // Owner thread. Events wake a vCPU blocked in HC_BLOCK at once; BLOCK returns and clears
    // the pending mask.
    void post_event(uint32_t mask);
    // Parks every vCPU thread outside KVM_RUN and returns once all have parked (or the domain
    // stopped). Errors: already paused, or the vCPUs did not park within a few seconds.
    Status pause();
    Status unpause();  // error when not paused
    bool paused() const { return paused_.load(); }

    // Every vCPU's registers, vCPU 0 first. Only while no vCPU runs: paused, or after join().
    Result<std::vector<CoreVcpu>> vcpu_registers();
    const std::string& name() const { return name_; }

    // Console: input for the guest (posts DOMUS_EVENT_CONSOLE_INPUT when any byte is queued;
    // returns the bytes accepted), and the output sinks.
    size_t console_input(std::span<const uint8_t> bytes);
    ConsoleHub& console() { return console_; }

    // Status figures: CPU time of every vCPU thread so far, time since start().
    uint64_t vcpu_time_ns() const;
    uint64_t uptime_ns() const;

    // HypercallHost: called from vCPU threads.
    void console_write(std::span<const uint8_t> bytes) override;
    void yield() override;
    uint32_t block(uint64_t timeout_ns) override;
    void shutdown(uint32_t reason, uint32_t code) override;
    uint64_t time_ns(uint32_t clock) override;
    domus_domain_info domain_info() override;
    size_t console_read(std::span<uint8_t> out) override;
    bool set_event_irq(uint32_t vector, uint32_t vcpu) override;

  private:
    struct VcpuThread {
        clockid_t clock{};
        std::atomic<bool> started{false};  // clock is valid
        std::atomic<bool> exited{false};   // final_cpu_ns is valid
        std::atomic<uint64_t> final_cpu_ns{0};
    };

    void vcpu_thread(size_t index);
    void run_vcpu(hv::Vcpu& vcpu);
    void park_while_paused(std::unique_lock<std::mutex>& lock);
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
    std::unique_ptr<VcpuThread[]> thread_info_;
    IoBus bus_;
    std::unique_ptr<Uart16550> uart_;
    std::vector<std::unique_ptr<VirtioSlot>> virtio_;  // fixed once start() runs

    std::string name_ = "domus";
    uint32_t domain_id_ = 1;
    uint64_t tsc_khz_ = 0;

    ConsoleHub console_;
    int console_sink_ = 0;
    uint64_t started_ns_ = 0;

    mutable std::mutex mu_;
    std::condition_variable wake_;    // vCPU threads: events, unpause, stop
    std::condition_variable parked_;  // the owner in pause(): a thread parked or exited
    Outcome outcome_;
    uint32_t events_ = 0;  // pending DOMUS_EVENT_* mask
    // DOMUS_HC_EVENT_IRQ: vector (0 = none) in bits 0..7, vCPU in bits 8..39.
    std::atomic<uint64_t> event_irq_{0};
    size_t parked_count_ = 0;  // vCPU threads parked by a pause
    size_t live_threads_ = 0;  // vCPU threads still running run_vcpu
    std::atomic<bool> paused_{false};
    std::atomic<bool> stopping_{false};
    Fd done_;  // eventfd
    DomainStats stats_;
};

}  // namespace domus::vmm
