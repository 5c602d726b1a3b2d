// ramfs regular-file data and symlink targets: the InodeOps members that do not touch the
// tree (ramfs.cpp puts them in the operations table). The caller holds inode->lock for the
// regular-file operations.
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "fs/inode.hpp"

namespace fs {

int64_t ramfs_read(Inode* file, void* buf, size_t len, uint64_t offset);
int64_t ramfs_write(Inode* file, const void* buf, size_t len, uint64_t offset);  // -ENOSPC
int ramfs_truncate(Inode* file, uint64_t size);
void* ramfs_get_page(Inode* file, uint64_t index, bool create);
int ramfs_adopt_page(Inode* file, uint64_t index, void* page);
int64_t ramfs_readlink(Inode* link, char* buf, size_t size);

}  // namespace fs
