// virtio-rng (device id 4): one request queue whose chains are device-writable buffers the
// device fills from the host's getrandom(2). The back end's request handling is process():
// whoever owns the device's thread calls it when the driver notifies; it pops every available
// chain, fills its writable buffers (at most kMaxBytesPerRequest each), returns it, and says
// whether the driver wants an interrupt. A queue the driver broke puts the transport into
// DEVICE_NEEDS_RESET and the device stops serving until the driver resets it.
#pragma once

#include <cstdint>
#include <mutex>
#include <optional>

#include "devices/virtio_backend.hpp"
#include "memory/guest_memory.hpp"
#include "virtio/mmio_transport.hpp"
#include "virtio/split_queue.hpp"

namespace domus {

class VirtioRng : public virtio::VirtioDevice, public VirtioBackend {
  public:
    static constexpr uint32_t kDeviceId = 4;
    static constexpr uint32_t kQueueSize = 256;
    static constexpr uint32_t kMaxBytesPerRequest = 64 * 1024;

    explicit VirtioRng(uint64_t ram_bytes) : transport_(*this, ram_bytes) {}

    const char* name() const override { return "virtio-rng"; }
    virtio::MmioTransport& transport() override { return transport_; }

    // Serves the request queue. Returns true when the driver should be interrupted.
    bool process(GuestMemory& mem) override;

    uint64_t bytes_served() const;
    uint64_t requests_served() const;

    // VirtioDevice (called by the transport with its lock held).
    uint32_t device_id() const override { return kDeviceId; }
    uint64_t features() const override;
    uint32_t queue_count() const override { return 1; }
    uint32_t queue_max_size(uint32_t) const override { return kQueueSize; }
    void read_config(uint32_t, std::span<uint8_t>) override {}
    void write_config(uint32_t, std::span<const uint8_t>) override {}
    Status activate(uint64_t features, std::span<const virtio::QueueLayout> queues) override;
    void reset() override;

  private:
    virtio::MmioTransport transport_;
    mutable std::mutex mu_;  // the queue (process() and activate/reset from the transport)
    std::optional<virtio::SplitQueue> queue_;
    uint64_t bytes_ = 0;
    uint64_t requests_ = 0;
};

}  // namespace domus
