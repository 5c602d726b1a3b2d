// The port-I/O bus: maps guest I/O port ranges to devices. Built once before any vCPU runs and
// read-only afterwards, so vCPU threads may call read()/write() concurrently without locks;
// each device does its own locking.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "base/result.hpp"

namespace domus {

// A device behind one or more I/O ports. `offset` is relative to the base the device was added
// at; `data` is the access (1, 2 or 4 bytes as the bus passes it). An access may run past the
// end of the device's range (e.g. a 4-byte read at its last port): the device must cope.
class PioDevice {
  public:
    virtual ~PioDevice() = default;
    virtual void pio_read(uint16_t offset, std::span<uint8_t> data) = 0;
    virtual void pio_write(uint16_t offset, std::span<const uint8_t> data) = 0;
};

class IoBus {
  public:
    // Registers [base, base + length) for `device` (not owned; must outlive the bus). Rejects
    // length 0, ranges past port 0xffff, a null device and overlap with an existing range.
    Status add(uint16_t base, uint16_t length, PioDevice* device, std::string name);

    // Dispatches to the device whose range holds `port`. Returns false, and fills `data` with
    // 0xff (a floating ISA bus), when no device claims the port or the size is not 1, 2 or 4.
    bool read(uint16_t port, std::span<uint8_t> data) const;
    // Returns false, dropping the data, when no device claims the port or the size is bad.
    bool write(uint16_t port, std::span<const uint8_t> data) const;

    size_t device_count() const { return ranges_.size(); }

  private:
    struct Range {
        uint32_t base;
        uint32_t end;  // exclusive; at most 0x10000
        PioDevice* device;
        std::string name;
    };
    const Range* find(uint16_t port) const;

    std::vector<Range> ranges_;  // sorted by base, non-overlapping
};

}  // namespace domus
