#include "dev/block.hpp"

#include "abi/errno.hpp"
#include "kernel/lock.hpp"
#include "kernel/string.hpp"

namespace blk {

namespace {

constinit SpinLock g_lock;
constinit BlockDevice* g_devices[kMaxDevices] = {};
constinit int g_count = 0;

}  // namespace

int register_device(BlockDevice* dev) {
    LockGuard guard(g_lock);
    if (g_count == kMaxDevices) return -linux_errno::ENOSPC;
    g_devices[g_count] = dev;
    __atomic_store_n(&g_count, g_count + 1, __ATOMIC_RELEASE);
    return 0;
}

BlockDevice* device_at(int index) {
    if (index < 0 || index >= __atomic_load_n(&g_count, __ATOMIC_ACQUIRE)) return nullptr;
    return g_devices[index];
}

BlockDevice* find_device(const char* name) {
    for (int i = 0; BlockDevice* dev = device_at(i); ++i) {
        const size_t len = kstrnlen(name, sizeof(dev->name));
        if (len < sizeof(dev->name) && memcmp(dev->name, name, len + 1) == 0) return dev;
    }
    return nullptr;
}

BlockDevice* find_device_by_number(uint32_t major, uint32_t minor) {
    for (int i = 0; BlockDevice* dev = device_at(i); ++i) {
        if (dev->major == major && dev->minor == minor) return dev;
    }
    return nullptr;
}

}  // namespace blk
