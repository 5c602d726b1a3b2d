#include "dev/virtio_mmio.hpp"

#include "arch/cpu.hpp"
#include "arch/vmem.hpp"
#include "kernel/console.hpp"
#include "kernel/time.hpp"
#include "mm/kpt.hpp"
#include "mm/phys.hpp"

namespace dev {

namespace {

// Registers (virtio 1.2 section 4.2.2).
constexpr uint32_t kMagic = 0x000, kVersion = 0x004, kDeviceId = 0x008;
constexpr uint32_t kDeviceFeatures = 0x010, kDeviceFeaturesSel = 0x014;
constexpr uint32_t kDriverFeatures = 0x020, kDriverFeaturesSel = 0x024;
constexpr uint32_t kQueueSel = 0x030, kQueueNumMax = 0x034, kQueueNum = 0x038;
constexpr uint32_t kQueueReady = 0x044, kQueueNotify = 0x050, kStatus = 0x070;
constexpr uint32_t kQueueDescLow = 0x080, kQueueDescHigh = 0x084;
constexpr uint32_t kQueueDriverLow = 0x090, kQueueDriverHigh = 0x094;
constexpr uint32_t kQueueDeviceLow = 0x0a0, kQueueDeviceHigh = 0x0a4;

constexpr uint32_t kAcknowledge = 1, kDriver = 2, kDriverOk = 4, kFeaturesOk = 8;
constexpr uint32_t kNeedsReset = 0x40;
constexpr uint16_t kDescWrite = 2, kAvailNoInterrupt = 1;
constexpr uint16_t kQueueEntries = 8;
// Offsets in the ring page: 8 descriptors (128 bytes), the available ring at 128 (6 + 16
// bytes), the used ring at 256 (6 + 64 bytes).
constexpr uint32_t kAvailAt = 128, kUsedAt = 256;

struct Desc {
    uint64_t addr;
    uint32_t len;
    uint16_t flags;
    uint16_t next;
};

void barrier() {
    asm volatile("" ::: "memory");  // x86: stores stay ordered; keep the compiler's order too
}

}  // namespace

uint32_t VirtioPolled::read(uint32_t offset) const {
    return regs_[offset / 4];
}

void VirtioPolled::write(uint32_t offset, uint32_t value) {
    regs_[offset / 4] = value;
}

bool VirtioPolled::init(uint64_t base, uint32_t device_id) {
    if (!kpt::map_mmio(base)) {
        kprintf("guest: virtio at 0x%lx: cannot map its window\n", base);
        return false;
    }
    regs_ = vmem::from_gpa<volatile uint32_t>(base);
    if (read(kMagic) != 0x74726976 || read(kVersion) != 2 || read(kDeviceId) != device_id) {
        kprintf("guest: virtio at 0x%lx: not a version 2 device %u\n", base, device_id);
        return false;
    }
    write(kStatus, 0);
    write(kStatus, kAcknowledge);
    write(kStatus, kAcknowledge | kDriver);
    write(kDeviceFeaturesSel, 1);
    if (!(read(kDeviceFeatures) & 1)) {
        kprintf("guest: virtio at 0x%lx: no VIRTIO_F_VERSION_1\n", base);
        return false;
    }
    write(kDriverFeaturesSel, 0);
    write(kDriverFeatures, 0);
    write(kDriverFeaturesSel, 1);
    write(kDriverFeatures, 1);  // VERSION_1 (bit 32) and nothing else
    write(kStatus, kAcknowledge | kDriver | kFeaturesOk);
    if (!(read(kStatus) & kFeaturesOk)) {
        kprintf("guest: virtio at 0x%lx: refused our features\n", base);
        return false;
    }
    write(kQueueSel, 0);
    const uint32_t max = read(kQueueNumMax);
    if (max == 0) {
        kprintf("guest: virtio at 0x%lx: no queue 0\n", base);
        return false;
    }
    size_ = max < kQueueEntries ? uint16_t(max) : kQueueEntries;
    while (size_ & (size_ - 1)) size_ &= uint16_t(size_ - 1);  // a power of two
    ring_gpa_ = phys::alloc_zeroed();
    if (ring_gpa_ == 0) return false;
    ring_ = vmem::from_gpa<uint8_t>(ring_gpa_);
    *reinterpret_cast<volatile uint16_t*>(ring_ + kAvailAt) = kAvailNoInterrupt;  // we poll
    write(kQueueNum, size_);
    write(kQueueDescLow, uint32_t(ring_gpa_));
    write(kQueueDescHigh, uint32_t(ring_gpa_ >> 32));
    write(kQueueDriverLow, uint32_t(ring_gpa_ + kAvailAt));
    write(kQueueDriverHigh, uint32_t((ring_gpa_ + kAvailAt) >> 32));
    write(kQueueDeviceLow, uint32_t(ring_gpa_ + kUsedAt));
    write(kQueueDeviceHigh, uint32_t((ring_gpa_ + kUsedAt) >> 32));
    write(kQueueReady, 1);
    write(kStatus, kAcknowledge | kDriver | kFeaturesOk | kDriverOk);
    const uint32_t status = read(kStatus);
    if (!(status & kDriverOk) || (status & kNeedsReset)) {
        kprintf("guest: virtio at 0x%lx: not accepted (status 0x%x)\n", base, status);
        return false;
    }
    return true;
}

int64_t VirtioPolled::request_writable(uint64_t gpa, uint32_t len, uint64_t timeout_ns) {
    if (ring_ == nullptr) return -1;
    auto* desc = reinterpret_cast<volatile Desc*>(ring_);
    desc[0].addr = gpa;
    desc[0].len = len;
    desc[0].flags = kDescWrite;
    desc[0].next = 0;
    auto* avail_ring = reinterpret_cast<volatile uint16_t*>(ring_ + kAvailAt + 4);
    auto* avail_idx = reinterpret_cast<volatile uint16_t*>(ring_ + kAvailAt + 2);
    avail_ring[next_avail_ % size_] = 0;
    barrier();
    *avail_idx = ++next_avail_;
    barrier();
    write(kQueueNotify, 0);
    auto* used_idx = reinterpret_cast<volatile uint16_t*>(ring_ + kUsedAt + 2);
    const uint64_t deadline = time_monotonic_ns() + timeout_ns;
    while (*used_idx == used_seen_) {
        if (time_monotonic_ns() > deadline) return -1;  // a broken or stopped device
        cpu::pause();
    }
    barrier();
    const uint16_t slot = used_seen_ % size_;
    ++used_seen_;
    const auto* used = reinterpret_cast<volatile uint32_t*>(ring_ + kUsedAt + 4 + 8 * slot);
    const uint32_t id = used[0], written = used[1];
    if (id != 0 || written > len) return -1;  // the device answered something we never asked
    return written;
}

}  // namespace dev
