// ramfs: the in-memory file system the initramfs is unpacked into (mounted at "/"). Every
// object lives in kernel memory: directories as RamDir tables, regular files as sparse page
// arrays (holes read as zeros), symlinks as their target string; device nodes, FIFOs and
// sockets are attributes only (opening them goes through fs/special.hpp). Implements
// InodeOps; the VFS (fs/vfs.hpp) makes the semantic checks and calls it under the tree lock.
#pragma once

#include <stdint.h>

#include "fs/inode.hpp"
#include "fs/page_array.hpp"
#include "fs/ramfs_dir.hpp"

namespace fs {

struct RamInode : Inode {
    RamDir dir;       // directories
    PageArray pages;  // regular files
    char* target;     // symlinks: `size` bytes and a NUL
};

// A new, empty ramfs instance: its root directory (mode: the permissions; parent itself,
// nlink 2), with one reference for the caller. nullptr when out of memory.
Inode* ramfs_create(uint32_t root_permissions);

// Removes every entry below `root` (depth first; recursion as deep as the tree, so for host
// tests and an unmount, never on a hot path) and drops the caller's reference on it. Files
// still open stay usable until closed; the instance is freed with its last inode.
void ramfs_teardown(Inode* root);

}  // namespace fs
