// Open file descriptions: what open(2) creates and fds point to (shared by dup and fork).
// A File holds a reference on its inode (nullptr for objects without one), its status flags
// (access mode, O_APPEND, O_NONBLOCK, O_PATH ...), the offset with its own lock, and a table of
// operations: regular files and directories (fs/file_ops.cpp) and character devices
// (fs/special.hpp) implement it here; pipes, ttys, sockets and eventfds implement the same
// table elsewhere. The file_* functions are what system calls use: they check the access mode
// and fill in the defaults of missing operations.
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "fs/inode.hpp"
#include "kernel/lock.hpp"

namespace fs {

struct File;

// Any member may be nullptr: then file_* answers what Linux answers for an object without it
// (read/write: EINVAL; pread/pwrite/lseek: ESPIPE; getdents64: ENOTDIR; ioctl: ENOTTY; poll:
// always readable and writable).
struct FileOps {
    // At the File's offset, advancing it (the implementation takes pos_lock if it uses it).
    int64_t (*read)(File* file, void* buf, size_t len) = nullptr;
    int64_t (*write)(File* file, const void* buf, size_t len) = nullptr;
    int64_t (*pread)(File* file, void* buf, size_t len, uint64_t offset) = nullptr;
    int64_t (*pwrite)(File* file, const void* buf, size_t len, uint64_t offset) = nullptr;
    int64_t (*lseek)(File* file, int64_t offset, int whence) = nullptr;
    int64_t (*getdents64)(File* file, void* buf, size_t len) = nullptr;
    // `arg` is passed through uninterpreted (it may be a user address: only the device's own
    // code, through the user-copy helpers, may use it).
    int64_t (*ioctl)(File* file, uint32_t cmd, uint64_t arg) = nullptr;
    uint32_t (*poll)(File* file) = nullptr;  // the events ready now
    void (*release)(File* file) = nullptr;   // the last reference is gone (before the inode)
    // A count that moves at every event that may change readiness (data in or out, a peer
    // gone): EPOLLET reports a ready file again after each such event, as Linux's wake-up
    // callbacks do, even when its readiness never looked clear in between. nullptr: only
    // readiness bits that were clear and are set count as edges.
    uint64_t (*wake_count)(File* file) = nullptr;
    // Every read gives zeros (/dev/zero, /dev/full): read(2) clears the caller's buffer
    // itself instead of copying zeros from a kernel buffer (`read` serves kernel callers).
    bool reads_zeros = false;
    // Every write is taken whole and dropped (/dev/null, /dev/zero): write(2) answers without
    // touching the caller's buffer, as Linux's does.
    bool discards_writes = false;
};

struct File {
    const FileOps* ops;
    Inode* inode;        // a reference, or nullptr
    void* private_data;  // the implementation's
    uint64_t refs;       // atomic
    uint32_t flags;      // O_ACCMODE bits | O_APPEND | O_NONBLOCK | O_PATH | ... (F_GETFL)
    SpinLock pos_lock;   // serialises offset users (read, write, lseek, getdents64)
    int64_t pos;
};

// A new File with one reference, taking over the caller's reference on `inode`. nullptr when
// out of memory (the inode reference is then dropped).
File* file_create(const FileOps* ops, Inode* inode, uint32_t flags);
void file_get(File* file);
void file_put(File* file);  // nullptr is ignored

bool file_readable(const File* file);
bool file_writable(const File* file);

// The system calls' view. Lengths are capped at Linux's MAX_RW_COUNT (2 GiB - 4 KiB).
int64_t file_read(File* file, void* buf, size_t len);
int64_t file_write(File* file, const void* buf, size_t len);
int64_t file_pread(File* file, void* buf, size_t len, int64_t offset);
int64_t file_pwrite(File* file, const void* buf, size_t len, int64_t offset);
int64_t file_lseek(File* file, int64_t offset, int whence);
int64_t file_getdents64(File* file, void* buf, size_t len);
int64_t file_ioctl(File* file, uint32_t cmd, uint64_t arg);
uint32_t file_poll(File* file);
int file_truncate(File* file, int64_t length);    // ftruncate
uint32_t file_get_flags(const File* file);        // F_GETFL
void file_set_flags(File* file, uint32_t flags);  // F_SETFL: O_APPEND, O_NONBLOCK and the
                                                  // accepted no-ops; the rest is ignored

// Operations of an O_PATH File: every I/O is EBADF.
extern const FileOps kPathFileOps;

}  // namespace fs
