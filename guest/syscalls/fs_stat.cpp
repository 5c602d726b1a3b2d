// The stat family and statfs.
#include "fs/ext2/ext2.hpp"
#include "fs/vfs.hpp"
#include "syscalls/common.hpp"

namespace syscalls {

namespace {

using namespace linux_abi;

int64_t stat_at(Args& a, int dirfd, uint64_t user_path, uint64_t out, uint32_t flags) {
    if (flags & ~(at::SYMLINK_NOFOLLOW | at::EMPTY_PATH | at::NO_AUTOMOUNT)) return -EINVAL;
    PathBuf path;
    const int r = copy_path(user_path, &path, (flags & at::EMPTY_PATH) != 0);
    if (r < 0) return r;
    fs::Inode* dir = nullptr;
    const int d = dir_of(a, dirfd, &dir);
    if (d < 0) return d;
    linux_abi::stat st{};
    const int s = fs::vfs_stat(dir, path.text, flags, &st);
    fs::inode_put(dir);
    if (s < 0) return s;
    return copy_to_user(out, &st, sizeof(st)) == 0 ? 0 : -EFAULT;
}

// struct statfs (x86-64): a RAM file system.
struct StatFs {
    int64_t type, bsize;
    uint64_t blocks, bfree, bavail, files, ffree;
    int32_t fsid[2];
    int64_t namelen, frsize, flags, spare[4];
};
static_assert(sizeof(StatFs) == 120);

// The file system `inode` belongs to: ext2's figures (df), else a RAM file system's.
int64_t fill_statfs(fs::Inode* inode, uint64_t out) {
    StatFs s{};
    s.type = 0x858458f6;  // RAMFS_MAGIC
    s.bsize = 4096;
    s.namelen = 255;
    s.frsize = 4096;
    if (inode != nullptr && fs::ext2_is(inode->sb)) {
        fs::Ext2Stat e{};
        fs::ext2_statfs(inode->sb, &e);
        s.type = 0xef53;  // EXT2_SUPER_MAGIC
        s.bsize = s.frsize = e.block_size;
        s.blocks = e.blocks;
        s.bfree = e.free_blocks;
        s.bavail = e.avail_blocks;
        s.files = e.inodes;
        s.ffree = e.free_inodes;
        s.namelen = e.name_max;
        s.flags = e.read_only ? 1 : 0;  // ST_RDONLY
    }
    return copy_to_user(out, &s, sizeof(s)) == 0 ? 0 : -EFAULT;
}

}  // namespace

int64_t sys_stat(Args& a) {
    return stat_at(a, at::FDCWD, a.a[0], a.a[1], 0);
}
int64_t sys_lstat(Args& a) {
    return stat_at(a, at::FDCWD, a.a[0], a.a[1], at::SYMLINK_NOFOLLOW);
}
int64_t sys_newfstatat(Args& a) {
    return stat_at(a, int(a.a[0]), a.a[1], a.a[2], uint32_t(a.a[3]));
}
int64_t sys_fstat(Args& a) {
    FileRef f(a, int(a.a[0]));
    if (!f) return -EBADF;
    if (!f->inode) return -EBADF;
    linux_abi::stat st{};
    fs::inode_stat(f->inode, &st);
    return copy_to_user(a.a[1], &st, sizeof(st)) == 0 ? 0 : -EFAULT;
}
int64_t sys_statx(Args& a) {
    const uint32_t flags = uint32_t(a.a[2]);
    PathBuf path;
    const int r = copy_path(a.a[1], &path, (flags & at::EMPTY_PATH) != 0);
    if (r < 0) return r;
    fs::Inode* dir = nullptr;
    const int d = dir_of(a, int(a.a[0]), &dir);
    if (d < 0) return d;
    linux_abi::statx sx{};
    const int s = fs::vfs_statx(dir, path.text, flags, uint32_t(a.a[3]), &sx);
    fs::inode_put(dir);
    if (s < 0) return s;
    return copy_to_user(a.a[4], &sx, sizeof(sx)) == 0 ? 0 : -EFAULT;
}
int64_t sys_statfs(Args& a) {
    PathBuf path;
    const int r = copy_path(a.a[0], &path);
    if (r < 0) return r;
    fs::Inode* inode = nullptr;
    const int s = fs::vfs_lookup(proc_of(a)->cwd, path.text, 0, false, &inode);
    if (s < 0) return s;
    const int64_t result = fill_statfs(inode, a.a[1]);
    fs::inode_put(inode);
    return result;
}
int64_t sys_fstatfs(Args& a) {
    FileRef f(a, int(a.a[0]));
    if (!f) return -EBADF;
    return fill_statfs(f->inode, a.a[1]);
}

}  // namespace syscalls
