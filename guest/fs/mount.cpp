#include "fs/mount.hpp"

#include "abi/errno.hpp"

namespace fs {

namespace {

constinit Inode* g_root = nullptr;

}  // namespace

void vfs_set_root(Inode* root) {
    if (root != nullptr) inode_get(root);
    Inode* old;
    {
        LockGuard guard(tree_lock());
        old = g_root;
        __atomic_store_n(&g_root, root, __ATOMIC_RELEASE);  // vfs_root() reads without a lock
    }
    inode_put(old);
}

Inode* vfs_root() {
    return __atomic_load_n(&g_root, __ATOMIC_ACQUIRE);
}

int vfs_mount(Inode* mountpoint, Inode* fs_root) {
    if (!is_dir(mountpoint) || !is_dir(fs_root)) return -linux_errno::ENOTDIR;
    LockGuard guard(tree_lock());
    if (mountpoint == g_root || fs_root == g_root) return -linux_errno::EINVAL;
    if (mountpoint->mounted != nullptr || fs_root->covered != nullptr) return -linux_errno::EBUSY;
    if (is_dead_dir(mountpoint)) return -linux_errno::ENOENT;
    inode_get(mountpoint);
    inode_get(fs_root);
    mountpoint->mounted = fs_root;
    fs_root->covered = mountpoint;
    return 0;
}

int vfs_umount(Inode* mountpoint) {
    Inode* fs_root;
    {
        LockGuard guard(tree_lock());
        fs_root = mountpoint->mounted;
        if (fs_root == nullptr) return -linux_errno::EINVAL;
        mountpoint->mounted = nullptr;
        fs_root->covered = nullptr;
    }
    inode_put(fs_root);
    inode_put(mountpoint);
    return 0;
}

Inode* mount_top(Inode* inode) {
    while (inode->mounted != nullptr) inode = inode->mounted;
    return inode;
}

Inode* path_parent_of(Inode* dir) {
    Inode* root = vfs_root();
    while (dir != root && dir->covered != nullptr) dir = dir->covered;
    if (dir == root) return dir;
    return dir->parent;
}

}  // namespace fs
