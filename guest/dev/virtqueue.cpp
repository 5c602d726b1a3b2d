#include "dev/virtqueue.hpp"

#include "arch/vmem.hpp"
#include "domus/abi/boot_info.h"
#include "kernel/boot.hpp"
#include "kernel/console.hpp"
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
constexpr uint32_t kConfig = 0x100;

constexpr uint32_t kAcknowledge = 1, kDriver = 2, kDriverOk = 4, kFeaturesOk = 8;
constexpr uint32_t kNeedsReset = 0x40, kFailed = 0x80;
constexpr uint16_t kDescNext = 1, kDescWrite = 2, kAvailNoInterrupt = 1;
constexpr uint32_t kAvailAt = 1024, kUsedAt = 2048;
constexpr uint64_t kVersion1 = 1ull << 32;

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

const domus_virtio_device* find_virtio_device(uint32_t device_id) {
    const domus_boot_info* bi = g_boot.info;
    if (bi == nullptr || bi->size < offsetof(domus_boot_info, virtio) + sizeof(bi->virtio)) {
        return nullptr;
    }
    for (uint32_t i = 0; i < bi->virtio_count && i < DOMUS_MAX_VIRTIO_DEVICES; ++i) {
        if (bi->virtio[i].device_id == device_id) return &bi->virtio[i];
    }
    return nullptr;
}

uint32_t VirtioMmio::read(uint32_t offset) const {
    return regs_[offset / 4];
}

void VirtioMmio::write(uint32_t offset, uint32_t value) {
    regs_[offset / 4] = value;
}

uint8_t VirtioMmio::config8(uint32_t offset) const {
    return *reinterpret_cast<volatile const uint8_t*>(
        reinterpret_cast<volatile const uint8_t*>(regs_) + kConfig + offset);
}

uint32_t VirtioMmio::config32(uint32_t offset) const {
    return read(kConfig + offset);
}

bool VirtioMmio::begin(uint64_t base, uint32_t device_id, uint64_t wanted) {
    base_ = base;
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
    write(kDeviceFeaturesSel, 0);
    uint64_t offered = read(kDeviceFeatures);
    write(kDeviceFeaturesSel, 1);
    offered |= uint64_t(read(kDeviceFeatures)) << 32;
    if (!(offered & kVersion1)) {
        kprintf("guest: virtio at 0x%lx: no VIRTIO_F_VERSION_1\n", base);
        return false;
    }
    features_ = kVersion1 | (offered & wanted);
    write(kDriverFeaturesSel, 0);
    write(kDriverFeatures, uint32_t(features_));
    write(kDriverFeaturesSel, 1);
    write(kDriverFeatures, uint32_t(features_ >> 32));
    write(kStatus, kAcknowledge | kDriver | kFeaturesOk);
    if (!(read(kStatus) & kFeaturesOk)) {
        kprintf("guest: virtio at 0x%lx: refused our features\n", base);
        return false;
    }
    return true;
}

bool VirtioMmio::finish() {
    write(kStatus, kAcknowledge | kDriver | kFeaturesOk | kDriverOk);
    const uint32_t status = read(kStatus);
    if (!(status & kDriverOk) || (status & kNeedsReset)) {
        kprintf("guest: virtio at 0x%lx: not accepted (status 0x%x)\n", base_, status);
        return false;
    }
    return true;
}

uint32_t Virtqueue::read(uint32_t offset) const {
    return regs_[offset / 4];
}

void Virtqueue::write(uint32_t offset, uint32_t value) {
    regs_[offset / 4] = value;
}

uint32_t Virtqueue::config32(uint32_t offset) const {
    return read(kConfig + offset);
}

uint64_t Virtqueue::config64(uint32_t offset) const {
    return uint64_t(read(kConfig + offset)) | uint64_t(read(kConfig + offset + 4)) << 32;
}

bool Virtqueue::init(uint64_t base, uint32_t device_id, uint64_t wanted) {
    VirtioMmio device;
    return device.begin(base, device_id, wanted) && setup(device, 0) && device.finish();
}

