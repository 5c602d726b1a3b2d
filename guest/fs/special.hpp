// Opening special files: character devices through the driver registered for their number
// (/dev/null, /dev/console ... register here), FIFOs through the hook the pipe code installs,
// block devices through the hook the block layer installs. Sockets cannot be opened (ENXIO).
#pragma once

#include <stdint.h>

#include "fs/file.hpp"
#include "fs/inode.hpp"

namespace fs {

struct CharDevice {
    const FileOps* ops;
    // Called on each open with the new File (its ops, inode and flags set): may fill
    // private_data or refuse with -errno. nullptr: nothing to do.
    int (*open)(File* file);
};

// Registers `device` for minors [first_minor, first_minor + count) of `dev_major`. The
// registration is kept (device tables are static). -EBUSY when a number is taken, -ENOSPC
// when the table (64 ranges) is full, -EINVAL for count 0.
int chardev_register(uint32_t dev_major, uint32_t first_minor, uint32_t count,
                     const CharDevice* device);
const CharDevice* chardev_find(uint32_t dev_major, uint32_t dev_minor);

// FIFOs: `open` makes the File for the FIFO inode (taking over the caller's inode reference
// as file_create does, also on failure). Until a hook is set, opening a FIFO is -ENXIO.
using FifoOpen = int (*)(Inode* fifo, uint32_t flags, File** out);
void fifo_set_open_hook(FifoOpen open);

// Block devices: `open` makes the File for the block-device inode (taking over the caller's
// inode reference, also on failure); -ENXIO for a number without a disk. Until a hook is set,
// opening a block device is -ENXIO.
using BlockOpen = int (*)(Inode* node, uint32_t flags, File** out);
void blockdev_set_open_hook(BlockOpen open);

// The File for an opened special inode (takes over the caller's reference on `inode`).
int special_open(Inode* inode, uint32_t flags, File** out);

}  // namespace fs
