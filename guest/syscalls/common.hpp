// Helpers shared by the system-call families: the caller's process, fds, user paths.
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "abi/errno.hpp"
#include "abi/linux_types.hpp"
#include "fs/fd_table.hpp"
#include "fs/file.hpp"
#include "fs/inode.hpp"
#include "mm/usercopy.hpp"
#include "proc/process.hpp"
#include "proc/task.hpp"
#include "syscalls/dispatch.hpp"

namespace syscalls {

using namespace linux_errno;

inline Process* proc_of(Args& a) {
    return a.task->proc;
}

// A File looked up from an fd, released at scope end.
class FileRef {
  public:
    FileRef(Args& a, int fd) : file_(fd >= 0 ? fs::fd_get(proc_of(a)->fds, fd) : nullptr) {}
    ~FileRef() { fs::file_put(file_); }
    FileRef(const FileRef&) = delete;
    FileRef& operator=(const FileRef&) = delete;
    fs::File* get() const { return file_; }
    fs::File* operator->() const { return file_; }
    explicit operator bool() const { return file_ != nullptr; }

  private:
    fs::File* file_;
};

// A user path copied into the kernel (PATH_MAX with its NUL).
struct PathBuf {
    char text[linux_abi::kPathMax];
};

// Copies a user path: 0, -EFAULT, -ENAMETOOLONG; -ENOENT for "" unless allow_empty.
int copy_path(uint64_t user, PathBuf* out, bool allow_empty = false);

// The directory a *at call starts from: the cwd for AT_FDCWD, else the dirfd's inode (a new
// reference in *out, inode_put it). -EBADF for a bad dirfd.
int dir_of(Args& a, int dirfd, fs::Inode** out);

// Installs a new File at the lowest free fd; drops the File on failure.
int64_t install_fd(Args& a, fs::File* file, bool cloexec);

// Writes a struct rusage with these user and system times (the other fields 0) to `out`
// (nothing when 0): 0 or -EFAULT.
int64_t write_rusage(uint64_t out, const CpuTimes& cpu);

}  // namespace syscalls
