// Block and inode allocation: the bitmaps (through the block cache), the group descriptors'
// free counts and used-directory counts, and the superblock's free counts. The bitmaps are
// untrusted: a bit that claims free a block of fixed metadata, or a block or inode freed twice,
// is an error (-EIO, the instance stops changing), never a double use.
#include "abi/errno.hpp"
#include "fs/ext2/ext2_internal.hpp"
#include "kernel/string.hpp"

namespace fs::ext2 {

namespace {

uint32_t group_first_block(const Ext2Fs* fs, uint32_t g) {
    return fs->first_data_block + g * fs->blocks_per_group;
}

uint32_t group_blocks(const Ext2Fs* fs, uint32_t g) {
    const uint32_t first = group_first_block(fs, g);
    const uint32_t left = fs->blocks_count - first;
    return left < fs->blocks_per_group ? left : fs->blocks_per_group;
}

void add_sb32(Ext2Fs* fs, size_t field, int32_t delta) {
    st32(fs->raw_sb + field, uint32_t(int64_t(ld32(fs->raw_sb + field)) + delta));
}

void add_gd16(Ext2Fs* fs, uint32_t g, size_t field, int delta) {
    uint8_t* d = gdesc(const_cast<Ext2Fs*>(fs), g) + field;
    st16(d, uint16_t(int(ld16(d)) + delta));
    fs->gdt_dirty = true;
}

// First clear bit in [from, limit) of `bitmap`, or -1; 64 bits at a time where it can.
int64_t find_zero(const uint8_t* bitmap, uint32_t from, uint32_t limit) {
    uint32_t i = from;
    while (i < limit) {
        if (i % 64 == 0 && limit - i >= 64) {
            uint64_t word;
            memcpy(&word, bitmap + i / 8, 8);
            if (word == ~uint64_t(0)) {
                i += 64;
                continue;
            }
            return i + uint32_t(__builtin_ctzll(~word));
        }
        if (!(bitmap[i / 8] & (1u << (i % 8)))) return i;
        ++i;
    }
    return -1;
}

}  // namespace

bool block_is_data(const Ext2Fs* fs, uint32_t block) {
    if (block < fs->first_data_block || block >= fs->blocks_count) return false;
    const uint32_t g = (block - fs->first_data_block) / fs->blocks_per_group;
    const uint32_t off = (block - fs->first_data_block) % fs->blocks_per_group;
    if (group_has_super(g, fs->ro_compat & kRoCompatSparseSuper) &&
        off < 1 + fs->gdt_blocks + fs->reserved_gdt) {
        return false;
    }
    const uint8_t* d = fs->gdt + size_t(g) * kDescSize;
    if (block == ld32(d + gd::block_bitmap) || block == ld32(d + gd::inode_bitmap)) return false;
    const uint32_t table = ld32(d + gd::inode_table);
    return block < table || block - table >= fs->itable_blocks;
}

uint32_t inode_group(const Ext2Fs* fs, uint32_t ino) {
    return (ino - 1) / fs->inodes_per_group;
}

int alloc_block(Ext2Fs* fs, uint32_t goal_group, uint32_t goal, uint32_t* out) {
    if (const int err = can_write(fs); err < 0) return err;
    if (ld32(fs->raw_sb + sb::free_blocks_count) == 0) return -linux_errno::ENOSPC;
    // A goal block in range: its group first, searched from the goal on (then from its start).
    uint32_t from = 0;
    if (goal >= fs->first_data_block && goal < fs->blocks_count) {
        goal_group = (goal - fs->first_data_block) / fs->blocks_per_group;
        from = (goal - fs->first_data_block) % fs->blocks_per_group;
    }
    if (goal_group >= fs->groups) goal_group = 0;
    for (uint32_t n = 0; n < fs->groups; ++n) {
        const uint32_t g = (goal_group + n) % fs->groups;
        uint8_t* d = gdesc(fs, g);
        if (ld16(d + gd::free_blocks_count) == 0) continue;
        Buf* bitmap = nullptr;
        int err = bc_get(fs, ld32(d + gd::block_bitmap), true, &bitmap);
        if (err < 0) return err;
        const uint32_t limit = group_blocks(fs, g);
        const uint32_t start = n == 0 && from < limit ? from : 0;
        int64_t bit = find_zero(bitmap->data, start, limit);
        if (bit < 0 && start > 0) bit = find_zero(bitmap->data, 0, start);
        if (bit < 0) {
            bc_put(fs, bitmap);
            continue;  // the count was wrong; e2fsck will tell
        }
        const uint32_t block = group_first_block(fs, g) + uint32_t(bit);
        if (!block_is_data(fs, block)) {
            bc_put(fs, bitmap);
            return fs_error(fs, "block bitmap marks metadata free");
        }
        bitmap->data[bit / 8] |= uint8_t(1u << (bit % 8));
        bc_dirty(bitmap);
        bc_put(fs, bitmap);
        add_gd16(fs, g, gd::free_blocks_count, -1);
        add_sb32(fs, sb::free_blocks_count, -1);
        *out = block;
        return 0;
    }
    return -linux_errno::ENOSPC;
}

int free_block(Ext2Fs* fs, uint32_t block) {
    if (!block_is_data(fs, block)) return fs_error(fs, "freeing a block out of range");
    const uint32_t g = (block - fs->first_data_block) / fs->blocks_per_group;
    const uint32_t bit = (block - fs->first_data_block) % fs->blocks_per_group;
    Buf* bitmap = nullptr;
    int err = bc_get(fs, ld32(gdesc(fs, g) + gd::block_bitmap), true, &bitmap);
    if (err < 0) return err;
    if (!(bitmap->data[bit / 8] & (1u << (bit % 8)))) {
        bc_put(fs, bitmap);
        return fs_error(fs, "block freed twice (a loop or a shared block)");
    }
    bitmap->data[bit / 8] &= uint8_t(~(1u << (bit % 8)));
    bc_dirty(bitmap);
    bc_put(fs, bitmap);
    bc_forget(fs, block);
    add_gd16(fs, g, gd::free_blocks_count, 1);
    add_sb32(fs, sb::free_blocks_count, 1);
    return 0;
}

int alloc_inode(Ext2Fs* fs, uint32_t goal_group, bool directory, uint32_t* out) {
    if (const int err = can_write(fs); err < 0) return err;
    if (ld32(fs->raw_sb + sb::free_inodes_count) == 0) return -linux_errno::ENOSPC;
    if (goal_group >= fs->groups) goal_group = 0;
    for (uint32_t n = 0; n < fs->groups; ++n) {
        const uint32_t g = (goal_group + n) % fs->groups;
        uint8_t* d = gdesc(fs, g);
        if (ld16(d + gd::free_inodes_count) == 0) continue;
        Buf* bitmap = nullptr;
        int err = bc_get(fs, ld32(d + gd::inode_bitmap), true, &bitmap);
        if (err < 0) return err;
        // Reserved inodes (below first_ino) are never handed out, whatever their bits say.
        const uint64_t base = uint64_t(g) * fs->inodes_per_group;
        uint32_t ino = 0;
        for (uint64_t i = fs->first_ino > base + 1 ? fs->first_ino - 1 - base : 0;
             i < fs->inodes_per_group; ++i) {
            if (!(bitmap->data[i / 8] & (1u << (i % 8)))) {
                ino = uint32_t(base + i + 1);
                break;
            }
        }
        if (ino == 0) {
            bc_put(fs, bitmap);
            continue;
        }
        const uint32_t bit = ino - 1 - g * fs->inodes_per_group;
        bitmap->data[bit / 8] |= uint8_t(1u << (bit % 8));
        bc_dirty(bitmap);
        bc_put(fs, bitmap);
        add_gd16(fs, g, gd::free_inodes_count, -1);
        if (directory) add_gd16(fs, g, gd::used_dirs_count, 1);
        add_sb32(fs, sb::free_inodes_count, -1);
        *out = ino;
        return 0;
    }
    return -linux_errno::ENOSPC;
}

int free_inode(Ext2Fs* fs, uint32_t ino, bool directory) {
    if (ino < fs->first_ino || ino > fs->inodes_count) return fs_error(fs, "freeing a bad inode");
    const uint32_t g = inode_group(fs, ino);
    const uint32_t bit = (ino - 1) % fs->inodes_per_group;
    Buf* bitmap = nullptr;
    int err = bc_get(fs, ld32(gdesc(fs, g) + gd::inode_bitmap), true, &bitmap);
    if (err < 0) return err;
    if (!(bitmap->data[bit / 8] & (1u << (bit % 8)))) {
        bc_put(fs, bitmap);
        return fs_error(fs, "inode freed twice");
    }
    bitmap->data[bit / 8] &= uint8_t(~(1u << (bit % 8)));
    bc_dirty(bitmap);
    bc_put(fs, bitmap);
    add_gd16(fs, g, gd::free_inodes_count, 1);
    if (directory && ld16(gdesc(fs, g) + gd::used_dirs_count) > 0) {
        add_gd16(fs, g, gd::used_dirs_count, -1);
    }
    add_sb32(fs, sb::free_inodes_count, 1);
    return 0;
}

}  // namespace fs::ext2
