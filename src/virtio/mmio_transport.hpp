// The virtio-mmio transport (virtio 1.2 section 4.2, version 2 registers) of one device: the
// register file a driver programs through a 4 KiB MMIO window, the feature negotiation, the
// status state machine and the queues' layouts. Pure: it reads and writes nothing but its own
// state and calls its VirtioDevice; the monitor routes the window's MMIO exits here. Every
// value the driver writes is checked when it matters (features against the offer, queue sizes
// against the maximum, layouts against guest RAM); a driver that breaks the rules finds the
// device in DEVICE_NEEDS_RESET, and a reset (status 0) starts over.
#pragma once

#include <cstdint>
#include <mutex>
#include <span>
#include <vector>

#include "base/result.hpp"
#include "virtio/split_queue.hpp"

namespace domus::virtio {

// Register offsets.
inline constexpr uint32_t kRegMagic = 0x000;  // "virt"
inline constexpr uint32_t kRegVersion = 0x004;
inline constexpr uint32_t kRegDeviceId = 0x008;
inline constexpr uint32_t kRegVendorId = 0x00c;
inline constexpr uint32_t kRegDeviceFeatures = 0x010;
inline constexpr uint32_t kRegDeviceFeaturesSel = 0x014;
inline constexpr uint32_t kRegDriverFeatures = 0x020;
inline constexpr uint32_t kRegDriverFeaturesSel = 0x024;
inline constexpr uint32_t kRegQueueSel = 0x030;
inline constexpr uint32_t kRegQueueNumMax = 0x034;
inline constexpr uint32_t kRegQueueNum = 0x038;
inline constexpr uint32_t kRegQueueReady = 0x044;
inline constexpr uint32_t kRegQueueNotify = 0x050;
inline constexpr uint32_t kRegInterruptStatus = 0x060;
inline constexpr uint32_t kRegInterruptAck = 0x064;
inline constexpr uint32_t kRegStatus = 0x070;
inline constexpr uint32_t kRegQueueDescLow = 0x080;
inline constexpr uint32_t kRegQueueDescHigh = 0x084;
inline constexpr uint32_t kRegQueueDriverLow = 0x090;
inline constexpr uint32_t kRegQueueDriverHigh = 0x094;
inline constexpr uint32_t kRegQueueDeviceLow = 0x0a0;
inline constexpr uint32_t kRegQueueDeviceHigh = 0x0a4;
inline constexpr uint32_t kRegConfigGeneration = 0x0fc;
inline constexpr uint32_t kRegConfig = 0x100;
inline constexpr uint32_t kMmioWindow = 0x1000;

inline constexpr uint32_t kMagic = 0x74726976;     // "virt"
inline constexpr uint32_t kVendorId = 0x554d4f44;  // "DOMU"

// Device status bits.
inline constexpr uint32_t kStatusAcknowledge = 1;
inline constexpr uint32_t kStatusDriver = 2;
inline constexpr uint32_t kStatusDriverOk = 4;
inline constexpr uint32_t kStatusFeaturesOk = 8;
inline constexpr uint32_t kStatusNeedsReset = 0x40;
inline constexpr uint32_t kStatusFailed = 0x80;

// Interrupt status bits.
inline constexpr uint32_t kInterruptUsedRing = 1;
inline constexpr uint32_t kInterruptConfig = 2;

// Feature bits the transport knows.
// (INDIRECT_DESC and EVENT_IDX, the queue's own features, are in split_queue.hpp.)
inline constexpr uint64_t kFeatureVersion1 = 1ull << 32;

// What a device back end gives its transport. Called with the transport's lock held.
class VirtioDevice {
  public:
    virtual ~VirtioDevice() = default;
    virtual uint32_t device_id() const = 0;
    // Offered features, VERSION_1 included (the transport adds nothing).
    virtual uint64_t features() const = 0;
    virtual uint32_t queue_count() const = 0;
    virtual uint32_t queue_max_size(uint32_t queue) const = 0;
    // The device-specific configuration space (reads past its end see zeros; writes the device
    // does not take are ignored).
    virtual void read_config(uint32_t offset, std::span<uint8_t> data) = 0;
    virtual void write_config(uint32_t offset, std::span<const uint8_t> data) = 0;
    // DRIVER_OK: the negotiated features and every queue's layout (size 0: not enabled), each
    // checked against RAM already. An error puts the device into DEVICE_NEEDS_RESET.
    virtual Status activate(uint64_t features, std::span<const QueueLayout> queues) = 0;
    // The driver reset the device (status 0) or the device was activated and is reset now.
    virtual void reset() = 0;
};

class MmioTransport {
  public:
    MmioTransport(VirtioDevice& device, uint64_t ram_bytes);

    // One MMIO access at `offset` into the 4 KiB window. Registers take aligned 32-bit
    // accesses only (others read as zero and are dropped); the config space takes any width.
    void read(uint32_t offset, std::span<uint8_t> data);
    void write(uint32_t offset, std::span<const uint8_t> data);

    // The device has completions (kInterruptUsedRing) or a configuration change / a need for a
    // reset (kInterruptConfig); the caller then signals the interrupt.
    void raise(uint32_t bits);
    // The back end found the driver breaking the rules: DEVICE_NEEDS_RESET and a config
    // interrupt (the caller signals it).
    void set_needs_reset();

    uint32_t status() const;
    bool driver_ok() const;
    // Whether a notify of `queue` (a QueueNotify write) may be acted on: DRIVER_OK, no
    // DEVICE_NEEDS_RESET, and the queue enabled.
    bool queue_live(uint32_t queue) const;

  private:
    struct QueueRegs {
        QueueLayout layout;
        bool ready = false;
    };
    void write_register(uint32_t offset, uint32_t value);
    uint32_t read_register(uint32_t offset) const;
    void write_status(uint32_t value);
    void reset_locked();

    VirtioDevice& device_;
    uint64_t ram_bytes_;
    mutable std::mutex mu_;
    uint32_t status_ = 0;
    uint32_t device_features_sel_ = 0;
    uint32_t driver_features_sel_ = 0;
    uint64_t driver_features_ = 0;
    uint32_t queue_sel_ = 0;
    uint32_t interrupt_status_ = 0;
    uint32_t config_generation_ = 0;
    std::vector<QueueRegs> queues_;
};

}  // namespace domus::virtio
