// Inodes: the file-system objects (directories, regular files, symlinks, devices, FIFOs,
// sockets) behind names and open files, with their attributes, reference count and the
// operations table of the file system they belong to (ramfs today; ext2, devfs, procfs later).
//
// Lifetime: `refs` counts every in-kernel reference: one per directory entry naming the inode,
// one per open File, one per child directory's `parent` pointer, the cwd of each process, and
// temporary references held during an operation. The inode is destroyed when the last one
// goes (inode_put), so an unlinked file stays usable through its open files until the last
// close. `nlink` is only the attribute stat reports; a directory with nlink 0 has been removed
// (nothing can be created in it any more).
//
// Locking (guest/fs/README.md): the tree lock covers every directory's entries, `parent`,
// `dname`, `mounted`/`covered` and the structure of the tree; `lock` covers a file's data and
// size and every attribute (mode, owner, times, nlink). Order: File::pos_lock, then the tree
// lock, then inode locks (at most one at a time).
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "abi/linux_types.hpp"
#include "kernel/lock.hpp"

namespace fs {

struct Inode;

// One path component: 1..255 bytes, no '/', never "." or "..". Not NUL-terminated.
struct Name {
    const char* data;
    size_t len;
};

// What InodeOps::create makes: `mode` holds the type and the permissions.
struct NewInode {
    uint32_t mode;
    uint32_t uid;
    uint32_t gid;
    uint32_t rdev_major;  // character and block devices
    uint32_t rdev_minor;
    const char* symlink_target;  // symlinks: 1..4095 bytes
    size_t symlink_len;
};

// Called by InodeOps::iterate for each entry, in cookie order. Returns false to stop (that
// entry was not consumed; iteration resumes from its cookie next time).
using DirEmit = bool (*)(void* ctx, Name name, uint64_t ino, uint8_t dtype, uint64_t cookie);

// A file system's operations. Every member is set (ramfs implements all of them; fsync may be
// nullptr: nothing to write); a file system without a feature answers -EPERM/-EINVAL/-EROFS
// itself.
struct InodeOps {
    // Directories. The caller holds the tree lock, `dir` is a directory, names are valid
    // components, and the VFS has made every semantic check (types, emptiness of a replaced
    // directory, loops): the op changes the structure and the link counts only.
    // lookup: a new reference, or -ENOENT. create: a new inode with a reference for the
    // caller, -EEXIST if the name exists. link: a new entry for an existing inode. remove:
    // -ENOTEMPTY for a non-empty directory.
    int (*lookup)(Inode* dir, Name name, Inode** out) = nullptr;
    int (*create)(Inode* dir, Name name, const NewInode& spec, Inode** out) = nullptr;
    int (*link)(Inode* dir, Name name, Inode* inode) = nullptr;
    int (*remove)(Inode* dir, Name name, Inode* victim) = nullptr;
    int (*rename)(Inode* old_dir, Name old_name, Inode* new_dir, Name new_name,
                  uint32_t flags) = nullptr;
    // Entries whose cookie is >= `cookie` (cookies start at 2: 0 and 1 are "." and "..").
    int (*iterate)(Inode* dir, uint64_t cookie, DirEmit emit, void* ctx) = nullptr;
    // Symlinks: copies up to `size` bytes of the target (no NUL), returns the count.
    int64_t (*readlink)(Inode* link, char* buf, size_t size) = nullptr;
    // Regular files. The caller holds inode->lock and has checked offsets against
    // kMaxFileSize. get_page: nullptr for a hole (without `create`) or without memory.
    int64_t (*read)(Inode* file, void* buf, size_t len, uint64_t offset) = nullptr;
    int64_t (*write)(Inode* file, const void* buf, size_t len, uint64_t offset) = nullptr;
    int (*truncate)(Inode* file, uint64_t size) = nullptr;
    void* (*get_page)(Inode* file, uint64_t index, bool create) = nullptr;
    // Takes `page` (a whole kernel page and the caller's reference on it) as the file's page
    // `index`, which is a hole, and grows the size to its end: 0, or -ENOMEM (the page is not
    // taken) and -EINVAL where the file system keeps no pages.
    int (*adopt_page)(Inode* file, uint64_t index, void* page) = nullptr;
    // Optional, regular files (fs/file_pages.cpp). pin_pages: a reference (page_get) on each
    // cached page from `index` on while they follow each other, at most `max` (0: none there),
    // and in *size the file's size they hold data for; the caller drops them with page_free.
    uint32_t (*pin_pages)(Inode* file, uint64_t index, uint32_t max, void** pages,
                          uint64_t* size) = nullptr;
    // write_buffer: write's answers, from `buf`, a block_alloc(order) block the file system
    // may keep instead of copying (*taken: it frees it, e.g. once the device has written it).
    int64_t (*write_buffer)(Inode* file, void* buf, unsigned order, size_t len, uint64_t offset,
                            bool* taken) = nullptr;
    // The last reference is gone: free the inode and what it owns (not `parent`: inode_put
    // drops that reference itself).
    void (*destroy)(Inode* inode) = nullptr;
    // Writes the inode's data and metadata to stable storage (fsync(2)); 0 where nothing is
    // stored anywhere (ramfs), or -EIO/-EROFS.
    int (*fsync)(Inode* inode) = nullptr;
};

// One mounted (or mountable) file system instance.
struct SuperBlock {
    const InodeOps* ops;
    uint32_t dev_major;  // st_dev
    uint32_t dev_minor;
    uint64_t next_ino;  // atomic
    uint64_t inodes;    // live inodes (atomic); the instance is freed with its last one
};

struct Inode {
    const InodeOps* ops;
    SuperBlock* sb;
    uint64_t refs;  // atomic; see above
    SpinLock lock;

