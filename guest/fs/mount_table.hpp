// The mount table behind mount(2), umount2(2), sync(2) and /proc/mounts: file-system types by
// name (ramfs/tmpfs here, ext2 and proc register themselves), and one record per mount with
// its source, path, type and options. mount_table.cpp keeps it; vfs_mount/vfs_umount
// (fs/mount.hpp) do the attaching.
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "fs/inode.hpp"

namespace blk {
struct BlockDevice;
}

namespace fs {

struct FsType {
    const char* name;
    bool needs_device;  // /proc/filesystems says "nodev" for the others
    // A new instance on `device` (needs_device types; nullptr for the others), read-only or
    // not, with the mount options `data` (NUL-terminated, may be empty). Its root directory
    // (a reference) and the instance's handle. -errno, with nothing left behind.
    int (*mount)(blk::BlockDevice* device, bool read_only, const char* data, Inode** root,
                 void** instance);
    // Writes everything dirty to its device and flushes it (nullptr: nothing to write).
    int (*sync)(void* instance);
    // Switches between read-only and read-write (nullptr: only to the current mode). Types
    // without a device (ramfs) cannot be read-only at all: the VFS does not enforce it.
    int (*remount)(void* instance, bool read_only);
    // Detached from the tree: write back and let go. -EBUSY (nothing changed) while files of
    // the instance are still in use; the mount is then put back. nullptr: nothing to do
    // (files still open keep what they use).
    int (*unmount)(void* instance);
};

// The registered type of that name, or nullptr.
const FsType* find_fs_type(const char* name);

// Registers a type (kept for ever). -EEXIST for a name taken, -ENOSPC when the table is full.
int register_fs_type(const FsType* type);

inline constexpr uint64_t kMountReadOnly = 1;  // MS_RDONLY

// mount(2) of a new instance of `type_name` on `device` (named `source` in /proc/mounts) on
// `mountpoint`. -ENODEV for an unknown type, -ENOTBLK without a device for a type that needs
// one, -EBUSY when something is mounted there already.
int mount_new(Inode* mountpoint, const char* source, blk::BlockDevice* device,
              const char* type_name, uint64_t flags, const char* data);
// The root file system at boot: a new instance on `device` becomes "/" (vfs_set_root), and
// the tree's root record. `type_name` nullptr: every type that needs a device, in turn.
int mount_root(blk::BlockDevice* device, const char* source, const char* type_name, uint64_t flags);
// Records a mount made at boot so that /proc/mounts shows it: /proc on its mountpoint, or the
// tree's root (mountpoint nullptr, which umount refuses with -EBUSY).
int mount_record(Inode* mountpoint, Inode* root, const char* source, const char* type_name,
                 bool read_only, void* instance);
// MS_REMOUNT of the file system whose root `root` is. -EINVAL when `root` is no mount's root.
int mount_remount(Inode* root, uint64_t flags);
// umount2(2) of the file system whose root `root` is (the caller's reference on it is taken
// over): synced, detached, released. -EINVAL when `root` is no mount's root, -EBUSY for the
// tree's root or while its files are in use (then nothing changed).
int mount_remove(Inode* root);
// sync(2): every mounted file system (the first error, or 0).
int mount_sync_all();
// /proc/mounts and /proc/filesystems: the text, NUL-terminated, cut to `size`; the length.
size_t mount_render(char* buf, size_t size);
size_t fs_types_render(char* buf, size_t size);

}  // namespace fs
