// A virtio-mmio device (version 2 registers) the kernel drives through one polled queue: the
// driver asks for no interrupts (VIRTQ_AVAIL_F_NO_INTERRUPT) and waits for the used index, which
// suits devices used now and then (the entropy source). Each register access is an MMIO exit
// to the monitor (~28 us on the PVM host), so set-up happens on first use, not at boot.
#pragma once

#include <stdint.h>

namespace dev {

class VirtioPolled {
  public:
    // Maps the window, resets the device, checks its identity (`device_id`), negotiates
    // VIRTIO_F_VERSION_1 alone and sets up queue 0 (up to 8 entries in one page). false, with a
    // kernel message naming the problem, when the device does not behave.
    bool init(uint64_t base, uint32_t device_id);
    // One request: a single device-writable buffer [gpa, gpa + len). Returns the bytes the
    // device wrote, or -1 when it did not answer within `timeout_ns` or broke the protocol.
    int64_t request_writable(uint64_t gpa, uint32_t len, uint64_t timeout_ns);

  private:
    uint32_t read(uint32_t offset) const;
    void write(uint32_t offset, uint32_t value);

    volatile uint32_t* regs_ = nullptr;
    uint8_t* ring_ = nullptr;  // one page: descriptors, then the available and used rings
    uint64_t ring_gpa_ = 0;
    uint16_t size_ = 0;
    uint16_t next_avail_ = 0;
    uint16_t used_seen_ = 0;
};

}  // namespace dev