    // Attributes (lock).
    uint64_t ino;
    uint32_t mode;  // type | permissions
    uint32_t uid;
    uint32_t gid;
    uint32_t nlink;
    uint64_t size;
    uint64_t blocks;  // 512-byte units actually allocated
    uint32_t rdev_major;
    uint32_t rdev_minor;
    linux_abi::timespec atime, mtime, ctime, btime;

    // Tree (tree lock).
    Inode* parent;   // directories: the containing directory (a reference); a root: itself
    Name dname;      // directories: the name in `parent` (owned by the file system)
    Inode* mounted;  // the root of a file system mounted on this directory, or nullptr
    Inode* covered;  // a mounted root: the directory it covers (a reference), or nullptr
};

inline constexpr uint64_t kMaxFileSize = uint64_t(INT64_MAX);  // Linux's MAX_LFS_FILESIZE
inline constexpr uint32_t kMaxLinks = 0xfffffff0u;             // EMLINK beyond

// The one lock of the directory tree (every file system, every mount).
SpinLock& tree_lock();

// Initialises the common part of a new inode: one reference, a fresh inode number, times now.
void inode_init(Inode* inode, SuperBlock* sb, uint32_t mode);
void inode_get(Inode* inode);
void inode_put(Inode* inode);  // nullptr is ignored

// An inode in no directory (pipes, sockets, anonymous files): nlink 0, generic ops that refuse
// everything, freed on the last inode_put. nullptr when out of memory.
Inode* inode_create_anonymous(uint32_t mode);

// The realtime clock as a timespec.
linux_abi::timespec time_now();

// Sets the chosen times to now (takes inode->lock).
inline constexpr uint32_t kTouchAtime = 1, kTouchMtime = 2, kTouchCtime = 4;
void inode_touch(Inode* inode, uint32_t which);
void inode_touch_locked(Inode* inode, uint32_t which);

// nlink += delta (takes inode->lock).
void inode_add_nlink(Inode* inode, int delta);

inline uint32_t inode_type(const Inode* inode) {
    // The type bits never change; chmod stores the word atomically beside this load.
    return __atomic_load_n(&inode->mode, __ATOMIC_RELAXED) & linux_abi::smode::IFMT;
}
inline bool is_dir(const Inode* inode) {
    return inode_type(inode) == linux_abi::smode::IFDIR;
}
inline bool is_reg(const Inode* inode) {
    return inode_type(inode) == linux_abi::smode::IFREG;
}
inline bool is_symlink(const Inode* inode) {
    return inode_type(inode) == linux_abi::smode::IFLNK;
}
inline bool is_chr(const Inode* inode) {
    return inode_type(inode) == linux_abi::smode::IFCHR;
}
// A directory that was removed (rmdir, or replaced by rename): read as empty, no new entries.
inline bool is_dead_dir(const Inode* inode) {
    return is_dir(inode) && __atomic_load_n(&inode->nlink, __ATOMIC_RELAXED) == 0;
}

}  // namespace fs
