// The device side of a virtio split virtqueue (virtio 1.2 section 2.7) in guest memory: the
// layout check, descriptor-chain walking and the used ring. Everything the driver wrote is
// hostile input: each descriptor is read once into a local copy and checked (indices inside
// the queue, no loops, at most one pass over the table, readable buffers before writable ones,
// buffers inside RAM and clear of the queue's own rings, no zero lengths, indirect tables only
// when negotiated and never nested); a violation is an Error naming it, and the caller puts
// the device into "needs reset". No function here blocks, allocates guest memory or trusts a
// value it read twice.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "base/result.hpp"
#include "memory/guest_memory.hpp"

namespace domus::virtio {

inline constexpr uint16_t kDescNext = 1;
inline constexpr uint16_t kDescWrite = 2;
inline constexpr uint16_t kDescIndirect = 4;
inline constexpr uint16_t kAvailNoInterrupt = 1;  // avail.flags, without EVENT_IDX
inline constexpr uint16_t kUsedNoNotify = 1;      // used.flags, without EVENT_IDX
inline constexpr uint32_t kMaxQueueSize = 32768;
// Feature bits that shape a queue (the transport negotiates them).
inline constexpr uint64_t kFeatureIndirectDesc = 1ull << 28;
inline constexpr uint64_t kFeatureEventIdx = 1ull << 29;
inline constexpr uint32_t kDescBytes = 16;

// Where the driver put a queue (the transport's QueueDesc/QueueDriver/QueueDevice registers).
struct QueueLayout {
    uint32_t size = 0;    // QueueNum: a power of two, 1..32768
    uint64_t desc = 0;    // descriptor table: 16 * size bytes, 16-byte aligned
    uint64_t driver = 0;  // available ring: 6 + 2 * size bytes, 2-byte aligned
    uint64_t device = 0;  // used ring: 6 + 8 * size bytes, 4-byte aligned
};

// Pure: the layout is usable in `ram_bytes` of guest RAM: the size, the alignments, every area
// inside RAM and no two areas overlapping. The message names the bad value.
Status check_layout(const QueueLayout& q, uint64_t ram_bytes);

struct Segment {
    uint64_t gpa;
    uint32_t len;
};

// One request: the buffers the device reads, then the ones it writes.
struct Chain {
    uint16_t head = 0;
    std::vector<Segment> readable;
    std::vector<Segment> writable;
    uint64_t readable_bytes = 0;
    uint64_t writable_bytes = 0;
};

// Walks the chain that starts at descriptor `head` of a queue whose layout passed
// check_layout. `indirect` says whether VIRTIO_F_INDIRECT_DESC was negotiated.
Result<Chain> read_chain(const GuestMemory& mem, const QueueLayout& q, uint16_t head,
                         bool indirect);

// A queue's device-side cursor and the used ring. Not thread-safe: one back-end thread owns it.
class SplitQueue {
  public:
    SplitQueue() = default;
    // `layout` must have passed check_layout for this memory's size.
    SplitQueue(const QueueLayout& layout, bool event_idx, bool indirect)
        : q_(layout), event_idx_(event_idx), indirect_(indirect) {}

    // The next chain the driver made available; nullopt when there is none. An avail index
    // more than `size` ahead of the device, or a bad chain, is an Error (the queue is broken).
    Result<std::optional<Chain>> pop(const GuestMemory& mem);
    // Returns a chain to the driver with `written` bytes of its writable buffers filled.
    Status push_used(GuestMemory& mem, uint16_t head, uint32_t written);
    // Whether the driver asked to be interrupted for what push_used published since the last
    // call (EVENT_IDX: its used_event index was crossed; else avail.flags has no NO_INTERRUPT).
    bool should_interrupt(const GuestMemory& mem);
    // With EVENT_IDX: tells the driver not to notify before it makes entries past those the
    // device has seen (the used ring's avail_event). Call before re-checking pop() to close
    // the race with a driver that added a chain meanwhile.
    void set_avail_event(GuestMemory& mem);

    const QueueLayout& layout() const { return q_; }
    uint16_t next_avail() const { return next_avail_; }
    uint16_t next_used() const { return next_used_; }

  private:
    QueueLayout q_{};
    bool event_idx_ = false;
    bool indirect_ = false;
    uint16_t next_avail_ = 0;  // the next avail ring entry to read
    uint16_t next_used_ = 0;   // the next used ring entry to write
    uint16_t signalled_ = 0;   // next_used_ when should_interrupt last said yes or was asked
};

// The device's first queue as DRIVER_OK hands it over (VirtioDevice::activate): an Error
// naming `device` when the driver did not enable it; EVENT_IDX and INDIRECT_DESC as negotiated.
Result<SplitQueue> first_queue(const char* device, uint64_t features,
                               std::span<const QueueLayout> queues);

}  // namespace domus::virtio
