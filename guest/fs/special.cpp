#include "fs/special.hpp"

#include "abi/errno.hpp"

namespace fs {

namespace {

namespace smode = linux_abi::smode;

struct Range {
    uint32_t dev_major;
    uint32_t first_minor;
    uint32_t count;
    const CharDevice* device;
};

constexpr uint32_t kMaxRanges = 64;
constinit SpinLock g_lock;
constinit Range g_ranges[kMaxRanges] = {};
constinit uint32_t g_range_count = 0;
constinit FifoOpen g_fifo_open = nullptr;
constinit BlockOpen g_block_open = nullptr;

bool overlaps(const Range& r, uint32_t dev_major, uint32_t first, uint32_t count) {
    return r.dev_major == dev_major && first < r.first_minor + r.count &&
           r.first_minor < first + count;
}

}  // namespace

int chardev_register(uint32_t dev_major, uint32_t first_minor, uint32_t count,
                     const CharDevice* device) {
    if (count == 0 || first_minor + count < first_minor || device == nullptr) {
        return -linux_errno::EINVAL;
    }
    LockGuard guard(g_lock);
    for (uint32_t i = 0; i < g_range_count; ++i) {
        if (overlaps(g_ranges[i], dev_major, first_minor, count)) return -linux_errno::EBUSY;
    }
    if (g_range_count == kMaxRanges) return -linux_errno::ENOSPC;
    g_ranges[g_range_count++] = {dev_major, first_minor, count, device};
    return 0;
}

const CharDevice* chardev_find(uint32_t dev_major, uint32_t dev_minor) {
    LockGuard guard(g_lock);
    for (uint32_t i = 0; i < g_range_count; ++i) {
        if (overlaps(g_ranges[i], dev_major, dev_minor, 1)) return g_ranges[i].device;
    }
    return nullptr;
}

void fifo_set_open_hook(FifoOpen open) {
    __atomic_store_n(&g_fifo_open, open, __ATOMIC_RELEASE);
}

void blockdev_set_open_hook(BlockOpen open) {
    __atomic_store_n(&g_block_open, open, __ATOMIC_RELEASE);
}

int special_open(Inode* inode, uint32_t flags, File** out) {
    switch (inode_type(inode)) {
        case smode::IFCHR: {
            const CharDevice* device = chardev_find(inode->rdev_major, inode->rdev_minor);
            if (device == nullptr) break;
            File* file = file_create(device->ops, inode, flags);
            if (file == nullptr) return -linux_errno::ENOMEM;
            if (device->open != nullptr) {
                const int err = device->open(file);
                if (err < 0) {
                    file->ops = &kPathFileOps;  // no release for a device that never opened
                    file_put(file);
                    return err;
                }
            }
            *out = file;
            return 0;
        }
        case smode::IFIFO: {
            const FifoOpen open = __atomic_load_n(&g_fifo_open, __ATOMIC_ACQUIRE);
            if (open != nullptr) return open(inode, flags, out);
            break;
        }
        case smode::IFBLK: {
            const BlockOpen open = __atomic_load_n(&g_block_open, __ATOMIC_ACQUIRE);
            if (open != nullptr) return open(inode, flags, out);
            break;
        }
        default:
            break;
    }
    inode_put(inode);
    return -linux_errno::ENXIO;
}

}  // namespace fs
