#include "fs/mount_table.hpp"

#include "abi/errno.hpp"
#include "fs/ext2/ext2.hpp"
#include "fs/mount.hpp"
#include "fs/ramfs.hpp"
#include "fs/vfs.hpp"
#include "kernel/console.hpp"
#include "kernel/format.hpp"
#include "kernel/lock.hpp"
#include "kernel/string.hpp"

namespace fs {

namespace {

using namespace linux_errno;

constexpr int kMaxTypes = 8;
constexpr int kMaxMounts = 32;

struct Record {
    bool used;
    const FsType* type;  // nullptr for boot-time mounts recorded by name only
    const char* type_name;
    void* instance;
    Inode* mountpoint;  // a reference
    Inode* root;        // a reference
    bool read_only;
    char source[64];
    char path[256];
};

constinit SpinLock g_lock;
constinit const FsType* g_types[kMaxTypes] = {};
constinit int g_type_count = 0;
constinit Record g_mounts[kMaxMounts] = {};

int ramfs_mount(blk::BlockDevice*, bool read_only, const char*, Inode** root, void** instance) {
    if (read_only) return -EINVAL;  // nothing would enforce it
    *root = ramfs_create(01777);
    *instance = nullptr;
    return *root ? 0 : -ENOMEM;
}

constexpr FsType kRamfs = {"ramfs", false, ramfs_mount, nullptr, nullptr, nullptr};
constexpr FsType kTmpfs = {"tmpfs", false, ramfs_mount, nullptr, nullptr, nullptr};

// ext2 (fs/ext2/ext2.hpp): the instance is its SuperBlock.
int ext2_type_mount(blk::BlockDevice* device, bool read_only, const char*, Inode** root,
                    void** instance) {
    const char* why = nullptr;
    const int r = ext2_mount(device, read_only, root, &why);
    if (r == -EINVAL && why != nullptr) kprintf("guest: ext2 on %s: %s\n", device->name, why);
    if (r < 0) return r;
    SuperBlock* sb = (*root)->sb;
    Ext2Stat st{};
    ext2_statfs(sb, &st);
    if (!read_only && st.read_only) {
        // A read-only disk or a feature ext2 may only read: as Linux, a read-write mount is
        // EROFS (mount(8) then tries read-only).
        inode_put(*root);
        *root = nullptr;
        (void)ext2_umount(sb);
        return -EROFS;
    }
    *instance = sb;
    return 0;
}
int ext2_type_sync(void* instance) {
    return ext2_sync(static_cast<SuperBlock*>(instance));
}
int ext2_type_remount(void* instance, bool read_only) {
    return ext2_remount(static_cast<SuperBlock*>(instance), read_only);
}
int ext2_type_unmount(void* instance) {
    return ext2_umount(static_cast<SuperBlock*>(instance));
}
constexpr FsType kExt2 = {
    "ext2", true, ext2_type_mount, ext2_type_sync, ext2_type_remount, ext2_type_unmount};

bool name_is(const char* a, const char* b) {
    const size_t n = kstrnlen(b, 64);
    return kstrnlen(a, 64) == n && memcmp(a, b, n) == 0;
}

const FsType* find_type(const char* name) {
    if (g_type_count == 0) {  // the built-in ones, registered on first use
        g_types[g_type_count++] = &kRamfs;
        g_types[g_type_count++] = &kTmpfs;
        g_types[g_type_count++] = &kExt2;
    }
    for (int i = 0; i < g_type_count; ++i) {
        if (name_is(g_types[i]->name, name)) return g_types[i];
    }
    return nullptr;
}

void copy_text(char* out, size_t size, const char* text) {
    size_t n = kstrnlen(text, size - 1);
    memcpy(out, text, n);
    out[n] = '\0';
}

// A free record filled in (lock held); -ENOSPC when the table is full.
int add_record(const FsType* type, const char* type_name, void* instance, Inode* mountpoint,
               Inode* root, bool read_only, const char* source) {
    for (Record& r : g_mounts) {
        if (r.used) continue;
        r = Record{};
        r.used = true;
        r.type = type;
        r.type_name = type_name;
        r.instance = instance;
        if (mountpoint != nullptr) inode_get(mountpoint);
        inode_get(root);
        r.mountpoint = mountpoint;
        r.root = root;
        r.read_only = read_only;
        copy_text(r.source, sizeof r.source, source ? source : "none");
        if (mountpoint == nullptr) {
            copy_text(r.path, sizeof r.path, "/");
        } else if (vfs_getcwd(mountpoint, r.path, sizeof r.path) < 0) {
            copy_text(r.path, sizeof r.path, "?");
        }
        return 0;
    }
    return -ENOSPC;
}

// Puts a record taken out of the table back (lock held).
void restore(const Record& rec) {
    for (Record& slot : g_mounts) {
        if (!slot.used) {
            slot = rec;
            return;
        }
    }
}

Record* find_record(Inode* root) {
    for (Record& r : g_mounts) {
        if (r.used && r.root == root) return &r;
    }
    return nullptr;
}

}  // namespace

const FsType* find_fs_type(const char* name) {
    LockGuard guard(g_lock);
    return find_type(name);
}

int register_fs_type(const FsType* type) {
    LockGuard guard(g_lock);
    if (find_type(type->name) != nullptr) return -EEXIST;
    if (g_type_count == kMaxTypes) return -ENOSPC;
    g_types[g_type_count++] = type;
    return 0;
}

int mount_new(Inode* mountpoint, const char* source, blk::BlockDevice* device,
              const char* type_name, uint64_t flags, const char* data) {
    const FsType* type;
    {
        LockGuard guard(g_lock);
        type = find_type(type_name);
    }
    if (type == nullptr) return -ENODEV;
    if (!is_dir(mountpoint)) return -ENOTDIR;
    if (type->needs_device && device == nullptr) return -ENOTBLK;
    const bool read_only = (flags & kMountReadOnly) != 0;
    Inode* root = nullptr;
    void* instance = nullptr;
    // The instance is made with no lock held: a file system on a disk reads it.
    int r = type->mount(type->needs_device ? device : nullptr, read_only, data ? data : "", &root,
                        &instance);
    if (r < 0) return r;
    r = vfs_mount(mountpoint, root);
    if (r == 0) {
        LockGuard guard(g_lock);
        r = add_record(type, type->name, instance, mountpoint, root, read_only, source);
        if (r < 0) {
            (void)vfs_umount(mountpoint);
        }
    }
    inode_put(root);
    if (r < 0 && type->unmount != nullptr) (void)type->unmount(instance);
    return r;
}

int mount_root(blk::BlockDevice* device, const char* source, const char* type_name,
               uint64_t flags) {
    const bool read_only = (flags & kMountReadOnly) != 0;
    const FsType* candidates[kMaxTypes];
    int count = 0;
    {
        LockGuard guard(g_lock);
        if (type_name != nullptr) {
            if (const FsType* t = find_type(type_name)) candidates[count++] = t;
        } else {
            (void)find_type("");
            for (int i = 0; i < g_type_count; ++i) {
                if (g_types[i]->needs_device) candidates[count++] = g_types[i];
            }
        }
    }
    if (count == 0) return -ENODEV;
    int r = -EINVAL;
    for (int i = 0; i < count; ++i) {
        const FsType* type = candidates[i];
        if (!type->needs_device) return -EINVAL;  // a root from a disk
        Inode* root = nullptr;
        void* instance = nullptr;
        r = type->mount(device, read_only, "", &root, &instance);
        if (r < 0) continue;
        vfs_set_root(root);
        {
            LockGuard guard(g_lock);
            r = add_record(type, type->name, instance, nullptr, root, read_only, source);
        }
        inode_put(root);
        return r;
    }
    return r;
}

int mount_record(Inode* mountpoint, Inode* root, const char* source, const char* type_name,
                 bool read_only, void* instance) {
    LockGuard guard(g_lock);
    return add_record(find_type(type_name), type_name, instance, mountpoint, root, read_only,
                      source);
}

int mount_remount(Inode* root, uint64_t flags) {
    const bool read_only = (flags & kMountReadOnly) != 0;
    const FsType* type;
    void* instance;
    {
        LockGuard guard(g_lock);
        Record* rec = find_record(root);
        if (rec == nullptr) return -EINVAL;
        if (rec->read_only == read_only) return 0;
        type = rec->type;
        instance = rec->instance;
        if (type == nullptr || type->remount == nullptr) return -EINVAL;
    }
    const int r = type->remount(instance, read_only);
    if (r == 0) {
        LockGuard guard(g_lock);
        if (Record* rec = find_record(root)) rec->read_only = read_only;
    }
    return r;
}

int mount_remove(Inode* root) {
    Record rec;
    {
        LockGuard guard(g_lock);
        Record* found = find_record(root);
        if (found == nullptr || found->mountpoint == nullptr) {
            inode_put(root);
            return found == nullptr ? -EINVAL : -EBUSY;  // no mount, or the tree's root
        }
        rec = *found;
        found->used = false;
    }
    if (rec.type != nullptr && rec.type->sync != nullptr) (void)rec.type->sync(rec.instance);
    int r = vfs_umount(rec.mountpoint);
    if (r < 0) {
        LockGuard guard(g_lock);
        restore(rec);
        inode_put(root);
        return r;
    }
    // The caller's and the record's references go; what the instance holds stays.
    inode_put(root);
    if (rec.type == nullptr || rec.type->unmount == nullptr) {
        inode_put(rec.root);
        inode_put(rec.mountpoint);
        return 0;
    }
    Inode* const kept = rec.root;
    inode_put(rec.root);
    r = rec.type->unmount(rec.instance);  // on success the root is gone with the instance
    if (r == 0) {
        inode_put(rec.mountpoint);
        return 0;
    }
    // Still in use: back in the tree and in the table, as it was.
    inode_get(kept);
    (void)vfs_mount(rec.mountpoint, kept);
    LockGuard guard(g_lock);
    restore(rec);
    return r;
}

int mount_sync_all() {
    // Copies of the handles, then the writes with no lock held.
    struct Job {
        const FsType* type;
        void* instance;
    } jobs[kMaxMounts];
    int count = 0;
    {
        LockGuard guard(g_lock);
        for (const Record& r : g_mounts) {
            if (r.used && r.type != nullptr && r.type->sync != nullptr && !r.read_only) {
                jobs[count++] = Job{r.type, r.instance};
            }
        }
    }
    int first = 0;
    for (int i = 0; i < count; ++i) {
        const int r = jobs[i].type->sync(jobs[i].instance);
        if (r < 0 && first == 0) first = r;
    }
    return first;
}

size_t mount_render(char* buf, size_t size) {
    LockGuard guard(g_lock);
    size_t len = 0;
    buf[0] = '\0';
    for (const Record& r : g_mounts) {
        if (!r.used || len + 1 >= size) continue;
        len += format_to(buf + len, size - len, "%s %s %s %s 0 0\n", r.source, r.path, r.type_name,
                         r.read_only ? "ro" : "rw");
        if (len >= size) len = size - 1;
    }
    return len;
}

size_t fs_types_render(char* buf, size_t size) {
    LockGuard guard(g_lock);
    (void)find_type("");  // the built-in types registered
    size_t len = 0;
    buf[0] = '\0';
    for (int i = 0; i < g_type_count && len + 1 < size; ++i) {
        len += format_to(buf + len, size - len, "%s\t%s\n", g_types[i]->needs_device ? "" : "nodev",
                         g_types[i]->name);
        if (len >= size) len = size - 1;
    }
    return len;
}

}  // namespace fs
