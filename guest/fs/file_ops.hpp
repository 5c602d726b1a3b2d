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

// inode_write of a block_alloc(order) block that the file system may keep
// (InodeOps::write_buffer; *taken true: it frees it). `taken` nullptr: inode_write.
int64_t inode_write_buffer(Inode* file, void* buf, unsigned order, size_t len, uint64_t offset,
                           bool append, uint64_t* end, bool* taken);

// After data of `file` was read (its lock held): relatime's access-time update.
void inode_accessed_locked(Inode* file);

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

// fs/file_pages.cpp: the paths that spare system calls a copy through a kernel buffer.

// Reads a regular file's cached pages into `sink` with no lock held while it copies: the
// pages are pinned (a reference each), so the sink may fault and wait (copy_to_user into a
// buffer an mmap of this file backs needs the file system's lock). At the file's position (and
// advancing it) when offset < 0. The bytes given to the sink: short where the cached pages
// end (the rest is read the usual way); 0 at the end of the file; -EAGAIN when nothing is
// cached at the position or the file system keeps no pages; -EFAULT when the sink failed
// first; -EBADF, -EINVAL as file_read.
using ReadSink = int (*)(void* ctx, uint64_t done, const void* src, size_t n);  // 0 or -errno
int64_t file_read_cached(File* file, size_t len, int64_t offset, ReadSink sink, void* ctx);

// write(2) (offset < 0) or pwrite(2) of `buf`, a block_alloc(order) block that the file
// system may keep instead of copying it (*taken true: it frees it); anything but a regular
// file of a file system that can is file_write / file_pwrite.
int64_t file_write_buffer(File* file, void* buf, unsigned order, size_t len, int64_t offset,
                          bool* taken);

}  // namespace fs
