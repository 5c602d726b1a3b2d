#include "file_device.hpp"

#include <errno.h>
#include <unistd.h>

#include <deque>
#include <mutex>

namespace guest_fs_test {

std::atomic<bool> g_fail_writes{false};
std::atomic<int> g_writes{0};
std::atomic<int64_t> g_reads_left{-1};
std::atomic<int> g_async_completed{0};
std::atomic<int> g_async_reads{0};

namespace {

struct Held {
    blk::BlockDevice* dev;
    uint64_t sector;
    uint32_t count;
    void* buf;
    blk::AsyncIo* op;
    bool write;
};

std::recursive_mutex g_mutex;
std::deque<Held> g_held;

int fd_of(blk::BlockDevice* dev) {
    return int(reinterpret_cast<intptr_t>(dev->priv));
}

int write_now(blk::BlockDevice* dev, uint64_t sector, const void* buf, uint32_t count) {
    if (g_fail_writes) return -EIO;
    ++g_writes;
    if (sector + count > dev->sectors) return -EIO;
    const ssize_t n = pwrite(fd_of(dev), buf, size_t(count) * 512, off_t(sector * 512));
    return n == ssize_t(count) * 512 ? 0 : -EIO;
}

int read_now(blk::BlockDevice* dev, uint64_t sector, void* buf, uint32_t count) {
    if (g_reads_left >= 0 && g_reads_left-- == 0) {
        g_reads_left = 0;
        return -EIO;
    }
    const ssize_t n = pread(fd_of(dev), buf, size_t(count) * 512, off_t(sector * 512));
    return n == ssize_t(count) * 512 ? 0 : -EIO;
}

// Answers the held transfers of `dev` from the oldest up to the `upto`-th (all for -1).
void complete(blk::BlockDevice* dev, long upto) {
    std::lock_guard lock(g_mutex);
    long seen = 0;
    for (auto it = g_held.begin(); it != g_held.end() && (upto < 0 || seen <= upto);) {
        if (it->dev != dev) {
            ++it;
            continue;
        }
        const Held h = *it;
        it = g_held.erase(it);
        ++seen;
        ++g_async_completed;
        h.op->done(h.op, h.write ? write_now(h.dev, h.sector, h.buf, h.count)
                                 : read_now(h.dev, h.sector, h.buf, h.count));
    }
}

// Completes the held writes up to the newest one touching [sector, sector + count).
void complete_overlapping(blk::BlockDevice* dev, uint64_t sector, uint32_t count) {
    std::lock_guard lock(g_mutex);
    long last = -1, index = 0;
    for (const Held& h : g_held) {
        if (h.dev != dev) continue;
        if (h.write && sector < h.sector + h.count && h.sector < sector + count) last = index;
        ++index;
    }
    if (last >= 0) complete(dev, last);
}

int dev_read(blk::BlockDevice* dev, uint64_t sector, void* buf, uint32_t count) {
    if (sector + count > dev->sectors) return -EIO;
    complete_overlapping(dev, sector, count);
    return read_now(dev, sector, buf, count);
}

int dev_write(blk::BlockDevice* dev, uint64_t sector, const void* buf, uint32_t count) {
    if (dev->read_only) return -EROFS;
    complete_overlapping(dev, sector, count);
    return write_now(dev, sector, buf, count);
}

int dev_write_async(blk::BlockDevice* dev, uint64_t sector, const void* buf, uint32_t count,
                    blk::AsyncIo* op) {
    if (dev->read_only) return -EROFS;
    if (sector + count > dev->sectors) return -EIO;
    std::lock_guard lock(g_mutex);
    g_held.push_back(Held{dev, sector, count, const_cast<void*>(buf), op, true});
    long mine = 0;
    for (const Held& h : g_held) mine += h.dev == dev;
    if (mine > kAsyncHeld) complete(dev, 0);  // the oldest
    return 0;
}

int dev_read_async(blk::BlockDevice* dev, uint64_t sector, void* buf, uint32_t count,
                   blk::AsyncIo* op) {
    if (sector + count > dev->sectors) return -EIO;
    std::lock_guard lock(g_mutex);
    // Older writes of its sectors first (they stay held otherwise): as the driver orders it.
    complete_overlapping(dev, sector, count);
    g_held.push_back(Held{dev, sector, count, buf, op, false});
    ++g_async_reads;
    long mine = 0;
    for (const Held& h : g_held) mine += h.dev == dev;
    if (mine > kAsyncHeld) complete(dev, 0);  // the oldest
    return 0;
}

int dev_drain(blk::BlockDevice* dev) {
    complete(dev, -1);
    return 0;
}

int dev_flush(blk::BlockDevice* dev) {
    complete(dev, -1);
    return fsync(fd_of(dev)) == 0 ? 0 : -EIO;
}

}  // namespace

const blk::BlockOps kFileOps = {dev_read, dev_write,       dev_flush, nullptr,
                                nullptr,  dev_write_async, dev_drain, dev_read_async};
const blk::BlockOps kSyncOps = {dev_read, dev_write, dev_flush};

int held_writes() {
    std::lock_guard lock(g_mutex);
    return int(g_held.size());
}

}  // namespace guest_fs_test
