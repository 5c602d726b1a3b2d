// rename/renameat/renameat2 (RENAME_NOREPLACE, RENAME_EXCHANGE).
#include "abi/errno.hpp"
#include "fs/path.hpp"
#include "fs/vfs.hpp"

namespace fs {

namespace {

namespace rename_flag = linux_abi::rename_flag;

struct ParentRef {
    PathParent p{};
    ~ParentRef() { inode_put(p.dir); }
};

struct InodeRef {
    Inode* inode = nullptr;
    ~InodeRef() { inode_put(inode); }
};

bool stop_at_first(void* ctx, Name, uint64_t, uint8_t, uint64_t) {
    *static_cast<bool*>(ctx) = false;
    return false;
}

bool dir_is_empty(Inode* dir) {
    bool empty = true;
    dir->ops->iterate(dir, 2, stop_at_first, &empty);
    return empty;
}

// True when `dir` is `ancestor` or below it (parents within one file system).
bool within(Inode* dir, Inode* ancestor) {
    for (Inode* x = dir; x != nullptr; x = x->parent) {
        if (x == ancestor) return true;
        if (x->parent == x) return false;
    }
    return false;
}

bool busy(Inode* inode) {
    return inode->covered != nullptr || inode->mounted != nullptr || inode->parent == inode;
}

// The checks Linux makes before a rename (tree lock held); 0 when it may go ahead.
int check(const PathParent& from, Inode* source, const PathParent& to, Inode* target,
          uint32_t flags) {
    const bool exchange = (flags & rename_flag::EXCHANGE) != 0;
    if (exchange && target == nullptr) return -linux_errno::ENOENT;
    if ((flags & rename_flag::NOREPLACE) && target != nullptr) return -linux_errno::EEXIST;
    if (!is_dir(source) && (from.trailing_slash || (!exchange && to.trailing_slash))) {
        return -linux_errno::ENOTDIR;
    }
    if (exchange && !is_dir(target) && to.trailing_slash) return -linux_errno::ENOTDIR;
    if (from.dir->sb != to.dir->sb) return -linux_errno::EXDEV;
    if (busy(source) || (target != nullptr && busy(target))) return -linux_errno::EBUSY;
    if (exchange) {
        if (is_dir(source) && within(to.dir, source)) return -linux_errno::EINVAL;
        if (is_dir(target) && within(from.dir, target)) return -linux_errno::EINVAL;
        return 0;
    }
    if (target != nullptr) {
        if (is_dir(source) && !is_dir(target)) return -linux_errno::ENOTDIR;
        if (!is_dir(source) && is_dir(target)) return -linux_errno::EISDIR;
        if (is_dir(target) && !dir_is_empty(target)) return -linux_errno::ENOTEMPTY;
    } else if (is_dead_dir(to.dir)) {
        return -linux_errno::ENOENT;
    }
    if (is_dir(source)) {
        if (within(to.dir, source)) return -linux_errno::EINVAL;  // into its own subtree
        if (target == nullptr && to.dir != from.dir && to.dir->nlink >= kMaxLinks) {
            return -linux_errno::EMLINK;
        }
    }
    return 0;
}

}  // namespace

int vfs_rename(Inode* old_dir, const char* old_path, Inode* new_dir, const char* new_path,
               uint32_t flags) {
    if (flags & ~(rename_flag::NOREPLACE | rename_flag::EXCHANGE)) return -linux_errno::EINVAL;
    if ((flags & rename_flag::NOREPLACE) && (flags & rename_flag::EXCHANGE)) {
        return -linux_errno::EINVAL;
    }
    LockGuard tree(tree_lock());
    ParentRef from, to;
    PathWalk walk_from, walk_to;
    int err = path_walk_parent(old_dir, old_path, &walk_from, &from.p);
    if (err < 0) return err;
    err = path_walk_parent(new_dir, new_path, &walk_to, &to.p);
    if (err < 0) return err;
    if (from.p.type != LastType::Normal) return -linux_errno::EBUSY;
    if (to.p.type != LastType::Normal) {
        return (flags & rename_flag::NOREPLACE) ? -linux_errno::EEXIST : -linux_errno::EBUSY;
    }
    InodeRef source, target;
    err = path_child(from.p, &source.inode);
    if (err < 0) return err;
    err = path_child(to.p, &target.inode);
    if (err < 0 && err != -linux_errno::ENOENT) return err;
    if (source.inode == target.inode) return 0;  // the same file: nothing to do
    err = check(from.p, source.inode, to.p, target.inode, flags);
    if (err < 0) return err;
    err = from.p.dir->ops->rename(from.p.dir, from.p.last(), to.p.dir, to.p.last(), flags);
    if (err < 0) return err;
    inode_touch(from.p.dir, kTouchMtime | kTouchCtime);
    if (to.p.dir != from.p.dir) inode_touch(to.p.dir, kTouchMtime | kTouchCtime);
    inode_touch(source.inode, kTouchCtime);
    if (target.inode != nullptr) inode_touch(target.inode, kTouchCtime);
    return 0;
}

}  // namespace fs
