// mount(2) and umount2(2) over the mount table (fs/mount_table.hpp): new mounts of a
// registered type (ramfs/tmpfs, ext2 on a block device), MS_REMOUNT between read-only and
// read-write, and unmounting (the file system is written back first; files still open keep
// working, as after Linux's MNT_DETACH).
#include "abi/linux_types.hpp"
#include "dev/block.hpp"
#include "fs/mount_table.hpp"
#include "fs/vfs.hpp"
#include "mm/kheap.hpp"
#include "mm/usercopy.hpp"
#include "syscalls/common.hpp"

namespace syscalls {

namespace {

constexpr uint64_t kRdonly = 1, kNosuid = 2, kNodev = 4, kNoexec = 8, kRemount = 32;
constexpr uint64_t kNoatime = 1024, kNodiratime = 2048, kSilent = 32768, kRelatime = 1u << 21;
constexpr uint64_t kStrictatime = 1u << 24, kLazytime = 1u << 25;
constexpr uint64_t kMagicMask = 0xffff0000, kMagic = 0xc0ed0000;  // MS_MGC_VAL, pre-2.4
// Accepted and not acted on: the domain has one user (root) and no atime policy to choose.
constexpr uint64_t kIgnored = kNosuid | kNodev | kNoexec | kNoatime | kNodiratime | kSilent |
                              kRelatime | kStrictatime | kLazytime;
constexpr uint32_t kMntForce = 1, kMntDetach = 2;
constexpr size_t kMaxTypeName = 64, kMaxData = 4096;

// The directory `user_path` names (a new reference).
int lookup_dir(Args& a, uint64_t user_path, fs::Inode** out) {
    PathBuf path;
    int r = copy_path(user_path, &path);
    if (r < 0) return r;
    fs::Inode* dir = nullptr;
    r = dir_of(a, linux_abi::at::FDCWD, &dir);
    if (r < 0) return r;
    r = fs::vfs_lookup(dir, path.text, 0, true, out);
    fs::inode_put(dir);
    return r;
}

// The block device the node at `path` stands for: -ENOTBLK for another kind of file, -ENXIO
// for a number without a disk.
int device_of(Args& a, const char* path, blk::BlockDevice** out) {
    fs::Inode* cwd = nullptr;
    int r = dir_of(a, linux_abi::at::FDCWD, &cwd);
    if (r < 0) return r;
    fs::Inode* node = nullptr;
    r = fs::vfs_lookup(cwd, path, 0, false, &node);
    fs::inode_put(cwd);
    if (r < 0) return r;
    if (fs::inode_type(node) != linux_abi::smode::IFBLK) {
        r = -ENOTBLK;
    } else {
        *out = blk::find_device_by_number(node->rdev_major, node->rdev_minor);
        if (*out == nullptr) r = -ENXIO;
    }
    fs::inode_put(node);
    return r;
}

}  // namespace

int64_t sys_mount(Args& a) {
    uint64_t flags = a.a[3];
    if ((flags & kMagicMask) == kMagic) flags &= ~kMagicMask;
    if (flags & ~(kRdonly | kRemount | kIgnored)) return -EINVAL;  // bind, move, propagation
    fs::Inode* target = nullptr;
    int r = lookup_dir(a, a.a[1], &target);
    if (r < 0) return r;
    if (flags & kRemount) {
        r = fs::mount_remount(target, flags & kRdonly ? fs::kMountReadOnly : 0);
        fs::inode_put(target);
        return r;
    }
    char type[kMaxTypeName];
    const int64_t n = a.a[2] ? strncpy_from_user(type, a.a[2], sizeof type) : -EINVAL;
    char* data = static_cast<char*>(kmalloc(kMaxData));
    if (n < 0 || size_t(n) >= sizeof type || data == nullptr) {
        kfree(data);
        fs::inode_put(target);
        return n < 0 ? n : (data ? -EINVAL : -ENOMEM);
    }
    data[0] = '\0';
    if (a.a[4] != 0) {
        // The options: one NUL-terminated string of less than a page (Linux copies a page).
        const int64_t len = strncpy_from_user(data, a.a[4], kMaxData);
        if (len < 0) r = int(len);
        if (len >= int64_t(kMaxData)) r = -EINVAL;
        data[kMaxData - 1] = '\0';
    }
    const fs::FsType* fstype = r == 0 ? fs::find_fs_type(type) : nullptr;
    if (r == 0 && fstype == nullptr) r = -ENODEV;
    PathBuf source;
    source.text[0] = '\0';
    blk::BlockDevice* device = nullptr;
    if (r == 0 && a.a[0] != 0) r = copy_path(a.a[0], &source);
    if (r == 0 && fstype->needs_device)
        r = a.a[0] == 0 ? -ENOTBLK : device_of(a, source.text, &device);
    if (r == 0) {
        r = fs::mount_new(target, source.text[0] ? source.text : "none", device, type,
                          flags & kRdonly ? fs::kMountReadOnly : 0, data);
    }
    fs::inode_put(target);
    kfree(data);
    return r;
}

int64_t sys_umount2(Args& a) {
    const uint32_t flags = uint32_t(a.a[1]);
    if (flags & ~(kMntForce | kMntDetach)) return -EINVAL;
    fs::Inode* target = nullptr;
    int r = lookup_dir(a, a.a[0], &target);
    if (r < 0) return r;
    return fs::mount_remove(target);  // takes the reference
}

}  // namespace syscalls
