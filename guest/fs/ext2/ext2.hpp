// ext2 for the guest kernel: mount a block device (guest/dev/block.hpp) read-write or
// read-only, and get the root directory, an fs::Inode whose InodeOps implement everything the
// VFS needs. See guest/fs/README.md ("ext2") for what is supported, caching and locking.
#pragma once

#include <stdint.h>

#include "dev/block.hpp"
#include "fs/inode.hpp"

namespace fs {

// Mounts the ext2 file system on `dev`. On success: 0 and *root is the root directory with one
// reference for the caller (typically: vfs_mount(dir, root), which takes its own, then
// inode_put(root)); the instance keeps a reference of its own until ext2_umount, so the root
// outlives its mount. `read_only` (or a read-only device, or an unknown RO_COMPAT feature)
// mounts read-only: nothing is ever written then. On failure: -EINVAL (not ext2, damaged or
// unsupported: *why says what, a static string), -EIO (device error), -ENOMEM; nothing is
// kept. A read-write mount marks the superblock "not clean" on disk (as Linux does) until
// ext2_umount; e2fsck -fn on an image synced with ext2_sync reports it clean all the same.
int ext2_mount(blk::BlockDevice* dev, bool read_only, Inode** root, const char** why);

// Whether `sb` is an ext2 instance.
bool ext2_is(const SuperBlock* sb);

// Writes every dirty page of file data, every dirty metadata block, every cached inode, the
// group descriptors and the superblock, then flushes the device. 0, -EIO (the file system
// is then marked errored) or -ENOMEM (what was not written stays dirty for the next sync).
// Takes no fs lock but ext2's own; may be called at any time.
int ext2_sync(SuperBlock* sb);

// MS_REMOUNT: read-write -> read-only syncs and restores the superblock state (as umount);
// read-only -> read-write marks it "not clean" again (as mount). -EROFS for a read-only device,
// an unknown RO_COMPAT feature or an errored instance; -EIO when the superblock cannot be
// written.
int ext2_remount(SuperBlock* sb, bool read_only);

// Syncs, restores the superblock state (clean unless an error was seen) and frees the
// instance. -EBUSY (nothing changed) while any inode of the instance is referenced from outside
// (open files, cwds, the caller's root reference, a mount: vfs_umount first).
int ext2_umount(SuperBlock* sb);

struct Ext2Stat {
    uint32_t block_size;
    uint64_t blocks, free_blocks, avail_blocks;  // avail: free minus reserved
    uint64_t inodes, free_inodes;
    uint32_t name_max;  // 255
    bool read_only, errored;
};
void ext2_statfs(SuperBlock* sb, Ext2Stat* out);

}  // namespace fs