bool Virtqueue::setup(VirtioMmio& device, uint16_t index) {
    regs_ = device.regs();
    features_ = device.features();
    index_ = index;
    write(kQueueSel, index);
    const uint32_t max = read(kQueueNumMax);
    if (max == 0) {
        kprintf("guest: virtio at 0x%lx: no queue %u\n", device.base(), index);
        return false;
    }
    size_ = max < kMaxEntries ? uint16_t(max) : kMaxEntries;
    while (size_ & (size_ - 1)) size_ &= uint16_t(size_ - 1);  // a power of two
    const uint64_t ring_gpa = phys::alloc_zeroed();
    if (ring_gpa == 0) return false;
    ring_ = vmem::from_gpa<uint8_t>(ring_gpa);
    auto* desc = reinterpret_cast<Desc*>(ring_);
    for (uint16_t i = 0; i < size_; ++i) desc[i].next = uint16_t(i + 1);
    free_head_ = 0;
    free_count_ = size_;
    *reinterpret_cast<volatile uint16_t*>(ring_ + kAvailAt) = kAvailNoInterrupt;  // we poll
    write(kQueueNum, size_);
    write(kQueueDescLow, uint32_t(ring_gpa));
    write(kQueueDescHigh, uint32_t(ring_gpa >> 32));
    write(kQueueDriverLow, uint32_t(ring_gpa + kAvailAt));
    write(kQueueDriverHigh, uint32_t((ring_gpa + kAvailAt) >> 32));
    write(kQueueDeviceLow, uint32_t(ring_gpa + kUsedAt));
    write(kQueueDeviceHigh, uint32_t((ring_gpa + kUsedAt) >> 32));
    write(kQueueReady, 1);
    return true;
}

bool Virtqueue::add(const VirtqBuf* bufs, uint16_t count) {
    if (count == 0 || count > free_count_) return false;
    auto* desc = reinterpret_cast<volatile Desc*>(ring_);
    const uint16_t head = free_head_;
    uint16_t i = head;
    for (uint16_t n = 0; n < count; ++n) {
        desc[i].addr = bufs[n].gpa;
        desc[i].len = bufs[n].len;
        const uint16_t next = desc[i].next;
        desc[i].flags =
            uint16_t((bufs[n].device_writes ? kDescWrite : 0) | (n + 1 < count ? kDescNext : 0));
        if (n + 1 < count)
            i = next;
        else
            free_head_ = next;
    }
    free_count_ = uint16_t(free_count_ - count);
    chain_len_[head] = count;
    auto* avail_ring = reinterpret_cast<volatile uint16_t*>(ring_ + kAvailAt + 4);
    auto* avail_idx = reinterpret_cast<volatile uint16_t*>(ring_ + kAvailAt + 2);
    avail_ring[next_avail_ % size_] = head;
    barrier();
    *avail_idx = ++next_avail_;
    return true;
}

void Virtqueue::kick() {
    barrier();
    write(kQueueNotify, index_);
}

bool Virtqueue::reap(uint16_t* head, uint32_t* written, bool* bogus) {
    *bogus = false;
    auto* used_idx = reinterpret_cast<volatile uint16_t*>(ring_ + kUsedAt + 2);
    if (*used_idx == used_seen_) return false;
    barrier();
    const uint16_t slot = used_seen_ % size_;
    ++used_seen_;
    const auto* used = reinterpret_cast<volatile uint32_t*>(ring_ + kUsedAt + 4 + 8 * slot);
    const uint32_t id = used[0];
    *written = used[1];
    if (id >= size_ || chain_len_[id] == 0) {
        *bogus = true;  // the device answered something we never asked
        return true;
    }
    *head = uint16_t(id);
    // Back onto the free list: walk the chain to its last descriptor.
    auto* desc = reinterpret_cast<volatile Desc*>(ring_);
    uint16_t last = uint16_t(id);
    for (uint16_t n = 1; n < chain_len_[id]; ++n) last = desc[last].next;
    desc[last].next = free_head_;
    free_head_ = uint16_t(id);
    free_count_ = uint16_t(free_count_ + chain_len_[id]);
    chain_len_[id] = 0;
    return true;
}

void Virtqueue::set_interrupts(bool on) {
    *reinterpret_cast<volatile uint16_t*>(ring_ + kAvailAt) = on ? 0 : kAvailNoInterrupt;
    // The flag must be visible before the used index is read again (store -> load order).
    asm volatile("mfence" ::: "memory");
}

bool Virtqueue::device_failed() const {
    return (read(kStatus) & (kNeedsReset | kFailed)) != 0;
}

}  // namespace dev
