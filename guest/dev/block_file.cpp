// Block-device nodes (/dev/vda ...): open files that read and write the disk at byte offsets,
// from a task that sleeps while the device works (the driver's *_may_sleep transfers),
// straight through the driver (no cache: every read and write is a device request, as with
// Linux's O_DIRECT; partial sectors are read, modified and written back), lseek with
// SEEK_END at the capacity, and the ioctls that tools ask sizes with (BLKGETSIZE64 ...).
#include "dev/block_file.hpp"
#include "abi/errno.hpp"
#include "abi/linux_types.hpp"
#include "dev/block.hpp"
#include "fs/special.hpp"
#include "kernel/string.hpp"
#include "mm/kheap.hpp"
#include "mm/usercopy.hpp"

namespace dev {

namespace {

using namespace linux_errno;
using linux_abi::seek::CUR;
using linux_abi::seek::END;
using linux_abi::seek::SET;

constexpr uint32_t kBlkRoGet = 0x125e, kBlkGetSize = 0x1260, kBlkFlsBuf = 0x1261;
constexpr uint32_t kBlkSszGet = 0x1268, kBlkBszGet = 0x80081270, kBlkGetSize64 = 0x80081272;
constexpr uint32_t kBlkPbSzGet = 0x127b;
constexpr uint64_t kMaxRequest = 1u << 20;  // sectors per driver call: 512 MiB; we use 1 MiB

blk::BlockDevice* device_of(fs::File* file) {
    return static_cast<blk::BlockDevice*>(file->private_data);
}

uint64_t capacity(const blk::BlockDevice* bd) {
    return bd->sectors * blk::kSectorSize;
}

// The calls below hold no lock: the task may sleep while the device works.
int read_sectors(blk::BlockDevice* bd, uint64_t sector, void* buf, uint32_t count) {
    return bd->ops->read_may_sleep ? bd->ops->read_may_sleep(bd, sector, buf, count)
                                   : bd->ops->read(bd, sector, buf, count);
}

int write_sectors(blk::BlockDevice* bd, uint64_t sector, const void* buf, uint32_t count) {
    return bd->ops->write_may_sleep ? bd->ops->write_may_sleep(bd, sector, buf, count)
                                    : bd->ops->write(bd, sector, buf, count);
}

// Reads or writes [offset, offset + len) of the disk (already clipped to it).
int64_t disk_rw(blk::BlockDevice* bd, uint8_t* buf, uint64_t len, uint64_t offset, bool write) {
    uint8_t* bounce = nullptr;
    uint64_t done = 0;
    int err = 0;
    while (done < len && err == 0) {
        const uint64_t pos = offset + done;
        const uint64_t sector = pos / blk::kSectorSize;
        const uint64_t in = pos % blk::kSectorSize;
        if (in == 0 && len - done >= blk::kSectorSize) {
            uint64_t n = (len - done) & ~uint64_t(blk::kSectorSize - 1);
            if (n > kMaxRequest) n = kMaxRequest;
            const uint32_t count = uint32_t(n / blk::kSectorSize);
            err = write ? write_sectors(bd, sector, buf + done, count)
                        : read_sectors(bd, sector, buf + done, count);
            if (err == 0) done += n;
            continue;
        }
        if (bounce == nullptr &&
            (bounce = static_cast<uint8_t*>(kmalloc(blk::kSectorSize))) == nullptr) {
            err = -ENOMEM;
            break;
        }
        uint64_t n = blk::kSectorSize - in;
        if (n > len - done) n = len - done;
        err = read_sectors(bd, sector, bounce, 1);
        if (err == 0 && write) {
            memcpy(bounce + in, buf + done, n);
            err = write_sectors(bd, sector, bounce, 1);
        } else if (err == 0) {
            memcpy(buf + done, bounce + in, n);
        }
        if (err == 0) done += n;
    }
    kfree(bounce);
    return done > 0 ? int64_t(done) : err;
}

int64_t blk_pread(fs::File* file, void* buf, size_t len, uint64_t offset) {
    blk::BlockDevice* bd = device_of(file);
    if (offset >= capacity(bd)) return 0;
    if (len > capacity(bd) - offset) len = capacity(bd) - offset;
    return disk_rw(bd, static_cast<uint8_t*>(buf), len, offset, false);
}

int64_t blk_pwrite(fs::File* file, const void* buf, size_t len, uint64_t offset) {
    blk::BlockDevice* bd = device_of(file);
    if (bd->read_only) return -EROFS;
    if (len == 0) return 0;
    if (offset >= capacity(bd)) return -ENOSPC;
    if (len > capacity(bd) - offset) len = capacity(bd) - offset;
    return disk_rw(bd, const_cast<uint8_t*>(static_cast<const uint8_t*>(buf)), len, offset, true);
}

// At the file's offset: the offset is read and advanced under pos_lock, the I/O (`io`, a
// positioned call) done without it (a spinlock: the task may sleep in the driver). Two tasks
// sharing the open file at once may transfer the same bytes, which Linux's block devices also
// allow.
template <typename Io>
int64_t at_position(fs::File* file, Io io) {
    int64_t pos;
    {
        LockGuard guard(file->pos_lock);
        pos = file->pos;
    }
    const int64_t r = io(uint64_t(pos));
    if (r > 0) {
        LockGuard guard(file->pos_lock);
        file->pos = pos + r;
    }
    return r;
}

int64_t blk_read(fs::File* file, void* buf, size_t len) {
    return at_position(file, [&](uint64_t pos) { return blk_pread(file, buf, len, pos); });
}

int64_t blk_write(fs::File* file, const void* buf, size_t len) {
    return at_position(file, [&](uint64_t pos) { return blk_pwrite(file, buf, len, pos); });
}

int64_t blk_lseek(fs::File* file, int64_t offset, int whence) {
    LockGuard guard(file->pos_lock);
    int64_t base;
    switch (whence) {
        case SET:
            base = 0;
            break;
        case CUR:
            base = file->pos;
            break;
        case END:
            base = int64_t(capacity(device_of(file)));
            break;
        default:
            return -EINVAL;
    }
    int64_t pos;
    if (__builtin_add_overflow(base, offset, &pos) || pos < 0) return -EINVAL;
    file->pos = pos;
    return pos;
}

int64_t put_user_value(uint64_t arg, const void* value, size_t size) {
    return copy_to_user(arg, value, size) == 0 ? 0 : -EFAULT;
}

int64_t blk_ioctl(fs::File* file, uint32_t cmd, uint64_t arg) {
    blk::BlockDevice* bd = device_of(file);
    switch (cmd) {
        case kBlkGetSize64: {
            const uint64_t bytes = capacity(bd);
            return put_user_value(arg, &bytes, 8);
        }
        case kBlkGetSize: {
            const uint64_t sectors = bd->sectors;  // unsigned long
            return put_user_value(arg, &sectors, 8);
        }
        case kBlkSszGet:
        case kBlkPbSzGet: {
            const int size = int(blk::kSectorSize);
            return put_user_value(arg, &size, 4);
        }
        case kBlkBszGet: {
            const int size = 4096;
            return put_user_value(arg, &size, 4);
        }
        case kBlkRoGet: {
            const int ro = bd->read_only ? 1 : 0;
            return put_user_value(arg, &ro, 4);
        }
        case kBlkFlsBuf:
            return bd->ops->flush(bd);
        default:
            return -ENOTTY;
    }
}

constexpr fs::FileOps kBlockFileOps = {
    .read = blk_read,
    .write = blk_write,
    .pread = blk_pread,
    .pwrite = blk_pwrite,
    .lseek = blk_lseek,
    .getdents64 = nullptr,
    .ioctl = blk_ioctl,
    .poll = nullptr,
    .release = nullptr,
};

int open_block_node(fs::Inode* node, uint32_t flags, fs::File** out) {
    blk::BlockDevice* bd = blk::find_device_by_number(node->rdev_major, node->rdev_minor);
    if (bd == nullptr) {
        fs::inode_put(node);
        return -ENXIO;
    }
    if (bd->read_only && (flags & linux_abi::oflag::ACCMODE) != linux_abi::oflag::RDONLY) {
        fs::inode_put(node);
        return -EROFS;
    }
    fs::File* file = fs::file_create(&kBlockFileOps, node, flags);
    if (file == nullptr) return -ENOMEM;
    file->private_data = bd;
    *out = file;
    return 0;
}

}  // namespace

int flush_block_file(fs::File* file) {
    if (file->ops != &kBlockFileOps) return 1;
    blk::BlockDevice* bd = device_of(file);
    return bd->ops->flush(bd);
}

int flush_all_block_devices() {
    int first = 0;
    for (int i = 0; blk::BlockDevice* bd = blk::device_at(i); ++i) {
        const int r = bd->read_only ? 0 : bd->ops->flush(bd);
        if (r < 0 && first == 0) first = r;
    }
    return first;
}

int register_block_nodes() {
    fs::blockdev_set_open_hook(open_block_node);
    return 0;
}

}  // namespace dev
