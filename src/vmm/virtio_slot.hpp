// One virtio-mmio device of a domain: its register window (MMIO exits from the vCPU threads)
// and the back-end thread that serves the queues when the driver writes to the window (its
// QueueNotify doorbell among them) and interrupts the driver with an MSI (KVM_SIGNAL_MSI from
// that thread: no vCPU exit). On this host an irqfd cannot carry an MSI (KVM_SET_GSI_ROUTING
// answers ENOTTY), and an ioeventfd doorbell, cheap to use, makes destroying the VM ~14 ms
// slower (~6 ms when deassigned first): worth it for the block and network devices' request
// rates, not for virtio-rng's few requests, whose doorbell is an MMIO exit (~28 us).
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <thread>

#include "base/fd.hpp"
#include "base/result.hpp"
#include "devices/virtio_rng.hpp"
#include "hv/hypervisor.hpp"
#include "memory/guest_memory.hpp"

namespace domus::vmm {

class VirtioSlot {
  public:
    // The thread starts with start(). `vm` outlives the slot.
    static Result<std::unique_ptr<VirtioSlot>> create(hv::Vm& vm, GuestMemory& mem,
                                                      std::unique_ptr<VirtioBackend> backend,
                                                      uint64_t base, uint8_t vector);
    ~VirtioSlot();
    VirtioSlot(const VirtioSlot&) = delete;
    VirtioSlot& operator=(const VirtioSlot&) = delete;

    bool contains(uint64_t gpa) const { return gpa >= base_ && gpa - base_ < kWindow; }
    // An MMIO exit inside the window (from any vCPU thread).
    void mmio(uint64_t gpa, bool is_write, std::span<uint8_t> data);

    Status start();
    void stop();  // idempotent; joins the thread

    VirtioBackend& backend() { return *backend_; }
    uint64_t base() const { return base_; }

  private:
    static constexpr uint64_t kWindow = 0x1000;
    VirtioSlot(const hv::Vm& vm, GuestMemory& mem, std::unique_ptr<VirtioBackend> backend,
               uint64_t base, uint8_t vector)
        : vm_(vm), mem_(mem), backend_(std::move(backend)), base_(base), vector_(vector) {}
    void run();

    const hv::Vm& vm_;
    GuestMemory& mem_;
    std::unique_ptr<VirtioBackend> backend_;
    uint64_t base_;
    uint8_t vector_;  // on vCPU 0 (APIC id 0)
    Fd notify_;       // written after each write to the window: the thread looks for work
    Fd stop_;         // wakes the thread to end
    std::thread thread_;
};

}  // namespace domus::vmm
