// open/openat (the File for a path, creating regular files) and the path lookups of the
// other VFS calls (vfs_resolve, vfs_lookup).
#include "abi/errno.hpp"
#include "fs/file_ops.hpp"
#include "fs/path.hpp"
#include "fs/special.hpp"
#include "fs/vfs.hpp"
#include "fs/vfs_internal.hpp"

namespace fs {

namespace {

namespace oflag = linux_abi::oflag;
namespace smode = linux_abi::smode;

// Flags O_PATH keeps (Linux's O_PATH_FLAGS); the others are ignored with it.
constexpr uint32_t kPathFlags = oflag::DIRECTORY | oflag::NOFOLLOW | oflag::PATH | oflag::CLOEXEC;
// Flags that only matter while opening (F_GETFL does not show them).
constexpr uint32_t kOpenOnlyFlags =
    oflag::CREAT | oflag::EXCL | oflag::NOCTTY | oflag::TRUNC | oflag::CLOEXEC;

// O_CREAT: finds or creates the last component, following a final symlink (even a dangling
// one, to create its target) unless O_EXCL or O_NOFOLLOW. Tree lock held.
int open_create(Inode* dir, const char* path, uint32_t flags, uint32_t mode, Inode** out,
                bool* created) {
    PathWalk walk;
    PathParent p;
    int err = path_walk_parent(dir, path, &walk, &p);
    if (err < 0) return err;
    for (;;) {
        if (p.type != LastType::Normal || p.trailing_slash) {
            err = -linux_errno::EISDIR;
            break;
        }
        Inode* child = nullptr;
        err = path_child(p, &child);
        if (err == 0) {
            if (flags & oflag::EXCL) {
                inode_put(child);
                err = -linux_errno::EEXIST;
                break;
            }
            if (!is_symlink(child)) {
                *out = child;
                break;
            }
            if (flags & oflag::NOFOLLOW) {
                inode_put(child);
                err = -linux_errno::ELOOP;
                break;
            }
            err = path_follow(&p, child, &walk);
            inode_put(child);
            if (err < 0) break;
            continue;
        }
        if (err != -linux_errno::ENOENT) break;
        if (is_dead_dir(p.dir)) break;  // ENOENT: nothing can be created in a removed directory
        const NewInode spec = {smode::IFREG | (mode & smode::PERMS), 0, 0, 0, 0, nullptr, 0};
        err = p.dir->ops->create(p.dir, p.last(), spec, out);
        if (err == 0) {
            inode_touch(p.dir, kTouchMtime | kTouchCtime);
            *created = true;
        }
        break;
    }
    inode_put(p.dir);
    return err;
}

// Makes the File for a found inode; takes over the reference on `inode`.
int open_found(Inode* inode, uint32_t flags, bool created, File** out) {
    const uint32_t kept = (flags & ~kOpenOnlyFlags) | oflag::LARGEFILE;
    if (flags & oflag::PATH) {
        if ((flags & oflag::DIRECTORY) && !is_dir(inode)) {
            inode_put(inode);
            return -linux_errno::ENOTDIR;
        }
        *out = file_create(&kPathFileOps, inode, flags & kPathFlags & ~oflag::CLOEXEC);
        return *out != nullptr ? 0 : -linux_errno::ENOMEM;
    }
    int err = 0;
    const uint32_t access = flags & oflag::ACCMODE;
    if (is_symlink(inode)) {
        err = -linux_errno::ELOOP;  // O_NOFOLLOW met a symlink
    } else if ((flags & oflag::DIRECTORY) && !is_dir(inode)) {
        err = -linux_errno::ENOTDIR;
    } else if (is_dir(inode)) {
        if (access != oflag::RDONLY || (flags & (oflag::TRUNC | oflag::CREAT))) {
            err = -linux_errno::EISDIR;
        } else {
            *out = file_create(&kDirectoryFileOps, inode, kept);
            return *out != nullptr ? 0 : -linux_errno::ENOMEM;
        }
    } else if (is_reg(inode)) {
        // As on Linux, O_TRUNC truncates even with O_RDONLY (root may write).
        if ((flags & oflag::TRUNC) && !created) err = inode_truncate(inode, 0);
        if (err == 0) {
            *out = file_create(&kRegularFileOps, inode, kept);
            return *out != nullptr ? 0 : -linux_errno::ENOMEM;
        }
    } else {
        return special_open(inode, kept, out);
    }
    inode_put(inode);
    return err;
}

}  // namespace

int vfs_resolve(Inode* dir, const char* path, bool empty_path, uint32_t lookup_flags, Inode** out) {
    if (empty_path && path[0] == '\0') {
        if (dir == nullptr) return -linux_errno::EBADF;
        if ((lookup_flags & kLookupDirectory) && !is_dir(dir)) return -linux_errno::ENOTDIR;
        inode_get(dir);
        *out = dir;
        return 0;
    }
    LockGuard tree(tree_lock());
    return path_lookup(dir, path, lookup_flags, out);
}

int vfs_at_flags(uint32_t at_flags, uint32_t allowed, bool* empty_path, uint32_t* lookup_flags) {
    if (at_flags & ~allowed) return -linux_errno::EINVAL;
    *empty_path = (at_flags & linux_abi::at::EMPTY_PATH) != 0;
    *lookup_flags = (at_flags & linux_abi::at::SYMLINK_NOFOLLOW) ? 0 : kLookupFollow;
    return 0;
}

int vfs_open(Inode* dir, const char* path, uint32_t flags, uint32_t mode, File** out) {
    if (flags & oflag::TMPFILE_BIT) return -linux_errno::EOPNOTSUPP;
    if (flags & oflag::PATH) flags &= kPathFlags;
    if ((flags & oflag::CREAT) && (flags & oflag::DIRECTORY)) return -linux_errno::EINVAL;
    Inode* inode = nullptr;
    bool created = false;
    int err;
    if (flags & oflag::CREAT) {
        LockGuard tree(tree_lock());
        err = open_create(dir, path, flags, mode, &inode, &created);
    } else {
        uint32_t lookup = (flags & oflag::NOFOLLOW) ? 0 : kLookupFollow;
        if (flags & oflag::DIRECTORY) lookup |= kLookupDirectory;
        err = vfs_resolve(dir, path, false, lookup, &inode);
    }
    if (err < 0) return err;
    return open_found(inode, flags, created, out);
}

int vfs_open_inode(Inode* inode, uint32_t flags, File** out) {
    if (flags & oflag::TMPFILE_BIT) return -linux_errno::EOPNOTSUPP;
    if (flags & oflag::PATH) flags &= kPathFlags;
    inode_get(inode);
    return open_found(inode, flags & ~oflag::CREAT, false, out);
}

int vfs_lookup(Inode* dir, const char* path, uint32_t at_flags, bool directory, Inode** out) {
    bool empty_path = false;
    uint32_t lookup = 0;
    const uint32_t allowed = linux_abi::at::SYMLINK_NOFOLLOW | linux_abi::at::EMPTY_PATH;
    const int err = vfs_at_flags(at_flags, allowed, &empty_path, &lookup);
    if (err < 0) return err;
    if (directory) lookup |= kLookupDirectory;
    return vfs_resolve(dir, path, empty_path, lookup, out);
}

}  // namespace fs
