// Attributes: the stat family, chmod, chown, utimensat, truncate, access.
#include "abi/errno.hpp"
#include "fs/path.hpp"
#include "fs/vfs.hpp"
#include "fs/vfs_internal.hpp"
#include "kernel/string.hpp"

namespace fs {

namespace {

namespace at = linux_abi::at;
namespace smode = linux_abi::smode;
using linux_abi::timespec;

constexpr uint32_t kBlockSize = 4096;  // st_blksize
constexpr uint32_t kUnchanged = 0xffffffffu;

linux_abi::statx_timestamp stamp(const timespec& t) {
    return {t.tv_sec, uint32_t(t.tv_nsec), 0};
}

bool valid_time(const timespec& t) {
    return t.tv_nsec == linux_abi::utime::NOW || t.tv_nsec == linux_abi::utime::OMIT ||
           (t.tv_nsec >= 0 && t.tv_nsec < 1'000'000'000);
}

// Resolves with the at_flags of the attribute calls, then applies `fn` to the inode.
template <typename Fn>
int with_inode(Inode* dir, const char* path, uint32_t at_flags, uint32_t allowed, Fn fn) {
    bool empty_path = false;
    uint32_t lookup = 0;
    int err = vfs_at_flags(at_flags, allowed, &empty_path, &lookup);
    if (err < 0) return err;
    Inode* inode = nullptr;
    err = vfs_resolve(dir, path, empty_path, lookup, &inode);
    if (err < 0) return err;
    err = fn(inode);
    inode_put(inode);
    return err;
}

}  // namespace

void inode_stat(Inode* inode, linux_abi::stat* out) {
    memset(out, 0, sizeof(*out));
    LockGuard guard(inode->lock);
    out->st_dev = linux_abi::encode_dev(inode->sb->dev_major, inode->sb->dev_minor);
    out->st_ino = inode->ino;
    out->st_nlink = inode->nlink;
    out->st_mode = inode->mode;
    out->st_uid = inode->uid;
    out->st_gid = inode->gid;
    out->st_rdev = linux_abi::encode_dev(inode->rdev_major, inode->rdev_minor);
    out->st_size = int64_t(inode->size);
    out->st_blksize = kBlockSize;
    out->st_blocks = int64_t(inode->blocks);
    out->st_atim = inode->atime;
    out->st_mtim = inode->mtime;
    out->st_ctim = inode->ctime;
}

void inode_statx(Inode* inode, uint32_t, linux_abi::statx* out) {
    // Everything is always known: the mask asked for does not change what is filled in.
    memset(out, 0, sizeof(*out));
    LockGuard guard(inode->lock);
    out->stx_mask = linux_abi::statx_mask::BASIC_STATS | linux_abi::statx_mask::BTIME;
    out->stx_blksize = kBlockSize;
    out->stx_nlink = inode->nlink;
    out->stx_uid = inode->uid;
    out->stx_gid = inode->gid;
    out->stx_mode = uint16_t(inode->mode);
    out->stx_ino = inode->ino;
    out->stx_size = inode->size;
    out->stx_blocks = inode->blocks;
    out->stx_atime = stamp(inode->atime);
    out->stx_btime = stamp(inode->btime);
    out->stx_ctime = stamp(inode->ctime);
    out->stx_mtime = stamp(inode->mtime);
    out->stx_rdev_major = inode->rdev_major;
    out->stx_rdev_minor = inode->rdev_minor;
    out->stx_dev_major = inode->sb->dev_major;
    out->stx_dev_minor = inode->sb->dev_minor;
}

int vfs_stat(Inode* dir, const char* path, uint32_t at_flags, linux_abi::stat* out) {
    const uint32_t allowed = at::SYMLINK_NOFOLLOW | at::EMPTY_PATH | at::NO_AUTOMOUNT;
    return with_inode(dir, path, at_flags, allowed, [out](Inode* inode) {
        inode_stat(inode, out);
        return 0;
    });
}

int vfs_statx(Inode* dir, const char* path, uint32_t at_flags, uint32_t mask,
              linux_abi::statx* out) {
    if (mask & linux_abi::statx_mask::RESERVED) return -linux_errno::EINVAL;
    if ((at_flags & at::STATX_SYNC_TYPE) == at::STATX_SYNC_TYPE) return -linux_errno::EINVAL;
    const uint32_t allowed =
        at::SYMLINK_NOFOLLOW | at::EMPTY_PATH | at::NO_AUTOMOUNT | at::STATX_SYNC_TYPE;
    return with_inode(dir, path, at_flags, allowed, [mask, out](Inode* inode) {
        inode_statx(inode, mask, out);
        return 0;
    });
}

int inode_chmod(Inode* inode, uint32_t mode) {
    LockGuard guard(inode->lock);
    const uint32_t value = (inode->mode & smode::IFMT) | (mode & smode::PERMS);
    __atomic_store_n(&inode->mode, value, __ATOMIC_RELAXED);
    inode_touch_locked(inode, kTouchCtime);
    return 0;
}

int inode_chown(Inode* inode, uint32_t uid, uint32_t gid) {
    LockGuard guard(inode->lock);
    if (uid != kUnchanged) inode->uid = uid;
    if (gid != kUnchanged) inode->gid = gid;
    // As on Linux, changing the owner of a non-directory drops set-user-ID, and set-group-ID
    // when the group may execute.
    if (!is_dir(inode) && (uid != kUnchanged || gid != kUnchanged)) {
        uint32_t value = inode->mode & ~smode::ISUID;
        if (value & smode::IXGRP) value &= ~smode::ISGID;
        __atomic_store_n(&inode->mode, value, __ATOMIC_RELAXED);
    }
    inode_touch_locked(inode, kTouchCtime);
    return 0;
}

int inode_set_times(Inode* inode, const timespec* times) {
    if (times != nullptr && (!valid_time(times[0]) || !valid_time(times[1]))) {
        return -linux_errno::EINVAL;
    }
    const timespec now = time_now();
    LockGuard guard(inode->lock);
    timespec* fields[2] = {&inode->atime, &inode->mtime};
    for (int i = 0; i < 2; ++i) {
        if (times == nullptr || times[i].tv_nsec == linux_abi::utime::NOW) {
            *fields[i] = now;
        } else if (times[i].tv_nsec != linux_abi::utime::OMIT) {
            *fields[i] = times[i];
        }
    }
    inode->ctime = now;
    return 0;
}

int inode_truncate(Inode* inode, int64_t length) {
    if (is_dir(inode)) return -linux_errno::EISDIR;
    if (!is_reg(inode) || length < 0) return -linux_errno::EINVAL;
    LockGuard guard(inode->lock);
    const int err = inode->ops->truncate(inode, uint64_t(length));
    if (err < 0) return err;
    inode_touch_locked(inode, kTouchMtime | kTouchCtime);
    return 0;
}

int vfs_chmod(Inode* dir, const char* path, uint32_t mode, uint32_t at_flags) {
    return with_inode(dir, path, at_flags, at::SYMLINK_NOFOLLOW | at::EMPTY_PATH,
                      [mode](Inode* inode) {
                          // Linux has no modes on symlinks (fchmodat2 AT_SYMLINK_NOFOLLOW).
                          if (is_symlink(inode)) return -linux_errno::EOPNOTSUPP;
                          return inode_chmod(inode, mode);
                      });
}

int vfs_chown(Inode* dir, const char* path, uint32_t uid, uint32_t gid, uint32_t at_flags) {
    return with_inode(dir, path, at_flags, at::SYMLINK_NOFOLLOW | at::EMPTY_PATH,
                      [uid, gid](Inode* inode) { return inode_chown(inode, uid, gid); });
}

int vfs_utimens(Inode* dir, const char* path, const timespec* times, uint32_t at_flags) {
    if (times != nullptr) {
        if (!valid_time(times[0]) || !valid_time(times[1])) return -linux_errno::EINVAL;
        if (times[0].tv_nsec == linux_abi::utime::OMIT &&
            times[1].tv_nsec == linux_abi::utime::OMIT) {
            return at_flags & ~(at::SYMLINK_NOFOLLOW | at::EMPTY_PATH) ? -linux_errno::EINVAL : 0;
        }
    }
    return with_inode(dir, path, at_flags, at::SYMLINK_NOFOLLOW | at::EMPTY_PATH,
                      [times](Inode* inode) { return inode_set_times(inode, times); });
}

int vfs_truncate(Inode* dir, const char* path, int64_t length) {
    if (length < 0) return -linux_errno::EINVAL;
    return with_inode(dir, path, 0, 0,
                      [length](Inode* inode) { return inode_truncate(inode, length); });
}

int vfs_access(Inode* dir, const char* path, uint32_t mode, uint32_t at_flags) {
    namespace access_mode = linux_abi::access_mode;
    if (mode & ~(access_mode::READ | access_mode::WRITE | access_mode::EXEC)) {
        return -linux_errno::EINVAL;
    }
    const uint32_t allowed = at::EACCESS | at::SYMLINK_NOFOLLOW | at::EMPTY_PATH;
    return with_inode(dir, path, at_flags & ~at::EACCESS, allowed, [mode](Inode* inode) {
        if ((mode & access_mode::EXEC) && !is_dir(inode) &&
            (__atomic_load_n(&inode->mode, __ATOMIC_RELAXED) & 0111) == 0) {
            return -linux_errno::EACCES;
        }
        return 0;
    });
}

}  // namespace fs
