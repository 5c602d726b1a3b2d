// System calls on paths: open*, access, mkdir, unlink, rename, link, symlink, readlink,
// chmod/chown, utimes, truncate, getcwd, chdir. The *at forms are the real ones; the old
// names call them with AT_FDCWD.
#include "fs/vfs.hpp"
#include "syscalls/common.hpp"

namespace syscalls {

namespace {

using namespace linux_abi;

// Runs fn(dir inode, kernel path) for a (dirfd, user path) pair.
template <typename Fn>
int64_t with_path(Args& a, int dirfd, uint64_t user_path, bool allow_empty, Fn fn) {
    PathBuf path;
    const int r = copy_path(user_path, &path, allow_empty);
    if (r < 0) return r;
    fs::Inode* dir = nullptr;
    const int d = dir_of(a, dirfd, &dir);
    if (d < 0) return d;
    const int64_t result = fn(dir, path.text);
    fs::inode_put(dir);
    return result;
}

int64_t do_openat(Args& a, int dirfd, uint64_t user_path, uint32_t flags, uint32_t mode) {
    Process* p = proc_of(a);
    return with_path(a, dirfd, user_path, false, [&](fs::Inode* dir, const char* path) -> int64_t {
        fs::File* file = nullptr;
        const int r = fs::vfs_open(dir, path, flags, mode & ~p->umask & 07777, &file);
        if (r < 0) return r;
        return install_fd(a, file, (flags & oflag::CLOEXEC) != 0);
    });
}

int64_t do_mknodat(Args& a, int dirfd, uint64_t user_path, uint32_t mode, uint64_t dev) {
    const uint32_t perm = mode & 07777 & ~proc_of(a)->umask;
    return with_path(a, dirfd, user_path, false, [&](fs::Inode* dir, const char* path) -> int64_t {
        return fs::vfs_mknod(dir, path, (mode & smode::IFMT) | perm, dev_major_of(dev),
                             dev_minor_of(dev));
    });
}

int64_t do_utimens(Args& a, int dirfd, uint64_t user_path, const timespec* times,
                   uint32_t at_flags) {
    if (user_path == 0) {  // futimens: the dirfd itself
        FileRef f(a, dirfd);
        if (!f || !f->inode) return -EBADF;
        return fs::inode_set_times(f->inode, times);
    }
    return with_path(a, dirfd, user_path, (at_flags & at::EMPTY_PATH) != 0,
                     [&](fs::Inode* dir, const char* path) -> int64_t {
                         return fs::vfs_utimens(dir, path, times, at_flags);
                     });
}

int64_t do_renameat2(Args& a, int olddirfd, uint64_t oldpath, int newdirfd, uint64_t newpath,
                     uint32_t flags) {
    PathBuf to;
    const int r = copy_path(newpath, &to);
    if (r < 0) return r;
    fs::Inode* new_dir = nullptr;
    const int d = dir_of(a, newdirfd, &new_dir);
    if (d < 0) return d;
    const int64_t result = with_path(
        a, olddirfd, oldpath, false, [&](fs::Inode* old_dir, const char* from) -> int64_t {
            return fs::vfs_rename(old_dir, from, new_dir, to.text, flags);
        });
    fs::inode_put(new_dir);
    return result;
}

int64_t do_linkat(Args& a, int olddirfd, uint64_t oldpath, int newdirfd, uint64_t newpath,
                  uint32_t flags) {
    PathBuf to;
    const int r = copy_path(newpath, &to);
    if (r < 0) return r;
    fs::Inode* new_dir = nullptr;
    const int d = dir_of(a, newdirfd, &new_dir);
    if (d < 0) return d;
    const int64_t result =
        with_path(a, olddirfd, oldpath, (flags & at::EMPTY_PATH) != 0,
                  [&](fs::Inode* old_dir, const char* from) -> int64_t {
                      return fs::vfs_link(old_dir, from, new_dir, to.text, flags);
                  });
    fs::inode_put(new_dir);
    return result;
}

int64_t do_readlinkat(Args& a, int dirfd, uint64_t user_path, uint64_t buf, int64_t size) {
    if (size <= 0) return -EINVAL;
    return with_path(a, dirfd, user_path, false, [&](fs::Inode* dir, const char* path) -> int64_t {
        char target[kPathMax];
        const size_t want = size_t(size) < sizeof(target) ? size_t(size) : sizeof(target);
        const int64_t n = fs::vfs_readlink(dir, path, target, want);
        if (n < 0) return n;
        return copy_to_user(buf, target, size_t(n)) == 0 ? n : -EFAULT;
    });
}

int64_t do_symlinkat(Args& a, uint64_t user_target, int dirfd, uint64_t user_path) {
    PathBuf target;
    const int r = copy_path(user_target, &target);
    if (r < 0) return r;
    return with_path(a, dirfd, user_path, false, [&](fs::Inode* dir, const char* path) -> int64_t {
        return fs::vfs_symlink(target.text, dir, path);
    });
}

int64_t do_faccessat(Args& a, int dirfd, uint64_t user_path, uint32_t mode, uint32_t flags) {
    if (mode & ~7u) return -EINVAL;
    return with_path(a, dirfd, user_path, (flags & at::EMPTY_PATH) != 0,
                     [&](fs::Inode* dir, const char* path) -> int64_t {
                         return fs::vfs_access(dir, path, mode, flags & ~at::EACCESS);
                     });
}

}  // namespace

int64_t sys_open(Args& a) {
    return do_openat(a, at::FDCWD, a.a[0], uint32_t(a.a[1]), uint32_t(a.a[2]));
}
int64_t sys_openat(Args& a) {
    return do_openat(a, int(a.a[0]), a.a[1], uint32_t(a.a[2]), uint32_t(a.a[3]));
}
int64_t sys_access(Args& a) {
    return do_faccessat(a, at::FDCWD, a.a[0], uint32_t(a.a[1]), 0);
}
int64_t sys_faccessat(Args& a) {
    return do_faccessat(a, int(a.a[0]), a.a[1], uint32_t(a.a[2]), 0);
}
int64_t sys_faccessat2(Args& a) {
    return do_faccessat(a, int(a.a[0]), a.a[1], uint32_t(a.a[2]), uint32_t(a.a[3]));
}
int64_t sys_mkdir(Args& a) {
    const uint32_t mode = uint32_t(a.a[1]) & 07777 & ~proc_of(a)->umask;
    return with_path(a, at::FDCWD, a.a[0], false, [&](fs::Inode* d, const char* p) -> int64_t {
        return fs::vfs_mkdir(d, p, mode);
    });
}
int64_t sys_mkdirat(Args& a) {
    const uint32_t mode = uint32_t(a.a[2]) & 07777 & ~proc_of(a)->umask;
    return with_path(a, int(a.a[0]), a.a[1], false, [&](fs::Inode* d, const char* p) -> int64_t {
        return fs::vfs_mkdir(d, p, mode);
    });
}
int64_t sys_mknod(Args& a) {
    return do_mknodat(a, at::FDCWD, a.a[0], uint32_t(a.a[1]), a.a[2]);
}
int64_t sys_mknodat(Args& a) {
    return do_mknodat(a, int(a.a[0]), a.a[1], uint32_t(a.a[2]), a.a[3]);
}
int64_t sys_rmdir(Args& a) {
    return with_path(a, at::FDCWD, a.a[0], false,
                     [&](fs::Inode* d, const char* p) -> int64_t { return fs::vfs_rmdir(d, p); });
}
int64_t sys_unlink(Args& a) {
    return with_path(a, at::FDCWD, a.a[0], false,
                     [&](fs::Inode* d, const char* p) -> int64_t { return fs::vfs_unlink(d, p); });
}
int64_t sys_unlinkat(Args& a) {
    const uint32_t flags = uint32_t(a.a[2]);
    if (flags & ~at::REMOVEDIR) return -EINVAL;
    return with_path(a, int(a.a[0]), a.a[1], false, [&](fs::Inode* d, const char* p) -> int64_t {
        return (flags & at::REMOVEDIR) ? fs::vfs_rmdir(d, p) : fs::vfs_unlink(d, p);
    });
}
int64_t sys_rename(Args& a) {
    return do_renameat2(a, at::FDCWD, a.a[0], at::FDCWD, a.a[1], 0);
}
int64_t sys_renameat(Args& a) {
    return do_renameat2(a, int(a.a[0]), a.a[1], int(a.a[2]), a.a[3], 0);
}
int64_t sys_renameat2(Args& a) {
    return do_renameat2(a, int(a.a[0]), a.a[1], int(a.a[2]), a.a[3], uint32_t(a.a[4]));
}
int64_t sys_link(Args& a) {
    return do_linkat(a, at::FDCWD, a.a[0], at::FDCWD, a.a[1], 0);
}
int64_t sys_linkat(Args& a) {
    const uint32_t flags = uint32_t(a.a[4]);
    if (flags & ~(at::SYMLINK_FOLLOW | at::EMPTY_PATH)) return -EINVAL;
    return do_linkat(a, int(a.a[0]), a.a[1], int(a.a[2]), a.a[3], flags);
}
int64_t sys_symlink(Args& a) {
    return do_symlinkat(a, a.a[0], at::FDCWD, a.a[1]);
}
int64_t sys_symlinkat(Args& a) {
    return do_symlinkat(a, a.a[0], int(a.a[1]), a.a[2]);
}
int64_t sys_readlink(Args& a) {
    return do_readlinkat(a, at::FDCWD, a.a[0], a.a[1], int64_t(a.a[2]));
}
int64_t sys_readlinkat(Args& a) {
    return do_readlinkat(a, int(a.a[0]), a.a[1], a.a[2], int64_t(a.a[3]));
}
int64_t sys_chmod(Args& a) {
    return with_path(a, at::FDCWD, a.a[0], false, [&](fs::Inode* d, const char* p) -> int64_t {
        return fs::vfs_chmod(d, p, uint32_t(a.a[1]), 0);
    });
}
int64_t sys_fchmodat(Args& a) {
    return with_path(a, int(a.a[0]), a.a[1], false, [&](fs::Inode* d, const char* p) -> int64_t {
        return fs::vfs_chmod(d, p, uint32_t(a.a[2]), 0);
    });
}
int64_t sys_chown(Args& a) {
    return with_path(a, at::FDCWD, a.a[0], false, [&](fs::Inode* d, const char* p) -> int64_t {
        return fs::vfs_chown(d, p, uint32_t(a.a[1]), uint32_t(a.a[2]), 0);
    });
}
int64_t sys_lchown(Args& a) {
    return with_path(a, at::FDCWD, a.a[0], false, [&](fs::Inode* d, const char* p) -> int64_t {
        return fs::vfs_chown(d, p, uint32_t(a.a[1]), uint32_t(a.a[2]), at::SYMLINK_NOFOLLOW);
    });
}
int64_t sys_fchownat(Args& a) {
    const uint32_t flags = uint32_t(a.a[4]);
    return with_path(a, int(a.a[0]), a.a[1], (flags & at::EMPTY_PATH) != 0,
                     [&](fs::Inode* d, const char* p) -> int64_t {
                         return fs::vfs_chown(d, p, uint32_t(a.a[2]), uint32_t(a.a[3]), flags);
                     });
}
int64_t sys_utimensat(Args& a) {
    timespec times[2];
    if (a.a[2] && copy_from_user(times, a.a[2], sizeof(times)) != 0) return -EFAULT;
    return do_utimens(a, int(a.a[0]), a.a[1], a.a[2] ? times : nullptr, uint32_t(a.a[3]));
}
int64_t sys_utimes(Args& a) {
    struct {
        int64_t sec, usec;
    } tv[2];
    if (a.a[1] && copy_from_user(tv, a.a[1], sizeof(tv)) != 0) return -EFAULT;
    timespec times[2];
    for (int i = 0; i < 2; ++i) {
        if (tv[i].usec < 0 || tv[i].usec >= 1000000) return -EINVAL;
        times[i] = timespec{tv[i].sec, tv[i].usec * 1000};
    }
    return do_utimens(a, at::FDCWD, a.a[0], a.a[1] ? times : nullptr, 0);
}
int64_t sys_utime(Args& a) {
    int64_t tb[2] = {0, 0};
    if (a.a[1] && copy_from_user(tb, a.a[1], sizeof(tb)) != 0) return -EFAULT;
    timespec times[2] = {{tb[0], 0}, {tb[1], 0}};
    return do_utimens(a, at::FDCWD, a.a[0], a.a[1] ? times : nullptr, 0);
}
int64_t sys_truncate(Args& a) {
    return with_path(a, at::FDCWD, a.a[0], false, [&](fs::Inode* d, const char* p) -> int64_t {
        return fs::vfs_truncate(d, p, int64_t(a.a[1]));
    });
}
int64_t sys_getcwd(Args& a) {
    char buf[kPathMax];
    const size_t size = a.a[1] < sizeof(buf) ? size_t(a.a[1]) : sizeof(buf);
    const int64_t n = fs::vfs_getcwd(proc_of(a)->cwd, buf, size);
    if (n < 0) return n;
    return copy_to_user(a.a[0], buf, size_t(n)) == 0 ? n : -EFAULT;
}
int64_t sys_chdir(Args& a) {
    Process* p = proc_of(a);
    return with_path(a, at::FDCWD, a.a[0], false, [&](fs::Inode* d, const char* path) -> int64_t {
        fs::Inode* target = nullptr;
        const int r = fs::vfs_lookup(d, path, 0, true, &target);
        if (r < 0) return r;
        fs::Inode* old = p->cwd;
        p->cwd = target;
        fs::inode_put(old);
        return 0;
    });
}
int64_t sys_fchdir(Args& a) {
    FileRef f(a, int(a.a[0]));
    if (!f || !f->inode) return -EBADF;
    if (!fs::is_dir(f->inode)) return -ENOTDIR;
    Process* p = proc_of(a);
    fs::inode_get(f->inode);
    fs::Inode* old = p->cwd;
    p->cwd = f->inode;
    fs::inode_put(old);
    return 0;
}

}  // namespace syscalls
