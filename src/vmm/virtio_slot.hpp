// One virtio-mmio device of a domain: its register window (MMIO exits from the vCPU threads)
// and the back-end thread that serves the queues when the driver writes to the window (its
// QueueNotify doorbell among them) and interrupts the driver through an irqfd (an MSI route:
// no vCPU exit; writes that come faster than the guest takes them coalesce in the eventfd).
// The doorbell is an MMIO exit (~28 us) for devices with few requests (virtio-rng) and an
// ioeventfd for the others (VirtioBackend::wants_ioeventfd): on this host a VM with an
// ioeventfd takes ~14 ms longer to destroy (~6 ms when deassigned first, which the VM does),
// worth paying for a disk's request rate, not for the entropy source's few requests. A back
// end whose work completes later (disk I/O) gives a completion fd the thread also waits on.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <span>
#include <thread>

#include "base/fd.hpp"
#include "base/result.hpp"
#include "devices/virtio_backend.hpp"
#include "hv/hypervisor.hpp"
#include "memory/guest_memory.hpp"

namespace domus::vmm {

class VirtioSlot {
  public:
    // Registers the interrupt with KVM; the thread starts with start().
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
    // CPU time of the back-end thread so far (or in all, once it ended).
    uint64_t thread_cpu_ns() const;
    uint64_t base() const { return base_; }

  private:
    static constexpr uint64_t kWindow = 0x1000;
    VirtioSlot(GuestMemory& mem, std::unique_ptr<VirtioBackend> backend, uint64_t base)
        : mem_(mem), backend_(std::move(backend)), base_(base) {}
    void run();

    GuestMemory& mem_;
    std::unique_ptr<VirtioBackend> backend_;
    uint64_t base_;
    Fd notify_;  // written after each write to the window: the thread looks for work
    Fd irq_;     // the interrupt (irqfd: an MSI to vCPU 0)
    Fd stop_;    // wakes the thread to end
    std::thread thread_;
    std::atomic<uint64_t> final_cpu_ns_{0};
    std::atomic<bool> ended_{false};
};

}  // namespace domus::vmm
