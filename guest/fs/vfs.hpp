// The VFS operations behind the file system calls, with Linux's semantics and errno values.
// Paths are kernel strings (NUL-terminated, already copied in by the system-call layer);
// `dir` is where a relative path starts: the process's cwd for AT_FDCWD, else the inode of the
// dirfd (a non-directory then gives ENOTDIR for a relative path). With at::EMPTY_PATH and an
// empty path, the operation applies to `dir` itself (an inode of any type). Results go to
// kernel buffers. Modes are final: the caller has applied its umask. Every process is root:
// permission bits are stored and reported, never enforced (except X_OK of vfs_access).
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "abi/linux_types.hpp"
#include "fs/file.hpp"
#include "fs/inode.hpp"

namespace fs {

// open/openat: O_CREAT (a regular file), O_EXCL, O_TRUNC, O_DIRECTORY, O_NOFOLLOW, O_APPEND,
// O_NONBLOCK, O_PATH; O_CLOEXEC is the fd table's business (the caller installs the File).
// Character devices open through their registered driver (fs/special.hpp); FIFOs through the
// FIFO hook. O_TMPFILE: -EOPNOTSUPP. On success *out holds one reference.
int vfs_open(Inode* dir, const char* path, uint32_t flags, uint32_t mode, File** out);
// A File for an inode already found (exec, /proc/self/fd); flags as for open, no O_CREAT.
int vfs_open_inode(Inode* inode, uint32_t flags, File** out);

// Resolves a path for chdir, execve and the like (a new reference). at_flags: SYMLINK_NOFOLLOW,
// EMPTY_PATH; `directory` requires a directory (ENOTDIR).
int vfs_lookup(Inode* dir, const char* path, uint32_t at_flags, bool directory, Inode** out);

int vfs_mkdir(Inode* dir, const char* path, uint32_t mode);
// mode's type: 0 or S_IFREG (a regular file), S_IFCHR, S_IFBLK, S_IFIFO, S_IFSOCK.
int vfs_mknod(Inode* dir, const char* path, uint32_t mode, uint32_t dev_major, uint32_t dev_minor);
// The same, also handing back the new inode (a reference): bind(2) of an AF_UNIX socket.
int vfs_mknod_get(Inode* dir, const char* path, uint32_t mode, Inode** out);
int vfs_symlink(const char* target, Inode* dir, const char* path);
int vfs_unlink(Inode* dir, const char* path);
int vfs_rmdir(Inode* dir, const char* path);
// linkat: at_flags SYMLINK_FOLLOW (follow a final symlink of the old path), EMPTY_PATH.
int vfs_link(Inode* old_dir, const char* old_path, Inode* new_dir, const char* new_path,
             uint32_t at_flags);
// A new name for `inode` (linkat with AT_EMPTY_PATH, cpio hard links).
int vfs_link_inode(Inode* inode, Inode* dir, const char* path);
// renameat2: flags rename_flag::NOREPLACE or EXCHANGE (WHITEOUT: -EINVAL).
int vfs_rename(Inode* old_dir, const char* old_path, Inode* new_dir, const char* new_path,
               uint32_t flags);
// Copies up to `size` bytes of the target (no NUL); the count. -EINVAL if not a symlink.
int64_t vfs_readlink(Inode* dir, const char* path, char* buf, size_t size);

// stat family. at_flags: SYMLINK_NOFOLLOW, EMPTY_PATH, NO_AUTOMOUNT (statx also the
// STATX_SYNC_TYPE bits); anything else is -EINVAL.
int vfs_stat(Inode* dir, const char* path, uint32_t at_flags, linux_abi::stat* out);
int vfs_statx(Inode* dir, const char* path, uint32_t at_flags, uint32_t mask,
              linux_abi::statx* out);
void inode_stat(Inode* inode, linux_abi::stat* out);  // fstat
void inode_statx(Inode* inode, uint32_t mask, linux_abi::statx* out);

// Attributes. at_flags: SYMLINK_NOFOLLOW, EMPTY_PATH. uid/gid 0xffffffff: unchanged.
// times: [0] access, [1] modification; nullptr sets both to now; tv_nsec may be
// utime::NOW or utime::OMIT.
int vfs_chmod(Inode* dir, const char* path, uint32_t mode, uint32_t at_flags);
int vfs_chown(Inode* dir, const char* path, uint32_t uid, uint32_t gid, uint32_t at_flags);
int vfs_utimens(Inode* dir, const char* path, const linux_abi::timespec* times, uint32_t at_flags);
int vfs_truncate(Inode* dir, const char* path, int64_t length);
// access/faccessat: mode is access_mode bits; root may do anything but execute a file that
// has no execute bit (EACCES).
int vfs_access(Inode* dir, const char* path, uint32_t mode, uint32_t at_flags);
int inode_chmod(Inode* inode, uint32_t mode);
int inode_chown(Inode* inode, uint32_t uid, uint32_t gid);
int inode_set_times(Inode* inode, const linux_abi::timespec* times);
int inode_truncate(Inode* inode, int64_t length);  // a regular file: EISDIR/EINVAL/EFBIG

// getcwd: writes the absolute path of the directory `cwd` and a NUL; returns the length with
// the NUL. -ERANGE when `size` is too small, -ENOENT when `cwd` has been removed.
int64_t vfs_getcwd(Inode* cwd, char* buf, size_t size);

}  // namespace fs
