// System calls on file descriptors: close, dup*, fcntl, ioctl, pipe*, getdents64, f* attrs.
#include "fs/vfs.hpp"
#include "ipc/pipe.hpp"
#include "mm/kheap.hpp"
#include "syscalls/common.hpp"

namespace syscalls {

namespace {

using namespace linux_abi;

constexpr int F_GETLK = 5, F_SETLK = 6, F_SETLKW = 7, F_SETOWN = 8, F_GETOWN = 9,
              F_SETPIPE_SZ = 1031, F_GETPIPE_SZ = 1032, F_ADD_SEALS = 1033, F_GET_SEALS = 1034;

int64_t make_pipe(Args& a, uint64_t user_fds, uint32_t flags) {
    if (flags & ~(oflag::CLOEXEC | oflag::NONBLOCK | 040000 /* O_DIRECT */)) return -EINVAL;
    fs::File* ends[2];
    const int r = ipc::pipe_create(flags & oflag::NONBLOCK, ends);
    if (r < 0) return r;
    const bool cloexec = flags & oflag::CLOEXEC;
    const int64_t rfd = install_fd(a, ends[0], cloexec);
    if (rfd < 0) {
        fs::file_put(ends[1]);
        return rfd;
    }
    const int64_t wfd = install_fd(a, ends[1], cloexec);
    if (wfd < 0) {
        fs::fd_close(proc_of(a)->fds, int(rfd));
        return wfd;
    }
    const int32_t fds[2] = {int32_t(rfd), int32_t(wfd)};
    if (copy_to_user(user_fds, fds, sizeof(fds)) != 0) {
        fs::fd_close(proc_of(a)->fds, int(rfd));
        fs::fd_close(proc_of(a)->fds, int(wfd));
        return -EFAULT;
    }
    return 0;
}

}  // namespace

int64_t sys_close(Args& a) {
    return fs::fd_close(proc_of(a)->fds, int(a.a[0]));
}

int64_t sys_dup(Args& a) {
    return fs::fd_dup(proc_of(a)->fds, int(a.a[0]), 0, false);
}

int64_t sys_dup2(Args& a) {
    return fs::fd_dup2(proc_of(a)->fds, int(a.a[0]), int(a.a[1]));
}

int64_t sys_dup3(Args& a) {
    return fs::fd_dup3(proc_of(a)->fds, int(a.a[0]), int(a.a[1]), uint32_t(a.a[2]));
}

int64_t sys_pipe(Args& a) {
    return make_pipe(a, a.a[0], 0);
}

int64_t sys_pipe2(Args& a) {
    return make_pipe(a, a.a[0], uint32_t(a.a[1]));
}

int64_t sys_fcntl(Args& a) {
    fs::FdTable* fds = proc_of(a)->fds;
    const int fd = int(a.a[0]);
    const int cmd = int(a.a[1]);
    const uint64_t arg = a.a[2];
    switch (cmd) {
        case fcntl_cmd::DUPFD:
        case fcntl_cmd::DUPFD_CLOEXEC:
            return fs::fd_dup(fds, fd, int(arg), cmd == fcntl_cmd::DUPFD_CLOEXEC);
        case fcntl_cmd::GETFD:
            return fs::fd_get_fd_flags(fds, fd);
        case fcntl_cmd::SETFD:
            return fs::fd_set_fd_flags(fds, fd, uint32_t(arg));
        default:
            break;
    }
    FileRef f(a, fd);
    if (!f) return -EBADF;
    switch (cmd) {
        case fcntl_cmd::GETFL:
            return fs::file_get_flags(f.get());
        case fcntl_cmd::SETFL:
            fs::file_set_flags(f.get(), uint32_t(arg));
            return 0;
        case F_GETLK: {  // no locks are ever held by others: report F_UNLCK
            int16_t type = 2;
            return copy_to_user(arg, &type, sizeof(type)) == 0 ? 0 : -EFAULT;
        }
        case F_SETLK:
        case F_SETLKW:
            return 0;  // one host, advisory locks always granted (documented)
        case F_GETOWN:
        case F_SETOWN:
            return 0;
        case F_GETPIPE_SZ:
        case F_SETPIPE_SZ:
            return ipc::pipe_capacity(f.get());
        case F_ADD_SEALS:
        case F_GET_SEALS:
            return -EINVAL;
        default:
            return -EINVAL;
    }
}

int64_t sys_ioctl(Args& a) {
    FileRef f(a, int(a.a[0]));
    if (!f) return -EBADF;
    const uint32_t cmd = uint32_t(a.a[1]);
    if (cmd == 0x5421 /* FIONBIO */) {
        int32_t on;
        if (get_user(&on, a.a[2]) != 0) return -EFAULT;
        const uint32_t flags = fs::file_get_flags(f.get());
        fs::file_set_flags(f.get(), on ? flags | oflag::NONBLOCK : flags & ~oflag::NONBLOCK);
        return 0;
    }
    if (cmd == 0x5451 /* FIOCLEX */ || cmd == 0x5450 /* FIONCLEX */) {
        return fs::fd_set_fd_flags(proc_of(a)->fds, int(a.a[0]), cmd == 0x5451 ? 1 : 0);
    }
    return fs::file_ioctl(f.get(), cmd, a.a[2]);
}

int64_t sys_ftruncate(Args& a) {
    FileRef f(a, int(a.a[0]));
    if (!f) return -EBADF;
    return fs::file_truncate(f.get(), int64_t(a.a[1]));
}

int64_t sys_fchmod(Args& a) {
    FileRef f(a, int(a.a[0]));
    if (!f || !f->inode) return -EBADF;
    return fs::inode_chmod(f->inode, uint32_t(a.a[1]));
}

int64_t sys_fchown(Args& a) {
    FileRef f(a, int(a.a[0]));
    if (!f || !f->inode) return -EBADF;
    return fs::inode_chown(f->inode, uint32_t(a.a[1]), uint32_t(a.a[2]));
}

int64_t sys_getdents64(Args& a) {
    FileRef f(a, int(a.a[0]));
    if (!f) return -EBADF;
    size_t len = a.a[2];
    if (len > 64 * 1024) len = 64 * 1024;
    if (!user_range_ok(a.a[1], len)) return -EFAULT;
    void* buf = kmalloc(len ? len : 1);
    if (!buf) return -ENOMEM;
    const int64_t r = fs::file_getdents64(f.get(), buf, len);
    if (r > 0 && copy_to_user(a.a[1], buf, size_t(r)) != 0) {
        kfree(buf);
        return -EFAULT;
    }
    kfree(buf);
    return r;
}

}  // namespace syscalls
