// Mounting (the superblock and group descriptors validated in full before anything is
// used), sync, unmount and statfs.
#include "abi/errno.hpp"
#include "fs/ext2/ext2_internal.hpp"
#include "kernel/string.hpp"
#include "mm/kheap.hpp"

namespace fs {

namespace ext2 {

namespace {

constinit uint32_t g_next_minor = 0;

struct Feature {
    uint32_t bit;
    const char* why;
};

constexpr Feature kIncompatNames[] = {
    {kIncompatCompression, "unsupported feature: compression"},
    {kIncompatRecover, "unsupported feature: needs_recovery (replay the journal first)"},
    {kIncompatJournalDev, "unsupported feature: journal_dev"},
    {kIncompatMetaBg, "unsupported feature: meta_bg"},
    {kIncompatExtents, "unsupported feature: extent"},
    {kIncompat64Bit, "unsupported feature: 64bit"},
    {kIncompatMmp, "unsupported feature: mmp"},
    {kIncompatFlexBg, "unsupported feature: flex_bg"},
    {kIncompatEaInode, "unsupported feature: ea_inode"},
    {kIncompatDirData, "unsupported feature: dirdata"},
    {kIncompatCsumSeed, "unsupported feature: metadata_csum_seed"},
    {kIncompatLargeDir, "unsupported feature: large_dir"},
    {kIncompatInlineData, "unsupported feature: inline_data"},
    {kIncompatEncrypt, "unsupported feature: encrypt"},
    {kIncompatCasefold, "unsupported feature: casefold"},
};

int write_super(Ext2Fs* fs) {
    st32(fs->raw_sb + sb::wtime, uint32_t(time_now().tv_sec));
    return fs->dev->ops->write(fs->dev, kSuperOffset / blk::kSectorSize, fs->raw_sb,
                               kSuperSize / blk::kSectorSize);
}

int write_gdt(Ext2Fs* fs) {
    if (!fs->gdt_dirty) return 0;
    const size_t bytes = size_t(fs->groups) * kDescSize;
    uint8_t* block = static_cast<uint8_t*>(kmalloc(fs->block_size));
    if (block == nullptr) return -linux_errno::ENOMEM;
    int result = 0;
    for (uint32_t i = 0; i < fs->gdt_blocks; ++i) {
        const size_t at = size_t(i) * fs->block_size;
        // Keep the bytes past the last descriptor as they are on disk.
        int err = dev_read_block(fs, fs->first_data_block + 1 + i, block);
        if (err == 0) {
            const size_t n = bytes - at < fs->block_size ? bytes - at : fs->block_size;
            memcpy(block, fs->gdt + at, n);
            err = dev_write_block(fs, fs->first_data_block + 1 + i, block);
        }
        if (err < 0) result = err;
    }
    kfree(block);
    if (result == 0) fs->gdt_dirty = false;
    return result;
}

// Everything to disk; fs->lock held.
int sync_locked(Ext2Fs* fs) {
    if (fs->read_only) return 0;
    int result = writeback_all(fs);
    if (const int err = bc_flush(fs); err < 0) result = err;
    if (const int err = write_gdt(fs); err < 0) result = err;
    if (fs->errored) {
        st16(fs->raw_sb + sb::state, uint16_t(ld16(fs->raw_sb + sb::state) | kStateError));
    }
    if (const int err = write_super(fs); err < 0) result = err;
    if (const int err = dev_drain(fs); err < 0) result = err;
    if (const int err = fs->dev->ops->flush(fs->dev); err < 0) result = err;
    // Out of memory: what could not be written stays dirty for the next sync. Anything else
    // is the device failing.
    if (result == -linux_errno::ENOMEM) return result;
    if (result < 0 && !fs->errored) fs_error(fs, "write-back failed");
    return result < 0 ? -linux_errno::EIO : 0;
}

void free_fs(Ext2Fs* fs) {
    (void)dev_drain(fs);  // no write-back may outlive the instance its completion names
    bc_free_all(fs);
    kfree(fs->gdt);
    kdelete(fs);
}

// The superblock's checks; nullptr when it is usable, else why not.
const char* check_super(Ext2Fs* fs, bool* force_ro) {
    const uint8_t* s = fs->raw_sb;
    if (ld16(s + sb::magic) != kMagic) return "not ext2 (bad magic)";
    fs->rev = ld32(s + sb::rev_level);
    if (fs->rev > 1) return "unknown revision level";
    const uint32_t log = ld32(s + sb::log_block_size);
    if (log > 2) return "block size not 1, 2 or 4 KiB";
    fs->log_block_size = 10 + log;
    fs->block_size = 1024u << log;
    fs->sectors_per_block = fs->block_size / blk::kSectorSize;
    fs->ptrs_per_block = fs->block_size / 4;
    if (ld32(s + sb::log_frag_size) != log) return "fragment size differs from block size";
    if (fs->rev == 0) {
        fs->first_ino = kGoodOldFirstIno;
        fs->inode_size = kGoodOldInodeSize;
        fs->compat = fs->incompat = fs->ro_compat = 0;
    } else {
        fs->first_ino = ld32(s + sb::first_ino);
        fs->inode_size = ld16(s + sb::inode_size);
        fs->compat = ld32(s + sb::feature_compat);
        fs->incompat = ld32(s + sb::feature_incompat);
        fs->ro_compat = ld32(s + sb::feature_ro_compat);
    }
    for (const Feature& f : kIncompatNames) {
        if (fs->incompat & f.bit) return f.why;
    }
    if (fs->incompat & ~kIncompatSupported) return "unknown incompatible feature";
    if (fs->ro_compat & ~kRoCompatSupported) *force_ro = true;
    if (fs->inode_size < kGoodOldInodeSize || fs->inode_size > fs->block_size ||
        (fs->inode_size & (fs->inode_size - 1)) != 0) {
        return "bad inode size";
    }
    fs->blocks_count = ld32(s + sb::blocks_count);
    fs->inodes_count = ld32(s + sb::inodes_count);
    fs->first_data_block = ld32(s + sb::first_data_block);
    fs->blocks_per_group = ld32(s + sb::blocks_per_group);
    fs->inodes_per_group = ld32(s + sb::inodes_per_group);
    if (fs->first_data_block != (fs->block_size == 1024 ? 1u : 0u)) return "bad first data block";
    if (fs->blocks_per_group == 0 || fs->blocks_per_group > 8 * fs->block_size) {
        return "bad blocks per group";
    }
    fs->inodes_per_block = fs->block_size / fs->inode_size;
    if (fs->inodes_per_group < fs->inodes_per_block || fs->inodes_per_group > 8 * fs->block_size ||
        fs->inodes_per_group % fs->inodes_per_block != 0) {
        return "bad inodes per group";
    }
    if (fs->blocks_count <= fs->first_data_block + 1) return "too few blocks";
    if (uint64_t(fs->blocks_count) * fs->sectors_per_block > fs->dev->sectors) {
        return "file system larger than the device";
    }
    fs->groups =
        (fs->blocks_count - fs->first_data_block + fs->blocks_per_group - 1) / fs->blocks_per_group;
    if (uint64_t(fs->groups) * fs->inodes_per_group != fs->inodes_count) {
        return "inode count inconsistent with the groups";
    }
    if (fs->first_ino <= kRootIno || fs->first_ino > fs->inodes_count) {
        return "bad first inode";
    }
    if (ld32(s + sb::free_blocks_count) > fs->blocks_count ||
        ld32(s + sb::free_inodes_count) > fs->inodes_count) {
        return "free counts larger than the totals";
    }
    fs->itable_blocks = fs->inodes_per_group / fs->inodes_per_block;
    fs->gdt_blocks =
        uint32_t((uint64_t(fs->groups) * kDescSize + fs->block_size - 1) / fs->block_size);
    fs->reserved_gdt = (fs->compat & 0x10) ? ld16(s + sb::reserved_gdt_blocks) : 0;
    if (fs->reserved_gdt > fs->ptrs_per_block) return "bad reserved GDT blocks";
    if (uint64_t(fs->first_data_block) + 1 + fs->gdt_blocks + fs->reserved_gdt >
        fs->blocks_per_group) {
        return "group descriptors do not fit in the first group";
    }
    const uint64_t p = fs->ptrs_per_block;
    uint64_t max = max_blocks(fs) * fs->block_size;
    // i_blocks counts 512-byte sectors in 32 bits, index blocks included.
    const uint64_t by_iblocks =
        (0xffffffffull * 512 - (1 + p + p * p) * fs->block_size) / fs->block_size * fs->block_size;
    if (by_iblocks < max) max = by_iblocks;
    fs->max_file_size = max;
    return nullptr;
}

const char* check_groups(Ext2Fs* fs) {
    for (uint32_t g = 0; g < fs->groups; ++g) {
        const uint8_t* d = gdesc(fs, g);
        const uint32_t first = fs->first_data_block + g * fs->blocks_per_group;
        const uint32_t last =
            g + 1 == fs->groups ? fs->blocks_count - 1 : first + fs->blocks_per_group - 1;
        const uint32_t bb = ld32(d + gd::block_bitmap), ib = ld32(d + gd::inode_bitmap);
        const uint32_t it = ld32(d + gd::inode_table);
        if (bb < first || bb > last) return "group descriptor: block bitmap out of its group";
        if (ib < first || ib > last) return "group descriptor: inode bitmap out of its group";
        if (it < first || it > last || last - it + 1 < fs->itable_blocks) {
            return "group descriptor: inode table out of its group";
        }
        if ((bb >= it && bb - it < fs->itable_blocks) ||
            (ib >= it && ib - it < fs->itable_blocks) || bb == ib) {
            return "group descriptor: overlapping metadata";
        }
        const uint32_t meta_end = group_has_super(g, fs->ro_compat & kRoCompatSparseSuper)
                                      ? first + 1 + fs->gdt_blocks + fs->reserved_gdt
                                      : first;
        if (bb < meta_end || ib < meta_end || it < meta_end) {
            return "group descriptor: metadata over the superblock or descriptors";
        }
        if (ld16(d + gd::free_blocks_count) > last - first + 1 ||
            ld16(d + gd::free_inodes_count) > fs->inodes_per_group ||
            ld16(d + gd::used_dirs_count) > fs->inodes_per_group) {
            return "group descriptor: bad counts";
        }
    }
    return nullptr;
}

}  // namespace

int fsync_inode(Inode* inode) {
    return ext2_sync(inode->sb);
}

}  // namespace ext2

using namespace ext2;

bool ext2_is(const SuperBlock* sb) {
    return sb != nullptr && sb->ops == &kExt2Ops;
}

int ext2_mount(blk::BlockDevice* dev, bool read_only, Inode** root, const char** why) {
    *root = nullptr;
    *why = nullptr;
    if (dev->sectors < (kSuperOffset + kSuperSize) / blk::kSectorSize) {
        *why = "device too small";
        return -linux_errno::EINVAL;
    }
    Ext2Fs* fs = knew<Ext2Fs>();
    if (fs == nullptr) return -linux_errno::ENOMEM;
    fs->ops = &kExt2Ops;
    fs->dev_major = dev->major;
    fs->dev_minor = dev->minor;
    if (dev->major == 0 && dev->minor == 0) {
        fs->dev_minor = 0x100 + __atomic_fetch_add(&g_next_minor, 1, __ATOMIC_RELAXED);
    }
    fs->next_ino = 1;
    fs->dev = dev;
    int err = dev->ops->read(dev, kSuperOffset / blk::kSectorSize, fs->raw_sb,
                             kSuperSize / blk::kSectorSize);
    if (err < 0) {
        kdelete(fs);
        *why = "cannot read the superblock";
        return -linux_errno::EIO;
    }
    bool force_ro = false;
    if (const char* bad = check_super(fs, &force_ro)) {
        kdelete(fs);
        *why = bad;
        return -linux_errno::EINVAL;
    }
    fs->read_only = read_only || dev->read_only || force_ro;
    fs->forced_ro = force_ro;
    fs->gdt = static_cast<uint8_t*>(kmalloc(size_t(fs->gdt_blocks) * fs->block_size));
    if (fs->gdt == nullptr) {
        kdelete(fs);
        return -linux_errno::ENOMEM;
    }
    for (uint32_t i = 0; i < fs->gdt_blocks; ++i) {
        err =
            dev_read_block(fs, fs->first_data_block + 1 + i, fs->gdt + size_t(i) * fs->block_size);
        if (err < 0) {
            free_fs(fs);
            *why = "cannot read the group descriptors";
            return -linux_errno::EIO;
        }
    }
    if (const char* bad = check_groups(fs)) {
        free_fs(fs);
        *why = bad;
        return -linux_errno::EINVAL;
    }
    fs->next_generation = uint32_t(time_now().tv_sec) * 2654435761u;
    Ext2Inode* r = nullptr;
    {
        LockGuard guard(fs->lock);
        err = iget(fs, kRootIno, &r);
    }
    if (err < 0 || !is_dir(r)) {
        if (err == 0) free_inode_struct(fs, r);
        // A damaged root inode marked the instance errored; a device error did not.
        const bool damaged = err == 0 || fs->errored;
        free_fs(fs);
        *why = err == 0 ? "root inode is not a directory"
                        : (damaged ? "bad root inode" : "cannot read the root inode");
        return damaged ? -linux_errno::EINVAL : err;
    }
    r->parent = r;
    r->dname = {"", 0};
    inode_get(r);  // the instance's own reference, dropped by ext2_umount
    fs->root = r;
    fs->mount_state = ld16(fs->raw_sb + sb::state);
    if (!fs->read_only) {
        // Linux's ext2: "not clean" on disk while mounted read-write.
        st16(fs->raw_sb + sb::state, uint16_t(fs->mount_state & ~kStateValid));
        st16(fs->raw_sb + sb::mnt_count, uint16_t(ld16(fs->raw_sb + sb::mnt_count) + 1));
        st32(fs->raw_sb + sb::mtime, uint32_t(time_now().tv_sec));
        err = write_super(fs);
        if (err == 0) err = dev->ops->flush(dev);
        if (err < 0) {
            free_inode_struct(fs, r);
            free_fs(fs);
            *why = "cannot write the superblock";
            return -linux_errno::EIO;
        }
    }
    instance_add(fs);
    *root = r;
    return 0;
}

int ext2_sync(SuperBlock* sb) {
    Ext2Fs* fs = efs(sb);
    LockGuard guard(fs->lock);
    return sync_locked(fs);
}

int ext2_remount(SuperBlock* sb, bool read_only) {
    Ext2Fs* fs = efs(sb);
    LockGuard guard(fs->lock);
    if (read_only == fs->read_only) return 0;
    if (read_only) {
        // Everything written, the state found at mount back on disk: as at umount.
        int err = sync_locked(fs);
        uint16_t state = fs->mount_state;
        if (fs->errored) state |= kStateError;
        st16(fs->raw_sb + sb::state, state);
        const int w = write_super(fs);
        const int f = fs->dev->ops->flush(fs->dev);
        if (err == 0) err = w < 0 ? w : f;
        if (err < 0) return err;
        fs->read_only = true;
        return 0;
    }
    if (fs->dev->read_only || fs->forced_ro || fs->errored) return -linux_errno::EROFS;
    fs->mount_state = ld16(fs->raw_sb + sb::state);
    st16(fs->raw_sb + sb::state, uint16_t(fs->mount_state & ~kStateValid));
    st16(fs->raw_sb + sb::mnt_count, uint16_t(ld16(fs->raw_sb + sb::mnt_count) + 1));
    st32(fs->raw_sb + sb::mtime, uint32_t(time_now().tv_sec));
    int err = write_super(fs);
    if (err == 0) err = fs->dev->ops->flush(fs->dev);
    if (err < 0) {
        st16(fs->raw_sb + sb::state, fs->mount_state);
        return -linux_errno::EIO;
    }
    fs->read_only = false;
    return 0;
}

int ext2_umount(SuperBlock* sb) {
    Ext2Fs* fs = efs(sb);
    Inode* root = fs->root;
    instance_remove(fs);  // the reclaimer no longer looks at it
    {
        LockGuard guard(fs->lock);
        parked_free_all(fs);
        for (uint32_t h = 0; h < kInodeBuckets; ++h) {
            for (Ext2Inode* i = fs->inode_hash[h]; i != nullptr; i = i->hash_next) {
                if (i != root || __atomic_load_n(&i->refs, __ATOMIC_ACQUIRE) != 1) {
                    instance_add(fs);
                    return -linux_errno::EBUSY;
                }
            }
        }
        if (!fs->read_only) {
            sync_locked(fs);
            uint16_t state = fs->mount_state;
            if (fs->errored) state |= kStateError;
            st16(fs->raw_sb + sb::state, state);
            write_super(fs);
            fs->dev->ops->flush(fs->dev);
        }
        free_inode_struct(fs, ei(root));
    }
    free_fs(fs);
    return 0;
}

void ext2_statfs(SuperBlock* sb, Ext2Stat* out) {
    Ext2Fs* fs = efs(sb);
    LockGuard guard(fs->lock);
    out->block_size = fs->block_size;
    out->blocks = fs->blocks_count;
    out->free_blocks = ld32(fs->raw_sb + sb::free_blocks_count);
    const uint32_t reserved = ld32(fs->raw_sb + sb::r_blocks_count);
    out->avail_blocks = out->free_blocks > reserved ? out->free_blocks - reserved : 0;
    out->inodes = fs->inodes_count;
    out->free_inodes = ld32(fs->raw_sb + sb::free_inodes_count);
    out->name_max = kMaxNameLen;
    out->read_only = fs->read_only;
    out->errored = fs->errored;
}

}  // namespace fs
