// The inode cache (one fs::Inode per ext2 inode number while referenced: hard links and
// repeated lookups share it), decoding and encoding on-disk inodes, new inodes, and what
// happens when the last reference goes (write back, or free everything of an unlinked inode).
#include "abi/errno.hpp"
#include "fs/ext2/ext2_internal.hpp"
#include "kernel/string.hpp"
#include "mm/kheap.hpp"

namespace fs::ext2 {

namespace {

namespace smode = linux_abi::smode;

uint32_t ino_bucket(uint64_t ino) {
    return uint32_t(ino * 2654435761u) % kInodeBuckets;
}

// Where inode `ino` lives: its inode-table block and the byte offset in it.
void locate(const Ext2Fs* fs, uint32_t ino, uint32_t* block, uint32_t* offset) {
    const uint32_t g = inode_group(fs, ino);
    const uint32_t index = (ino - 1) % fs->inodes_per_group;
    const uint64_t byte = uint64_t(index) * fs->inode_size;
    *block =
        ld32(fs->gdt + size_t(g) * kDescSize + gd::inode_table) + uint32_t(byte / fs->block_size);
    *offset = uint32_t(byte % fs->block_size);
}

bool valid_type(uint32_t mode) {
    switch (mode & smode::IFMT) {
        case smode::IFREG:
        case smode::IFDIR:
        case smode::IFLNK:
        case smode::IFCHR:
        case smode::IFBLK:
        case smode::IFIFO:
        case smode::IFSOCK:
            return true;
        default:
            return false;
    }
}

// Decodes the raw inode into `inode`; -EIO for values no valid inode has.
int decode(Ext2Fs* fs, const uint8_t* raw, Ext2Inode* inode) {
    const uint32_t mode = ld16(raw + in::mode);
    if (!valid_type(mode)) return fs_error(fs, "inode with an invalid mode");
    if (ld16(raw + in::links_count) == 0) return fs_error(fs, "deleted inode in use");
    const uint32_t flags = ld32(raw + in::flags);
    if (flags & (kExtentsFl | kInlineDataFl)) return fs_error(fs, "extents or inline data");
    uint64_t size = ld32(raw + in::size);
    if ((mode & smode::IFMT) == smode::IFREG) size |= uint64_t(ld32(raw + in::size_high)) << 32;
    if ((mode & smode::IFMT) == smode::IFDIR &&
        (size % fs->block_size != 0 || size == 0 || size / fs->block_size > fs->blocks_count)) {
        return fs_error(fs, "directory size");
    }
    if (size > fs->max_file_size) return fs_error(fs, "file size");
    if ((mode & smode::IFMT) == smode::IFLNK && (size == 0 || size >= fs->block_size)) {
        return fs_error(fs, "symlink size");
    }
    inode->mode = mode;
    inode->uid = ld16(raw + in::uid) | (uint32_t(ld16(raw + in::uid_high)) << 16);
    inode->gid = ld16(raw + in::gid) | (uint32_t(ld16(raw + in::gid_high)) << 16);
    inode->nlink = ld16(raw + in::links_count);
    inode->size = size;
    inode->blocks = ld32(raw + in::blocks);
    inode->atime = {int64_t(ld32(raw + in::atime)), 0};
    inode->mtime = {int64_t(ld32(raw + in::mtime)), 0};
    inode->ctime = {int64_t(ld32(raw + in::ctime)), 0};
    inode->btime = inode->ctime;
    inode->flags = flags;
    inode->file_acl = ld32(raw + in::file_acl);
    inode->generation = ld32(raw + in::generation);
    inode->dtime = 0;
    memcpy(inode->iblock, raw + in::block, sizeof(inode->iblock));
    if (inode->file_acl != 0 && !block_is_data(fs, inode->file_acl)) {
        return fs_error(fs, "extended-attribute block out of range");
    }
    if ((mode & smode::IFMT) == smode::IFCHR || (mode & smode::IFMT) == smode::IFBLK) {
        const uint32_t old = ld32(inode->iblock);
        if (old != 0) {
            inode->rdev_major = (old >> 8) & 0xff;
            inode->rdev_minor = old & 0xff;
        } else {
            const uint32_t dev = ld32(inode->iblock + 4);
            inode->rdev_major = (dev & 0xfff00) >> 8;
            inode->rdev_minor = (dev & 0xff) | ((dev >> 12) & 0xfff00);
        }
    }
    return 0;
}

Ext2Inode* alloc_struct(Ext2Fs* fs, uint32_t ino, uint32_t mode) {
    void* memory = kzalloc(sizeof(Ext2Inode));
    if (memory == nullptr) return nullptr;
    auto* inode = new (memory) Ext2Inode();
    inode_init(inode, fs, mode);
    inode->ino = ino;
    return inode;
}

void hash_insert(Ext2Fs* fs, Ext2Inode* inode) {
    const uint32_t h = ino_bucket(inode->ino);
    inode->hash_next = fs->inode_hash[h];
    fs->inode_hash[h] = inode;
}

void hash_remove(Ext2Fs* fs, Ext2Inode* inode) {
    Ext2Inode** p = &fs->inode_hash[ino_bucket(inode->ino)];
    while (*p != nullptr && *p != inode) p = &(*p)->hash_next;
    if (*p == inode) *p = inode->hash_next;
}

void free_struct(Ext2Fs* fs, Ext2Inode* inode) {
    ra_drop(inode);
    pages_free(inode);
    kfree(inode->name);
    kdelete(inode);
    __atomic_sub_fetch(&fs->inodes, 1, __ATOMIC_ACQ_REL);
}

// Drops one reference on the extended-attribute block of a deleted inode.
int release_xattr(Ext2Fs* fs, Ext2Inode* inode) {
    if (inode->file_acl == 0) return 0;
    Buf* buf = nullptr;
    int err = bc_get(fs, inode->file_acl, true, &buf);
    if (err < 0) return err;
    const uint32_t refs = ld32(buf->data + kXattrRefcount);
    if (ld32(buf->data) == kXattrMagic && refs > 1) {
        st32(buf->data + kXattrRefcount, refs - 1);
        bc_dirty(buf);
        bc_put(fs, buf);
    } else {
        bc_put(fs, buf);
        err = free_block(fs, inode->file_acl);
        if (err < 0) return err;
    }
    const uint32_t n = fs->block_size / 512;
    inode->blocks = inode->blocks >= n ? inode->blocks - n : 0;
    inode->file_acl = 0;
    return 0;
}

// Frees everything of an inode with no links left (its last reference went).
void delete_inode(Ext2Fs* fs, Ext2Inode* inode) {
    const bool dir = is_dir(inode);
    const uint32_t type = inode_type(inode);
    const bool has_blocks =
        type == smode::IFREG || type == smode::IFDIR ||
        (type == smode::IFLNK && inode->blocks > (inode->file_acl != 0 ? fs->block_size / 512 : 0));
    pages_free(inode);
    if (has_blocks && truncate_blocks(fs, inode, 0) < 0) return;
    if (release_xattr(fs, inode) < 0) return;
    inode->size = 0;
    inode->nlink = 0;
    inode->dtime = uint32_t(time_now().tv_sec);
    if (store_inode(fs, inode) < 0) return;
    free_inode(fs, uint32_t(inode->ino), dir);
}

}  // namespace

void destroy_inode(Inode* base) {
    Ext2Inode* inode = ei(base);
    Ext2Fs* fs = efs(base);
    LockGuard guard(fs->lock);
    ra_drop(inode);  // a parked inode keeps its pages, not what was read ahead
    const bool linked = __atomic_load_n(&inode->nlink, __ATOMIC_RELAXED) != 0;
    bool written = true;
    if (can_write(fs) == 0 && linked) {
        written = file_writeback(fs, inode) == 0;
        written = store_inode(fs, inode) == 0 && written;
    }
    // Its clean pages stay cached while memory allows (iget takes it back).
    if (linked && written && park(fs, inode)) return;
    hash_remove(fs, inode);
    if (can_write(fs) == 0 && !linked) delete_inode(fs, inode);
    free_struct(fs, inode);
}

int fs_error(Ext2Fs* fs, const char* what) {
    if (!fs->errored) fs->error = what;
    fs->errored = true;
    return -linux_errno::EIO;
}

int can_write(const Ext2Fs* fs) {
    if (fs->read_only) return -linux_errno::EROFS;
    if (fs->errored) return -linux_errno::EIO;
    return 0;
}

uint8_t mode_to_ftype(uint32_t mode) {
    switch (mode & smode::IFMT) {
        case smode::IFREG:
            return kFtReg;
        case smode::IFDIR:
            return kFtDir;
        case smode::IFCHR:
            return kFtChr;
        case smode::IFBLK:
            return kFtBlk;
        case smode::IFIFO:
            return kFtFifo;
        case smode::IFSOCK:
            return kFtSock;
        case smode::IFLNK:
            return kFtSymlink;
        default:
            return kFtUnknown;
    }
}

uint8_t ftype_to_dtype(uint8_t ftype) {
    namespace dt = linux_abi::dtype;
    switch (ftype) {
        case kFtReg:
            return dt::REG;
        case kFtDir:
            return dt::DIR;
        case kFtChr:
            return dt::CHR;
        case kFtBlk:
            return dt::BLK;
        case kFtFifo:
            return dt::FIFO;
        case kFtSock:
            return dt::SOCK;
        case kFtSymlink:
            return dt::LNK;
        default:
            return dt::UNKNOWN;
    }
}

int iget(Ext2Fs* fs, uint32_t ino, Ext2Inode** out) {
    if (ino < 1 || ino > fs->inodes_count || (ino < fs->first_ino && ino != kRootIno)) {
        return fs_error(fs, "directory entry with a reserved or out-of-range inode");
    }
    for (;;) {
        Ext2Inode* found = nullptr;
        for (Ext2Inode* i = fs->inode_hash[ino_bucket(ino)]; i != nullptr; i = i->hash_next) {
            if (i->ino == ino) found = i;
        }
        if (found == nullptr) break;
        if (found->parked) {  // refs 0, kept for its pages: nobody else can take it now
            unpark(fs, found);
            __atomic_store_n(&found->refs, 1, __ATOMIC_RELEASE);
            *out = found;
            return 0;
        }
        // A cached inode whose last reference is going (its destroy waits for our lock): let
        // it finish, then read the inode again.
        uint64_t refs = __atomic_load_n(&found->refs, __ATOMIC_ACQUIRE);
        bool got = false;
        while (refs != 0 && !got) {
            got = __atomic_compare_exchange_n(&found->refs, &refs, refs + 1, false,
                                              __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE);
        }
        if (got) {
            *out = found;
            return 0;
        }
        fs->lock.unlock();
        cpu::pause();
        fs->lock.lock();
    }
    uint32_t block, offset;
    locate(fs, ino, &block, &offset);
    Buf* buf = nullptr;
    int err = bc_get(fs, block, true, &buf);
    if (err < 0) return err;
    Ext2Inode* inode = alloc_struct(fs, ino, 0);
    if (inode == nullptr) {
        bc_put(fs, buf);
        return -linux_errno::ENOMEM;
    }
    err = decode(fs, buf->data + offset, inode);
    bc_put(fs, buf);
    if (err < 0) {
        free_struct(fs, inode);
        return err;
    }
    hash_insert(fs, inode);
    *out = inode;
    return 0;
}

int store_inode(Ext2Fs* fs, Ext2Inode* inode) {
    if (const int err = can_write(fs); err < 0) return err;
    uint32_t block, offset;
    locate(fs, uint32_t(inode->ino), &block, &offset);
    Buf* buf = nullptr;
    const int err = bc_get(fs, block, true, &buf);
    if (err < 0) return err;
    uint8_t* disk = buf->data + offset;
    bool changed = inode->fresh;
    if (inode->fresh) {
        memset(disk, 0, fs->inode_size);
        if (fs->inode_size >= kGoodOldInodeSize + 32) st16(disk + in::extra_isize, 32);
        inode->fresh = false;
    }
    // Encoded beside the disk copy: an unchanged inode leaves its block clean.
    uint8_t raw[kGoodOldInodeSize];
    memcpy(raw, disk, sizeof raw);
    const uint32_t mode = __atomic_load_n(&inode->mode, __ATOMIC_RELAXED);
    st16(raw + in::mode, uint16_t(mode));
    st16(raw + in::uid, uint16_t(inode->uid));
    st16(raw + in::uid_high, uint16_t(inode->uid >> 16));
    st16(raw + in::gid, uint16_t(inode->gid));
    st16(raw + in::gid_high, uint16_t(inode->gid >> 16));
    st32(raw + in::size, uint32_t(inode->size));
    if ((mode & smode::IFMT) == smode::IFREG)
        st32(raw + in::size_high, uint32_t(inode->size >> 32));
    st32(raw + in::atime, uint32_t(inode->atime.tv_sec));
    st32(raw + in::ctime, uint32_t(inode->ctime.tv_sec));
    st32(raw + in::mtime, uint32_t(inode->mtime.tv_sec));
    st32(raw + in::dtime, inode->dtime);
    const uint32_t nlink = __atomic_load_n(&inode->nlink, __ATOMIC_RELAXED);
    st16(raw + in::links_count, uint16_t(nlink > 0xffff ? 0xffff : nlink));
    st32(raw + in::blocks, uint32_t(inode->blocks));
    st32(raw + in::flags, inode->flags);
    memcpy(raw + in::block, inode->iblock, sizeof(inode->iblock));
    st32(raw + in::generation, inode->generation);
    st32(raw + in::file_acl, inode->file_acl);
    if (changed || memcmp(raw, disk, sizeof raw) != 0) {
        memcpy(disk, raw, sizeof raw);
        bc_dirty(buf);
    }
    bc_put(fs, buf);
    return 0;
}

int new_inode(Ext2Fs* fs, Ext2Inode* dir, const NewInode& spec, Ext2Inode** out) {
    const bool directory = (spec.mode & smode::IFMT) == smode::IFDIR;
    uint32_t ino = 0;
    int err = alloc_inode(fs, inode_group(fs, uint32_t(dir->ino)), directory, &ino);
    if (err < 0) return err;
    // The bitmap may lie: an inode in use (cached, or linked on disk) is never handed out.
    for (Ext2Inode* i = fs->inode_hash[ino_bucket(ino)]; i != nullptr; i = i->hash_next) {
        if (i->ino == ino) return fs_error(fs, "inode bitmap marks a used inode free");
    }
    {
        uint32_t block, offset;
        locate(fs, ino, &block, &offset);
        Buf* buf = nullptr;
        err = bc_get(fs, block, true, &buf);
        if (err < 0) {
            free_inode(fs, ino, directory);
            return err;
        }
        const bool used = ld16(buf->data + offset + in::links_count) != 0 &&
                          ld32(buf->data + offset + in::dtime) == 0;
        bc_put(fs, buf);
        if (used) return fs_error(fs, "inode bitmap marks a used inode free");
    }
    Ext2Inode* inode = alloc_struct(fs, ino, spec.mode);
    if (inode == nullptr) {
        free_inode(fs, ino, directory);
        return -linux_errno::ENOMEM;
    }
    inode->fresh = true;
    inode->uid = spec.uid;
    inode->gid = spec.gid;
    inode->generation = fs->next_generation++;
    const uint32_t type = spec.mode & smode::IFMT;
    if (type == smode::IFCHR || type == smode::IFBLK) {
        inode->rdev_major = spec.rdev_major;
        inode->rdev_minor = spec.rdev_minor;
        if (spec.rdev_major < 256 && spec.rdev_minor < 256) {
            st32(inode->iblock, (spec.rdev_major << 8) | spec.rdev_minor);
        } else {
            st32(inode->iblock + 4, (spec.rdev_minor & 0xff) | (spec.rdev_major << 8) |
                                        ((spec.rdev_minor & ~0xffu) << 12));
        }
    }
    hash_insert(fs, inode);
    *out = inode;
    return 0;
}

char* dup_name(Name name) {
    char* copy = static_cast<char*>(kmalloc(name.len + 1));
    if (copy == nullptr) return nullptr;
    memcpy(copy, name.data, name.len);
    copy[name.len] = '\0';
    return copy;
}

void set_dir_parent(Ext2Inode* child, Ext2Inode* parent, char* name, size_t len) {
    kfree(child->name);
    child->name = name;
    child->dname = {name, len};
    if (child->parent != parent) {
        inode_get(parent);
        Inode* old = child->parent;
        child->parent = parent;
        if (old != nullptr) unref(old);  // the caller holds another reference
    }
}

void discard_inode(Ext2Fs* fs, Ext2Inode* inode) {
    const uint32_t type = inode_type(inode);
    if (type == smode::IFREG || type == smode::IFDIR || (type == smode::IFLNK && inode->blocks)) {
        truncate_blocks(fs, inode, 0);
    }
    // Stored already (links 1) or not: on disk it must read as deleted.
    inode->size = 0;
    inode->nlink = 0;
    inode->dtime = uint32_t(time_now().tv_sec);
    store_inode(fs, inode);
    free_inode(fs, uint32_t(inode->ino), type == smode::IFDIR);
    hash_remove(fs, inode);
    if (inode->parent != nullptr && inode->parent != inode) unref(inode->parent);
    inode->parent = nullptr;
    free_struct(fs, inode);
}

void free_inode_struct(Ext2Fs* fs, Ext2Inode* inode) {
    hash_remove(fs, inode);
    free_struct(fs, inode);
}

int writeback_all(Ext2Fs* fs) {
    int result = 0;
    for (uint32_t h = 0; h < kInodeBuckets; ++h) {
        for (Ext2Inode* i = fs->inode_hash[h]; i != nullptr; i = i->hash_next) {
            if (i->parked) continue;  // written when parked
            int err = file_writeback(fs, i);
            if (err == 0) err = store_inode(fs, i);
            if (err < 0) result = err;
        }
    }
    return result;
}

}  // namespace fs::ext2
