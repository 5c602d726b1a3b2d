#include "virtio/mmio_transport.hpp"

#include <cstring>

namespace domus::virtio {

MmioTransport::MmioTransport(VirtioDevice& device, uint64_t ram_bytes)
    : device_(device), ram_bytes_(ram_bytes), queues_(device.queue_count()) {}

void MmioTransport::read(uint32_t offset, std::span<uint8_t> data) {
    std::lock_guard lock(mu_);
    std::memset(data.data(), 0, data.size());
    if (offset >= kMmioWindow || data.size() > kMmioWindow - offset) return;
    if (offset >= kRegConfig) {
        device_.read_config(offset - kRegConfig, data);
        return;
    }
    if (data.size() != 4 || offset % 4 != 0) return;
    const uint32_t value = read_register(offset);
    std::memcpy(data.data(), &value, 4);
}

void MmioTransport::write(uint32_t offset, std::span<const uint8_t> data) {
    std::lock_guard lock(mu_);
    if (offset >= kMmioWindow || data.size() > kMmioWindow - offset) return;
    if (offset >= kRegConfig) {
        device_.write_config(offset - kRegConfig, data);
        return;
    }
    if (data.size() != 4 || offset % 4 != 0) return;
    uint32_t value;
    std::memcpy(&value, data.data(), 4);
    write_register(offset, value);
}

uint32_t MmioTransport::read_register(uint32_t offset) const {
    const bool have_queue = queue_sel_ < queues_.size();
    const QueueLayout* q = have_queue ? &queues_[queue_sel_].layout : nullptr;
    switch (offset) {
        case kRegMagic:
            return kMagic;
        case kRegVersion:
            return 2;
        case kRegDeviceId:
            return device_.device_id();
        case kRegVendorId:
            return kVendorId;
        case kRegDeviceFeatures:
            return device_features_sel_ > 1
                       ? 0
                       : uint32_t(device_.features() >> (32 * device_features_sel_));
        case kRegQueueNumMax:
            return have_queue ? device_.queue_max_size(queue_sel_) : 0;
        case kRegQueueNum:
            return q ? q->size : 0;
        case kRegQueueReady:
            return have_queue && queues_[queue_sel_].ready ? 1 : 0;
        case kRegInterruptStatus:
            return interrupt_status_;
        case kRegStatus:
            return status_;
        case kRegQueueDescLow:
            return q ? uint32_t(q->desc) : 0;
        case kRegQueueDescHigh:
            return q ? uint32_t(q->desc >> 32) : 0;
        case kRegQueueDriverLow:
            return q ? uint32_t(q->driver) : 0;
        case kRegQueueDriverHigh:
            return q ? uint32_t(q->driver >> 32) : 0;
        case kRegQueueDeviceLow:
            return q ? uint32_t(q->device) : 0;
        case kRegQueueDeviceHigh:
            return q ? uint32_t(q->device >> 32) : 0;
        case kRegConfigGeneration:
            return config_generation_;
        default:
            return 0;
    }
}

void MmioTransport::write_register(uint32_t offset, uint32_t value) {
    // Queue registers take values only for an existing queue that is not enabled yet, and
    // never once the driver said DRIVER_OK.
    const bool queue_writable =
        queue_sel_ < queues_.size() && !queues_[queue_sel_].ready && !(status_ & kStatusDriverOk);
    auto set_half = [&](uint64_t& field, bool high) {
        if (!queue_writable) return;
        field = high ? (field & 0xffffffffull) | (uint64_t{value} << 32)
                     : (field & ~0xffffffffull) | value;
    };
    QueueLayout* q = queue_sel_ < queues_.size() ? &queues_[queue_sel_].layout : nullptr;
    switch (offset) {
        case kRegDeviceFeaturesSel:
            device_features_sel_ = value;
            return;
        case kRegDriverFeaturesSel:
            driver_features_sel_ = value;
            return;
        case kRegDriverFeatures:
            // Only while negotiating: after DRIVER and before FEATURES_OK.
            if (!(status_ & kStatusDriver) || (status_ & kStatusFeaturesOk)) return;
            if (driver_features_sel_ == 0) {
                driver_features_ = (driver_features_ & ~0xffffffffull) | value;
            } else if (driver_features_sel_ == 1) {
                driver_features_ = (driver_features_ & 0xffffffffull) | (uint64_t{value} << 32);
            }
            return;
        case kRegQueueSel:
            queue_sel_ = value;
            return;
        case kRegQueueNum:
            if (queue_writable) q->size = value;
            return;
        case kRegQueueDescLow:
        case kRegQueueDescHigh:
            if (q) set_half(q->desc, offset == kRegQueueDescHigh);
            return;
        case kRegQueueDriverLow:
        case kRegQueueDriverHigh:
            if (q) set_half(q->driver, offset == kRegQueueDriverHigh);
            return;
        case kRegQueueDeviceLow:
        case kRegQueueDeviceHigh:
            if (q) set_half(q->device, offset == kRegQueueDeviceHigh);
            return;
        case kRegQueueReady:
            if (queue_sel_ >= queues_.size() || (status_ & kStatusDriverOk)) return;
            if (value == 0) {
                queues_[queue_sel_].ready = false;
            } else if (!queues_[queue_sel_].ready) {
                // A size beyond the maximum or a layout outside RAM: the driver is broken.
                if (q->size > device_.queue_max_size(queue_sel_) ||
                    !check_layout(*q, ram_bytes_).ok()) {
                    status_ |= kStatusNeedsReset;
                    interrupt_status_ |= kInterruptConfig;
                    return;
                }
                queues_[queue_sel_].ready = true;
            }
            return;
        case kRegInterruptAck:
            interrupt_status_ &= ~value;
            return;
        case kRegStatus:
            write_status(value);
            return;
        default:
            return;  // read-only or unknown registers, QueueNotify (the back end's eventfd)
    }
}

void MmioTransport::write_status(uint32_t value) {
    if (value == 0) {
        reset_locked();
        return;
    }
    constexpr uint32_t kKnown =
        kStatusAcknowledge | kStatusDriver | kStatusDriverOk | kStatusFeaturesOk | kStatusFailed;
    const uint32_t added = value & kKnown & ~status_;  // the driver never clears bits but by 0
    if (added & kStatusFeaturesOk) {
        const uint64_t offered = device_.features();
        const bool ok = (status_ & kStatusDriver) && (driver_features_ & ~offered) == 0 &&
                        (driver_features_ & kFeatureVersion1);
        if (ok) status_ |= kStatusFeaturesOk;  // else the driver reads FEATURES_OK back as 0
    }
    status_ |= added & (kStatusAcknowledge | kStatusDriver | kStatusFailed);
    if ((added & kStatusDriverOk) && (status_ & kStatusFeaturesOk) &&
        !(status_ & kStatusNeedsReset)) {
        std::vector<QueueLayout> layouts(queues_.size());
        for (size_t i = 0; i < queues_.size(); ++i) {
            if (queues_[i].ready) layouts[i] = queues_[i].layout;
        }
        if (device_.activate(driver_features_, layouts).ok()) {
            status_ |= kStatusDriverOk;
        } else {
            status_ |= kStatusNeedsReset;
            interrupt_status_ |= kInterruptConfig;
        }
    }
}

void MmioTransport::reset_locked() {
    device_.reset();
    status_ = 0;
    device_features_sel_ = driver_features_sel_ = 0;
    driver_features_ = 0;
    queue_sel_ = 0;
    interrupt_status_ = 0;
    for (QueueRegs& q : queues_) q = QueueRegs{};
}

void MmioTransport::raise(uint32_t bits) {
    std::lock_guard lock(mu_);
    interrupt_status_ |= bits;
}

void MmioTransport::set_needs_reset() {
    std::lock_guard lock(mu_);
    status_ |= kStatusNeedsReset;
    interrupt_status_ |= kInterruptConfig;
}

uint32_t MmioTransport::status() const {
    std::lock_guard lock(mu_);
    return status_;
}

bool MmioTransport::driver_ok() const {
    std::lock_guard lock(mu_);
    return (status_ & kStatusDriverOk) != 0;
}

bool MmioTransport::queue_live(uint32_t queue) const {
    std::lock_guard lock(mu_);
    return (status_ & kStatusDriverOk) && !(status_ & kStatusNeedsReset) &&
           queue < queues_.size() && queues_[queue].ready;
}

}  // namespace domus::virtio
