// virtio-net (device id 1) on a host TAP device: queue 0 receives (frames the TAP delivers are
// read straight into the driver's buffers), queue 1 transmits (a frame is written to the TAP
// straight from guest RAM behind a checked copy of its header). Frames carry virtio-net's
// header both ways, so checksum offload and TCP segmentation offload (64 KiB segments) cross
// the ring and the TAP untouched. The back end's thread waits on the doorbell, the TAP (for
// reading only while the driver has given buffers, for writing only while the TAP pushed
// back) and a timer for the rate limiters; EVENT_IDX coalesces notifications both ways.
// Guest input - chains and headers - is checked by split_queue and check_tx_frame: a bad
// frame is dropped and counted, a broken queue puts the device into DEVICE_NEEDS_RESET. A
// driver that never gives receive buffers only leaves frames queued in the host's TAP (its
// queue is bounded and drops), nothing else waits.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>

#include "base/fd.hpp"
#include "devices/rate_limiter.hpp"
#include "devices/tap.hpp"
#include "devices/virtio_backend.hpp"
#include "devices/virtio_net_hdr.hpp"
#include "virtio/mmio_transport.hpp"
#include "virtio/split_queue.hpp"

namespace domus {

struct NetLimits {
    uint64_t rx_bytes_per_sec = 0;  // towards the guest; 0: unlimited
    uint64_t tx_bytes_per_sec = 0;  // from the guest
};

struct NetStats {
    uint64_t rx_packets = 0;  // delivered to the guest
    uint64_t rx_bytes = 0;    // frame bytes, without virtio-net's header
    uint64_t rx_dropped = 0;  // frames the TAP had that did not fit the driver's buffer
    uint64_t tx_packets = 0;  // written to the TAP
    uint64_t tx_bytes = 0;
    uint64_t tx_dropped = 0;  // frames refused by check_tx_frame or by the TAP
    uint64_t throttled = 0;   // times a rate limiter held a direction back
};

class VirtioNet : public virtio::VirtioDevice, public VirtioBackend {
  public:
    static constexpr uint32_t kDeviceId = 1;
    static constexpr uint32_t kQueueSize = 256;
    static constexpr uint32_t kRxQueue = 0;
    static constexpr uint32_t kTxQueue = 1;

    // Feature bits (virtio 1.2 section 5.1.3).
    static constexpr uint64_t kFeatureCsum = 1ull << 0;       // we take partial checksums
    static constexpr uint64_t kFeatureGuestCsum = 1ull << 1;  // the driver takes them
    static constexpr uint64_t kFeatureMac = 1ull << 5;
    static constexpr uint64_t kFeatureGuestTso4 = 1ull << 7;
    static constexpr uint64_t kFeatureHostTso4 = 1ull << 11;
    static constexpr uint64_t kFeatureStatus = 1ull << 16;
    static constexpr uint16_t kStatusLinkUp = 1;

    static Result<std::unique_ptr<VirtioNet>> create(Tap tap, std::array<uint8_t, 6> mac,
                                                     uint64_t ram_bytes, const NetLimits& limits);

    const char* name() const override { return "virtio-net"; }
    virtio::MmioTransport& transport() override { return transport_; }
    bool process(GuestMemory& mem) override;
    size_t wait_fds(std::span<pollfd, kMaxWaitFds> out) const override;
    bool on_ready(GuestMemory& mem, std::span<const pollfd> ready) override;
    bool wants_ioeventfd() const override { return true; }

    NetStats stats() const;
    const Tap& tap() const { return tap_; }

    // VirtioDevice (called by the transport with its lock held).
    uint32_t device_id() const override { return kDeviceId; }
    uint64_t features() const override;
    uint32_t queue_count() const override { return 2; }
    uint32_t queue_max_size(uint32_t) const override { return kQueueSize; }
    void read_config(uint32_t offset, std::span<uint8_t> data) override;
    void write_config(uint32_t, std::span<const uint8_t>) override {}
    Status activate(uint64_t features, std::span<const virtio::QueueLayout> queues) override;
    void reset() override;

  private:
    enum class Outcome { idle, served, broken };
    VirtioNet(Tap tap, std::array<uint8_t, 6> mac, uint64_t ram_bytes, Fd timer,
              const NetLimits& limits);
    // With mu_ held.
    bool serve(GuestMemory& mem);  // both queues; true: interrupt
    Outcome serve_tx(GuestMemory& mem);
    Outcome serve_rx(GuestMemory& mem);
    Outcome send_frame(GuestMemory& mem, const virtio::Chain& c, bool& keep);
    void throttle(uint64_t wait_ns);
    static uint64_t now_ns();

    virtio::MmioTransport transport_;
    Tap tap_;
    std::array<uint8_t, 6> mac_;
    Fd timer_;  // timerfd: a rate limiter's wait
    NetLimits limits_;

    mutable std::mutex mu_;  // everything below (the thread, and activate/reset from vCPUs)
    std::optional<virtio::SplitQueue> rxq_, txq_;
    TxOffloads offloads_;
    std::optional<virtio::Chain> rx_chain_;  // popped, waiting for a frame from the TAP
    std::optional<virtio::Chain> tx_chain_;  // popped, waiting for the TAP or the limiter
    bool rx_wanted_ = false;                 // poll the TAP for frames (the driver gave buffers)
    bool tx_blocked_ = false;                // the TAP pushed back: poll it for room
    bool rx_failed_ = false;                 // the TAP read failed for good: stop polling it
    bool timer_armed_ = false;
    TokenBucket rx_limit_, tx_limit_;
    NetStats stats_;
};

}  // namespace domus
