// The root of the file-system tree and mounts. A mount attaches another file system's root
// directory to a directory of the tree: path resolution crosses into it when it reaches the
// directory (Inode::mounted) and back out through ".." at the mounted root (Inode::covered).
// The file systems (ramfs, procfs, tmpfs, ext2) come and go through fs/mount_table.hpp.
#pragma once

#include "fs/inode.hpp"

namespace fs {

// Makes `root` (a directory) the root of the tree, "/" of every process; takes a reference
// and drops the previous root's. Called once at boot (and by the host tests per test;
// nullptr detaches the root).
void vfs_set_root(Inode* root);
// The current root (no reference taken: it is kept alive by the tree).
Inode* vfs_root();

// Mounts `fs_root` on the directory `mountpoint`; takes a reference on both. -ENOTDIR when
// either is not a directory, -EBUSY when something is already mounted there or `fs_root` is
// already mounted, -EINVAL for the tree's root.
int vfs_mount(Inode* mountpoint, Inode* fs_root);
// Detaches what is mounted on `mountpoint`. -EINVAL when nothing is.
int vfs_umount(Inode* mountpoint);

// With the tree lock held (no references taken or dropped):
// what a path names at `inode`: the root of the last file system mounted there, or itself;
Inode* mount_top(Inode* inode);
// the directory ".." names from `dir`: its parent, across mounts; the tree's root for itself.
Inode* path_parent_of(Inode* dir);

}  // namespace fs
