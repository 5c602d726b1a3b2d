#include "fs/inode.hpp"

#include "abi/errno.hpp"
#include "kernel/string.hpp"
#include "kernel/time.hpp"
#include "mm/kheap.hpp"

namespace fs {

namespace {

constinit SpinLock g_tree_lock;

// Anonymous inodes (pipes, sockets): a file system with no names. Its device number is
// (0, 1); the inodes count is never zero (the static instance is never freed).
int anon_lookup(Inode*, Name, Inode**) {
    return -linux_errno::ENOTDIR;
}
int anon_create(Inode*, Name, const NewInode&, Inode**) {
    return -linux_errno::ENOTDIR;
}
int anon_link(Inode*, Name, Inode*) {
    return -linux_errno::ENOTDIR;
}
int anon_remove(Inode*, Name, Inode*) {
    return -linux_errno::ENOTDIR;
}
int anon_rename(Inode*, Name, Inode*, Name, uint32_t) {
    return -linux_errno::ENOTDIR;
}
int anon_iterate(Inode*, uint64_t, DirEmit, void*) {
    return -linux_errno::ENOTDIR;
}
int64_t anon_readlink(Inode*, char*, size_t) {
    return -linux_errno::EINVAL;
}
int64_t anon_read(Inode*, void*, size_t, uint64_t) {
    return -linux_errno::EINVAL;
}
int64_t anon_write(Inode*, const void*, size_t, uint64_t) {
    return -linux_errno::EINVAL;
}
int anon_truncate(Inode*, uint64_t) {
    return -linux_errno::EINVAL;
}
void* anon_get_page(Inode*, uint64_t, bool) {
    return nullptr;
}
int anon_adopt_page(Inode*, uint64_t, void*) {
    return -linux_errno::EINVAL;
}
int anon_fsync(Inode*) {
    return 0;
}
void anon_destroy(Inode* inode) {
    __atomic_sub_fetch(&inode->sb->inodes, 1, __ATOMIC_RELAXED);
    kfree(inode);
}

constexpr InodeOps kAnonOps = {
    .lookup = anon_lookup,
    .create = anon_create,
    .link = anon_link,
    .remove = anon_remove,
    .rename = anon_rename,
    .iterate = anon_iterate,
    .readlink = anon_readlink,
    .read = anon_read,
    .write = anon_write,
    .truncate = anon_truncate,
    .get_page = anon_get_page,
    .adopt_page = anon_adopt_page,
    .destroy = anon_destroy,
    .fsync = anon_fsync,
};

constinit SuperBlock g_anon_sb = {&kAnonOps, 0, 1, 1, 1};

}  // namespace

SpinLock& tree_lock() {
    return g_tree_lock;
}

linux_abi::timespec time_now() {
    const uint64_t ns = time_realtime_ns();
    return {int64_t(ns / 1'000'000'000u), int64_t(ns % 1'000'000'000u)};
}

void inode_init(Inode* inode, SuperBlock* sb, uint32_t mode) {
    inode->ops = sb->ops;
    inode->sb = sb;
    inode->refs = 1;
    inode->ino = __atomic_fetch_add(&sb->next_ino, 1, __ATOMIC_RELAXED);
    inode->mode = mode;
    inode->nlink = 0;
    inode->size = 0;
    inode->blocks = 0;
    const linux_abi::timespec now = time_now();
    inode->atime = inode->mtime = inode->ctime = inode->btime = now;
    inode->parent = nullptr;
    inode->dname = {nullptr, 0};
    inode->mounted = nullptr;
    inode->covered = nullptr;
    __atomic_add_fetch(&sb->inodes, 1, __ATOMIC_RELAXED);
}

void inode_get(Inode* inode) {
    __atomic_add_fetch(&inode->refs, 1, __ATOMIC_RELAXED);
}

void inode_put(Inode* inode) {
    // Iterative: destroying a removed directory drops its reference on its parent, which may
    // be the last one of a removed parent, and so on up a chain of any length.
    while (inode != nullptr) {
        if (__atomic_sub_fetch(&inode->refs, 1, __ATOMIC_ACQ_REL) != 0) return;
        Inode* parent = inode->parent != inode ? inode->parent : nullptr;
        inode->ops->destroy(inode);
        inode = parent;
    }
}

Inode* inode_create_anonymous(uint32_t mode) {
    auto* inode = static_cast<Inode*>(kzalloc(sizeof(Inode)));
    if (inode == nullptr) return nullptr;
    inode_init(inode, &g_anon_sb, mode);
    return inode;
}

void inode_touch_locked(Inode* inode, uint32_t which) {
    const linux_abi::timespec now = time_now();
    if (which & kTouchAtime) inode->atime = now;
    if (which & kTouchMtime) inode->mtime = now;
    if (which & kTouchCtime) inode->ctime = now;
}

void inode_touch(Inode* inode, uint32_t which) {
    LockGuard guard(inode->lock);
    inode_touch_locked(inode, which);
}

void inode_add_nlink(Inode* inode, int delta) {
    LockGuard guard(inode->lock);
    __atomic_store_n(&inode->nlink, uint32_t(int64_t(inode->nlink) + delta), __ATOMIC_RELAXED);
}

}  // namespace fs
