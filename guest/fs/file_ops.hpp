// The FileOps of regular files and directories of any file system (through InodeOps), and
// offset-based access to a regular file's data for kernel users (exec reading an ELF image).
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "fs/file.hpp"

namespace fs {

extern const FileOps kRegularFileOps;
extern const FileOps kDirectoryFileOps;

// Reads up to `len` bytes at `offset` (short at the end of the file; holes read as zeros).
int64_t inode_read(Inode* file, void* buf, size_t len, uint64_t offset);

// Writes at `offset`, or at the end of the file when `append`; *end receives the offset just
// past the written bytes. -EFBIG past kMaxFileSize, -ENOSPC when no memory is left at all.
int64_t inode_write(Inode* file, const void* buf, size_t len, uint64_t offset, bool append,
                    uint64_t* end);

// The page holding bytes [index * 4 KiB, +4 KiB) of a regular file, allocated when `create`;
// nullptr for a hole (without `create`) or when out of memory. The page belongs to the file:
// it stays valid until the file is truncated below it or destroyed.
void* inode_get_page(Inode* file, uint64_t index, bool create);

// fsync(2) and fdatasync(2) of any inode: its file system's InodeOps::fsync (0 where it has
// none, as for procfs). No fs lock may be held.
int inode_fsync(Inode* inode);

// Gives the regular file `page` (a whole kernel page with the caller's reference) as its page
// `index`, a hole, growing the size to cover it; the data is what the page holds. 0, or -ENOMEM
// / -EINVAL (a file system that keeps no pages) with the page not taken.
int inode_adopt_page(Inode* file, uint64_t index, void* page);

}  // namespace fs
