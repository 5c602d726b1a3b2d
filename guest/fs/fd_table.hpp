// A process's file descriptors: a table from fd numbers to open Files, with FD_CLOEXEC per fd.
// Shared by threads (and CLONE_FILES) through its reference count; copied by fork. Allocation
// gives the lowest free number, within the RLIMIT_NOFILE limit (1024 at most). The table grows
// on demand (64 slots first). Every function takes the table's lock; Files are released after
// it is dropped (a device's release may take other locks).
#pragma once

#include <stdint.h>

#include "fs/file.hpp"
#include "kernel/lock.hpp"

namespace fs {

inline constexpr uint32_t kMaxFds = 1024;

struct FdTable {
    uint64_t refs;  // atomic
    SpinLock lock;
    uint32_t capacity;  // slots in `files`
    uint32_t limit;     // RLIMIT_NOFILE: fds are below it
    File** files;
    uint64_t cloexec[kMaxFds / 64];
};

FdTable* fd_table_create();  // empty, one reference; nullptr when out of memory
void fd_table_get(FdTable* table);
void fd_table_put(FdTable* table);  // the last reference closes every fd
// fork without CLONE_FILES: the same Files (new references) and flags. nullptr on ENOMEM.
FdTable* fd_table_clone(FdTable* table);

// Installs `file` at the lowest free fd >= min_fd, taking a new reference on it (the caller
// keeps its own). -EMFILE when none is free below the limit.
int fd_install(FdTable* table, File* file, bool cloexec, int min_fd = 0);
// The File of `fd` with a new reference (file_put it), or nullptr (EBADF).
File* fd_get(FdTable* table, int fd);
int fd_close(FdTable* table, int fd);  // -EBADF
// dup and F_DUPFD/F_DUPFD_CLOEXEC: -EBADF, -EINVAL (min_fd out of range), -EMFILE.
int fd_dup(FdTable* table, int oldfd, int min_fd, bool cloexec);
// dup2: newfd == oldfd returns it if valid; an open newfd is closed first. -EBADF.
int fd_dup2(FdTable* table, int oldfd, int newfd);
// dup3: flags 0 or O_CLOEXEC; -EINVAL for oldfd == newfd or other flags.
int fd_dup3(FdTable* table, int oldfd, int newfd, uint32_t flags);
int fd_get_fd_flags(FdTable* table, int fd);                  // F_GETFD: FD_CLOEXEC or 0
int fd_set_fd_flags(FdTable* table, int fd, uint32_t flags);  // F_SETFD
void fd_close_on_exec(FdTable* table);
// The lowest open fd >= from, or -1 (/proc/self/fd, close_range).
int fd_next_open(FdTable* table, int from);
// RLIMIT_NOFILE: 0..kMaxFds (-EPERM above). Open fds above a lowered limit stay open.
int fd_set_limit(FdTable* table, uint32_t limit);
uint32_t fd_limit(FdTable* table);

}  // namespace fs
