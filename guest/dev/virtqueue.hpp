// A virtio-mmio device (version 2 registers) driven through split virtqueues of up to 64
// entries in one page each (virtio-net has two, the others one), with chains of several buffers and
// many requests in flight (virtio-blk; virtio-rng uses it with one buffer at a time). Each register
// access is an MMIO exit to the monitor (~28 us on the PVM host), so set-up happens once. The
// driver asks for no interrupts (VIRTQ_AVAIL_F_NO_INTERRUPT) unless someone sleeps, and reaps the
// used ring itself: the kernel runs with interrupts masked and is not preemptible, so a caller
// waiting for its request spins (cpu::pause) until the device answers or a deadline passes.
// Register accesses are MMIO exits to the monitor; the doorbell may be an ioeventfd (no monitor
// exit).
#pragma once

#include <stdint.h>

struct domus_virtio_device;

namespace dev {

// The first virtio device of `device_id` the boot-info page announces; nullptr when there is
// none (or the page predates the virtio list).
const domus_virtio_device* find_virtio_device(uint32_t device_id);

// A virtio-mmio device's register window: the bring-up up to FEATURES_OK (begin), its queues
// (Virtqueue::setup), then DRIVER_OK (finish). Messages name the device's address.
class VirtioMmio {
  public:
    // Maps the window, resets the device, checks its identity and negotiates VERSION_1 plus
    // the `wanted` features it offers.
    bool begin(uint64_t base, uint32_t device_id, uint64_t wanted);
    bool finish();  // DRIVER_OK, and the device accepted it
    uint64_t features() const { return features_; }
    uint64_t base() const { return base_; }
    uint32_t read(uint32_t offset) const;
    void write(uint32_t offset, uint32_t value);
    uint8_t config8(uint32_t offset) const;
    uint32_t config32(uint32_t offset) const;
    volatile uint32_t* regs() const { return regs_; }

  private:
    volatile uint32_t* regs_ = nullptr;
    uint64_t base_ = 0;
    uint64_t features_ = 0;
};

struct VirtqBuf {
    uint64_t gpa;
    uint32_t len;
    bool device_writes;
};

class Virtqueue {
  public:
    static constexpr uint16_t kMaxEntries = 64;

    // Maps the window, resets the device, checks its identity, negotiates VERSION_1 plus the
    // `wanted` device features it offers, and sets up queue 0. false (with a kernel message
    // naming the device and the problem) when the device does not behave.
    bool init(uint64_t base, uint32_t device_id, uint64_t wanted);
    // Sets up queue `index` of a device between VirtioMmio::begin and finish.
    bool setup(VirtioMmio& device, uint16_t index);
    uint64_t features() const { return features_; }
    uint32_t config32(uint32_t offset) const;
    uint64_t config64(uint32_t offset) const;

    uint16_t free_count() const { return free_count_; }
    // The head the next add() will use (for per-request state indexed by head).
    uint16_t next_head() const { return free_head_; }
    // Publishes a chain (readable buffers first); false when there are too few descriptors.
    bool add(const VirtqBuf* bufs, uint16_t count);
    void kick();  // QueueNotify (this queue's index)
    // Takes the next used entry: its head and the bytes written; frees its descriptors. false
    // when there is none (or the device returned a head that was not in flight: `bogus`).
    bool reap(uint16_t* head, uint32_t* written, bool* bogus);
    // Whether the device should interrupt when it returns requests (VIRTQ_AVAIL_F_NO_INTERRUPT
    // cleared or set). After turning them on, reap() again before sleeping: a request the
    // device returned just before saw them off. Includes the full fence that needs.
    void set_interrupts(bool on);
    // DEVICE_NEEDS_RESET or FAILED in the status register (an MMIO exit: call on timeouts).
    bool device_failed() const;

  private:
    uint32_t read(uint32_t offset) const;
    void write(uint32_t offset, uint32_t value);

    volatile uint32_t* regs_ = nullptr;
    uint8_t* ring_ = nullptr;  // descriptors at 0, available ring at 1024, used ring at 2048
    uint64_t features_ = 0;
    uint16_t size_ = 0;
    uint16_t index_ = 0;
    uint16_t free_head_ = 0;
    uint16_t free_count_ = 0;
    uint16_t next_avail_ = 0;
    uint16_t used_seen_ = 0;
    uint16_t chain_len_[kMaxEntries] = {};  // per head in flight (0: not in flight)
};

}  // namespace dev
