// getcwd: the path of a directory, built from its parent pointers and names.
#include "abi/errno.hpp"
#include "fs/mount.hpp"
#include "fs/vfs.hpp"
#include "kernel/string.hpp"

namespace fs {

int64_t vfs_getcwd(Inode* cwd, char* buf, size_t size) {
    LockGuard tree(tree_lock());
    if (is_dead_dir(cwd)) return -linux_errno::ENOENT;
    if (size == 0) return -linux_errno::ERANGE;
    // Written backwards from the end of `buf`, then moved to its start.
    size_t pos = size;
    buf[--pos] = '\0';
    Inode* root = vfs_root();
    Inode* x = cwd;
    while (x != root) {
        if (x->covered != nullptr) {  // a mounted root: continue from the directory it covers
            x = x->covered;
            continue;
        }
        if (x->parent == x || x->parent == nullptr) return -linux_errno::ENOENT;  // detached
        const Name name = x->dname;
        if (pos < name.len + 1) return -linux_errno::ERANGE;
        pos -= name.len;
        memcpy(buf + pos, name.data, name.len);
        buf[--pos] = '/';
        x = x->parent;
    }
    if (pos == size - 1) {  // the root itself
        if (pos == 0) return -linux_errno::ERANGE;
        buf[--pos] = '/';
    }
    memmove(buf, buf + pos, size - pos);
    return int64_t(size - pos);
}

}  // namespace fs
