// virtio-blk (device id 2): a raw image file served through io_uring. One request queue; the
// back end's thread pops every available chain, decodes it (parse_blk_request: guest input),
// and submits its I/O - readv/writev straight between the image and guest RAM, fdatasync for
// flushes, fallocate for discard and write-zeroes - so that many requests are in flight at
// once; completions come back through the ring's eventfd to complete(), which writes each
// status byte, returns the chain and says whether the driver wants an interrupt (EVENT_IDX
// coalesces them). A request the disk cannot honour (past its end, a write to a read-only disk,
// an unknown type) gets an error status; a queue the driver broke puts the device into
// DEVICE_NEEDS_RESET. A rate limiter (bytes/s and ops/s) holds requests back with a timer on
// the same ring. I/O still in flight at a reset completes into guest RAM and is not returned.
#pragma once

#include <sys/uio.h>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "devices/disk_image.hpp"
#include "devices/io_ring.hpp"
#include "devices/rate_limiter.hpp"
#include "devices/virtio_backend.hpp"
#include "devices/virtio_blk_request.hpp"
#include "virtio/mmio_transport.hpp"
#include "virtio/split_queue.hpp"

namespace domus {

struct BlkLimits {
    uint64_t bytes_per_sec = 0;  // 0: unlimited
    uint64_t ops_per_sec = 0;
};

struct BlkStats {
    uint64_t requests = 0;  // returned to the driver
    uint64_t read_bytes = 0;
    uint64_t written_bytes = 0;
    uint64_t flushes = 0;
    uint64_t errors = 0;        // requests answered with an error status
    uint64_t throttled = 0;     // times the rate limiter held a request back
    uint64_t write_behind = 0;  // ranges whose host write-back was started (see below)
};

class VirtioBlk : public virtio::VirtioDevice, public VirtioBackend {
  public:
    static constexpr uint32_t kDeviceId = 2;
    static constexpr uint32_t kQueueSize = 256;
    static constexpr uint64_t kWriteBehindBytes = 8 << 20;
    static constexpr uint32_t kMaxSegments = kQueueSize - 2;  // seg_max (header and status)

    // Feature bits (virtio 1.2 section 5.2.3).
    static constexpr uint64_t kFeatureSegMax = 1ull << 2;
    static constexpr uint64_t kFeatureReadOnly = 1ull << 5;
    static constexpr uint64_t kFeatureBlkSize = 1ull << 6;
    static constexpr uint64_t kFeatureFlush = 1ull << 9;
    static constexpr uint64_t kFeatureDiscard = 1ull << 13;
    static constexpr uint64_t kFeatureWriteZeroes = 1ull << 14;

    // Sets up the ring (an Error when io_uring is unavailable). `serial` is what GET_ID
    // answers (at most 20 bytes are used).
    static Result<std::unique_ptr<VirtioBlk>> create(DiskImage image, uint64_t ram_bytes,
                                                     const BlkLimits& limits, std::string serial);
    ~VirtioBlk() override;

    const char* name() const override { return "virtio-blk"; }
    virtio::MmioTransport& transport() override { return transport_; }
    bool process(GuestMemory& mem) override;
    int completion_fd() const override { return ring_.event_fd(); }
    bool complete(GuestMemory& mem) override;
    bool wants_ioeventfd() const override { return true; }

    BlkStats stats() const;
    const DiskImage& image() const { return image_; }

    // VirtioDevice (called by the transport with its lock held).
    uint32_t device_id() const override { return kDeviceId; }
    uint64_t features() const override;
    uint32_t queue_count() const override { return 1; }
    uint32_t queue_max_size(uint32_t) const override { return kQueueSize; }
    void read_config(uint32_t offset, std::span<uint8_t> data) override;
    void write_config(uint32_t, std::span<const uint8_t>) override {}
    Status activate(uint64_t features, std::span<const virtio::QueueLayout> queues) override;
    void reset() override;

  private:
    // One request between pop and push_used. Slots are indexed by user_data, not by the
    // chain's head: a reset may leave old requests in flight while new ones start.
    struct Slot {
        bool busy = false;
        uint64_t generation = 0;
        uint16_t head = 0;
        BlkRequest req;
        std::vector<iovec> iov;  // in/out: the data, advanced past what is done
        uint64_t done = 0;       // bytes transferred so far
        int pending = 0;         // SQEs in flight (discard/write-zeroes: one per range)
        uint8_t status = kBlkOk;
    };
    static constexpr uint64_t kTimerTag = ~0ull;
    static constexpr uint64_t kWriteBehindTag = ~0ull - 1;

    VirtioBlk(DiskImage image, uint64_t ram_bytes, const BlkLimits& limits, std::string serial);
    // Lock held. Pops, decodes, admits and submits until the queue is empty, the limiter says
    // wait or no slot is free; true when a request was returned at once.
    bool pump(GuestMemory& mem, bool& broken);
    bool start(GuestMemory& mem, Slot& slot);  // false: finished at once (refusal, get_id)
    bool submit_io(Slot& slot, uint32_t index);
    void finish(GuestMemory& mem, Slot& slot, bool& broken);
    void on_completion(GuestMemory& mem, uint64_t data, int32_t res, bool& broken);
    int free_slot() const;
    void arm_timer(uint64_t ns);
    void note_written(uint64_t offset, uint64_t bytes);

    DiskImage image_;
    BlkDisk disk_;
    std::string serial_;
    virtio::MmioTransport transport_;
    IoRing ring_;
    mutable std::mutex mu_;  // everything below
    std::optional<virtio::SplitQueue> queue_;
    uint64_t generation_ = 0;
    std::vector<Slot> slots_;
    uint32_t in_flight_ = 0;
    std::optional<Slot> held_;  // popped, decoded, waiting for the rate limiter
    RateLimiter limiter_;
    bool timer_armed_ = false;
    __kernel_timespec timer_ts_{};
    bool returned_ = false;  // push_used since the last interrupt decision
    // Write-behind: once the guest has written kWriteBehindBytes, the host's write-back of the
    // range they span starts (sync_file_range WRITE through the ring, not waited for), so an
    // image's dirty data in the host's page cache stays bounded, the disk works while the
    // guest goes on writing, and a flush finds little left to write.
    uint64_t behind_lo_ = ~0ull, behind_hi_ = 0, behind_bytes_ = 0;
    bool behind_queued_ = false;  // an SQE for it awaits the next submit
    BlkStats stats_;
};

}  // namespace domus
