// Creating and removing names: mkdir, mknod, symlink, unlink, rmdir, link, readlink.
#include "abi/errno.hpp"
#include "fs/path.hpp"
#include "fs/vfs.hpp"
#include "fs/vfs_internal.hpp"
#include "kernel/string.hpp"

namespace fs {

namespace {

namespace smode = linux_abi::smode;
using linux_abi::kPathMax;

// The resolved parent of a path; its reference is put when this goes out of scope.
struct ParentRef {
    PathParent p{};
    ~ParentRef() { inode_put(p.dir); }
};

// Resolves the parent of a new name. -EEXIST when the name exists (even as a dangling
// symlink) or is ".", ".." or "/"; -ENOENT for a trailing slash (unless `trailing_ok`, mkdir)
// or a removed parent directory.
int prepare_new_name(Inode* dir, const char* path, bool trailing_ok, ParentRef* out) {
    PathWalk walk;
    int err = path_walk_parent(dir, path, &walk, &out->p);
    if (err < 0) return err;
    if (out->p.type != LastType::Normal) return -linux_errno::EEXIST;
    Inode* existing = nullptr;
    err = path_child(out->p, &existing);
    if (err == 0) {
        inode_put(existing);
        return -linux_errno::EEXIST;
    }
    if (err != -linux_errno::ENOENT) return err;
    if ((out->p.trailing_slash && !trailing_ok) || is_dead_dir(out->p.dir)) {
        return -linux_errno::ENOENT;
    }
    return 0;
}

int create_at(Inode* dir, const char* path, const NewInode& spec, Inode** out = nullptr) {
    const bool directory = (spec.mode & smode::IFMT) == smode::IFDIR;
    LockGuard tree(tree_lock());
    ParentRef parent;
    int err = prepare_new_name(dir, path, directory, &parent);
    if (err < 0) return err;
    if (directory && parent.p.dir->nlink >= kMaxLinks) return -linux_errno::EMLINK;
    Inode* inode = nullptr;
    err = parent.p.dir->ops->create(parent.p.dir, parent.p.last(), spec, &inode);
    if (err < 0) return err;
    if (out)
        *out = inode;
    else
        inode_put(inode);
    inode_touch(parent.p.dir, kTouchMtime | kTouchCtime);
    return 0;
}

// What unlink and rmdir answer for a last component that is not a name.
struct SpecialNames {
    int dot, dotdot, root;
};
constexpr SpecialNames kUnlinkSpecial = {-linux_errno::EISDIR, -linux_errno::EISDIR,
                                         -linux_errno::EISDIR};
constexpr SpecialNames kRmdirSpecial = {-linux_errno::EINVAL, -linux_errno::ENOTEMPTY,
                                        -linux_errno::EBUSY};

// Resolves the existing last component for unlink/rmdir. On success both references are set.
int find_victim(Inode* dir, const char* path, const SpecialNames& special, PathParent* p,
                Inode** victim) {
    PathWalk walk;
    int err = path_walk_parent(dir, path, &walk, p);
    if (err < 0) return err;
    switch (p->type) {
        case LastType::Normal:
            err = path_child(*p, victim);
            break;
        case LastType::Dot:
            err = special.dot;
            break;
        case LastType::DotDot:
            err = special.dotdot;
            break;
        case LastType::Root:
            err = special.root;
            break;
    }
    if (err < 0) inode_put(p->dir);
    return err;
}

// Removes the entry (its type checked by the caller) and updates the times.
int remove_entry(const PathParent& p, Inode* victim) {
    const int err = p.dir->ops->remove(p.dir, p.last(), victim);
    if (err < 0) return err;
    inode_touch(p.dir, kTouchMtime | kTouchCtime);
    inode_touch(victim, kTouchCtime);
    return 0;
}

}  // namespace

int vfs_mkdir(Inode* dir, const char* path, uint32_t mode) {
    return create_at(dir, path, {smode::IFDIR | (mode & smode::PERMS), 0, 0, 0, 0, nullptr, 0});
}

int vfs_mknod(Inode* dir, const char* path, uint32_t mode, uint32_t dev_major, uint32_t dev_minor) {
    uint32_t type = mode & smode::IFMT;
    switch (type) {
        case 0:
            type = smode::IFREG;
            break;
        case smode::IFREG:
        case smode::IFCHR:
        case smode::IFBLK:
        case smode::IFIFO:
        case smode::IFSOCK:
            break;
        case smode::IFDIR:
            return -linux_errno::EPERM;
        default:
            return -linux_errno::EINVAL;
    }
    const bool device = type == smode::IFCHR || type == smode::IFBLK;
    return create_at(dir, path,
                     {type | (mode & smode::PERMS), 0, 0, device ? dev_major : 0,
                      device ? dev_minor : 0, nullptr, 0});
}

int vfs_mknod_get(Inode* dir, const char* path, uint32_t mode, Inode** out) {
    return create_at(dir, path, {mode, 0, 0, 0, 0, nullptr, 0}, out);
}

int vfs_symlink(const char* target, Inode* dir, const char* path) {
    const size_t len = kstrnlen(target, kPathMax);
    if (len == 0) return -linux_errno::ENOENT;
    if (len >= kPathMax) return -linux_errno::ENAMETOOLONG;
    return create_at(dir, path, {smode::IFLNK | 0777, 0, 0, 0, 0, target, len});
}

int vfs_unlink(Inode* dir, const char* path) {
    LockGuard tree(tree_lock());
    PathParent p;
    Inode* victim = nullptr;
    int err = find_victim(dir, path, kUnlinkSpecial, &p, &victim);
    if (err < 0) return err;
    if (is_dir(victim)) {
        err = -linux_errno::EISDIR;
    } else if (p.trailing_slash) {
        err = -linux_errno::ENOTDIR;
    } else {
        err = remove_entry(p, victim);
    }
    inode_put(victim);
    inode_put(p.dir);
    return err;
}

int vfs_rmdir(Inode* dir, const char* path) {
    LockGuard tree(tree_lock());
    PathParent p;
    Inode* victim = nullptr;
    int err = find_victim(dir, path, kRmdirSpecial, &p, &victim);
    if (err < 0) return err;
    if (!is_dir(victim)) {
        err = -linux_errno::ENOTDIR;
    } else if (victim->covered != nullptr || victim->mounted != nullptr) {
        err = -linux_errno::EBUSY;  // a mount point
    } else {
        err = remove_entry(p, victim);
    }
    inode_put(victim);
    inode_put(p.dir);
    return err;
}

int vfs_link_inode(Inode* inode, Inode* dir, const char* path) {
    if (is_dir(inode)) return -linux_errno::EPERM;
    LockGuard tree(tree_lock());
    if (__atomic_load_n(&inode->nlink, __ATOMIC_RELAXED) == 0) return -linux_errno::ENOENT;
    ParentRef parent;
    int err = prepare_new_name(dir, path, false, &parent);
    if (err < 0) return err;
    if (parent.p.dir->sb != inode->sb) return -linux_errno::EXDEV;
    if (inode->nlink >= kMaxLinks) return -linux_errno::EMLINK;
    err = parent.p.dir->ops->link(parent.p.dir, parent.p.last(), inode);
    if (err < 0) return err;
    inode_touch(inode, kTouchCtime);
    inode_touch(parent.p.dir, kTouchMtime | kTouchCtime);
    return 0;
}

int vfs_link(Inode* old_dir, const char* old_path, Inode* new_dir, const char* new_path,
             uint32_t at_flags) {
    if (at_flags & ~(linux_abi::at::SYMLINK_FOLLOW | linux_abi::at::EMPTY_PATH)) {
        return -linux_errno::EINVAL;
    }
    const bool empty_path = (at_flags & linux_abi::at::EMPTY_PATH) != 0;
    const uint32_t follow = (at_flags & linux_abi::at::SYMLINK_FOLLOW) ? kLookupFollow : 0;
    Inode* inode = nullptr;
    int err = vfs_resolve(old_dir, old_path, empty_path, follow, &inode);
    if (err < 0) return err;
    err = vfs_link_inode(inode, new_dir, new_path);
    inode_put(inode);
    return err;
}

int64_t vfs_readlink(Inode* dir, const char* path, char* buf, size_t size) {
    if (size == 0) return -linux_errno::EINVAL;
    Inode* link = nullptr;
    const int err = vfs_resolve(dir, path, true, 0, &link);
    if (err < 0) return err;
    int64_t n;
    if (!is_symlink(link)) {
        n = path[0] == '\0' ? -linux_errno::ENOENT : -linux_errno::EINVAL;
    } else {
        n = link->ops->readlink(link, buf, size);
    }
    inode_put(link);
    return n;
}

}  // namespace fs
