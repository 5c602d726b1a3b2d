// Block devices of the guest kernel: what a disk driver (virtio-blk) offers and what a file
// system (ext2) and the /dev/vdX nodes use. The interface is sector-based and mostly
// synchronous: a call returns when the device has finished the transfer, so callers may hold
// spinlocks (the kernel is not preemptible; the driver waits for its completion without
// sleeping). Writes may also be queued without waiting (write_async, for a file system's
// write-back); the driver keeps them in order: a later request touching their sectors waits
// for them, and flush for all of them. Buffers are kernel memory; a transfer never crosses the
// device's end (the device refuses it with -EIO, the caller checks first).
#pragma once

#include <stddef.h>
#include <stdint.h>

namespace blk {

inline constexpr uint32_t kSectorSize = 512;

struct BlockDevice;

// A transfer its caller does not wait for (a write-back, a read-ahead). From write_async or
// read_async until `done` the driver owns the struct and the buffer, which the caller leaves
// allocated (and, for a write, unchanged). `done` is called once, with 0 or -EIO, by whatever
// path takes the device's answer (a later transfer of the disk, its completion interrupt,
// drain or flush), with the driver's lock held: it may only record the result and free
// memory (no block I/O, no lock a block caller may hold).
struct AsyncIo {
    void (*done)(AsyncIo* op, int error);
    // The driver's, from write_async / read_async until done.
    uint64_t sector, sectors;
    uint64_t seq;  // the disk's count of asynchronous transfers when it was queued
    AsyncIo* next;
    int in_flight;
    int error;
    bool queued;  // every request of it is in the device's ring
    bool write;
};

struct BlockOps {
    // `count` sectors at `sector`. 0, or -EIO (device error, beyond the end), -EROFS (write to
    // a read-only device), -ENOMEM.
    int (*read)(BlockDevice* dev, uint64_t sector, void* buf, uint32_t count) = nullptr;
    int (*write)(BlockDevice* dev, uint64_t sector, const void* buf, uint32_t count) = nullptr;
    // Everything written before (write_async included) is on stable storage when this
    // returns 0.
    int (*flush)(BlockDevice* dev) = nullptr;
    // The same transfers from a task that may sleep (no spinlock held, not the idle task):
    // it sleeps until the device's completion interrupt instead of spinning, so its vCPU runs
    // other tasks meanwhile. nullptr: a driver without interrupts (use read/write).
    int (*read_may_sleep)(BlockDevice* dev, uint64_t sector, void* buf, uint32_t count) = nullptr;
    int (*write_may_sleep)(BlockDevice* dev, uint64_t sector, const void* buf,
                           uint32_t count) = nullptr;
    // Queues a write of `count` sectors and returns once all of it is in the device's ring
    // (waiting for room meanwhile): 0, and `op->done` will be called (perhaps before this
    // returns); or -EROFS / -EIO (beyond the end, a dead device) with nothing queued and
    // `done` never called. nullptr: the driver only writes synchronously (use write).
    int (*write_async)(BlockDevice* dev, uint64_t sector, const void* buf, uint32_t count,
                       AsyncIo* op) = nullptr;
    // Returns once every asynchronous transfer queued before has completed (its `done`
    // called): 0, or -EIO when the device died (they were then failed). nullptr with
    // write_async.
    int (*drain)(BlockDevice* dev) = nullptr;
    // The read of write_async: the device fills `buf` (a read waits for older asynchronous
    // writes of its sectors like any request; nothing waits for it). nullptr: no read-ahead.
    int (*read_async)(BlockDevice* dev, uint64_t sector, void* buf, uint32_t count,
                      AsyncIo* op) = nullptr;
};

struct BlockDevice {
    const BlockOps* ops;
    void* priv;        // the driver's
    char name[8];      // "vda", "vdb", ...: the node in /dev
    uint64_t sectors;  // capacity in 512-byte sectors
    bool read_only;    // writes answer -EROFS
    uint32_t major;    // device number of the node (Linux: 254 for virtblk)
    uint32_t minor;
};

// Registry (at most kMaxDevices, registered at boot by drivers, never removed).
inline constexpr int kMaxDevices = 16;
int register_device(BlockDevice* dev);       // 0, or -ENOSPC when full
BlockDevice* find_device(const char* name);  // "vda" (not "/dev/vda"); nullptr when absent
BlockDevice* device_at(int index);           // nullptr past the last
BlockDevice* find_device_by_number(uint32_t major, uint32_t minor);

}  // namespace blk
