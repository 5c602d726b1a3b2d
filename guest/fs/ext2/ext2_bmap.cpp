// The block map of an inode: i_block[0..11] direct, [12] single, [13] double and [14] triple
// indirect. Every pointer read from disk is checked (in range, not fixed metadata); a loop in
// the indirect blocks cannot make a walk longer than its three levels, and freeing a loop is
// caught as a double free by the bitmap.
#include "abi/errno.hpp"
#include "fs/ext2/ext2_internal.hpp"
#include "kernel/string.hpp"

namespace fs::ext2 {

namespace {

uint32_t sectors_per(const Ext2Fs* fs) {
    return fs->block_size / 512;
}

// A newly allocated block: counted in i_blocks, and zeroed (index blocks through the cache).
int new_block(Ext2Fs* fs, Ext2Inode* inode, bool index, bool zero, uint32_t* out) {
    uint32_t block = 0;
    // Next to its last block: a file written in order gets consecutive blocks, found at once.
    int err = alloc_block(fs, inode_group(fs, uint32_t(inode->ino)), inode->alloc_next, &block);
    if (err < 0) return err;
    inode->alloc_next = block + 1;
    if (index) {
        Buf* buf = nullptr;
        err = bc_get(fs, block, false, &buf);
        if (err < 0) {
            free_block(fs, block);
            return err;
        }
        bc_dirty(buf);
        bc_put(fs, buf);
    } else if (zero) {
        bc_forget(fs, block);
    }
    inode->blocks += sectors_per(fs);
    *out = block;
    return 0;
}

// Follows (or fills) the pointer at `slot` (4 bytes in i_block or an index block).
int step(Ext2Fs* fs, Ext2Inode* inode, uint8_t* slot, Buf* holder, bool alloc, bool index,
         bool zero, uint32_t* out) {
    uint32_t block = ld32(slot);
    if (block != 0) {
        if (!block_is_data(fs, block)) return fs_error(fs, "block pointer out of range");
        *out = block;
        return 0;
    }
    if (!alloc) {
        *out = 0;
        return 0;
    }
    const int err = new_block(fs, inode, index, zero, &block);
    if (err < 0) return err;
    st32(slot, block);
    if (holder != nullptr) bc_dirty(holder);
    *out = block;
    return 0;
}

// Frees what `slot` points to at `depth` (0: a data block) for the logical blocks >= first,
// where the subtree starts at logical block `base`. Returns 0 or an error (stops).
int trunc_slot(Ext2Fs* fs, Ext2Inode* inode, uint8_t* slot, Buf* holder, uint32_t depth,
               uint64_t base, uint64_t first) {
    const uint32_t block = ld32(slot);
    if (block == 0) return 0;
    uint64_t span = 1;
    for (uint32_t i = 0; i < depth; ++i) span *= fs->ptrs_per_block;
    if (base + span <= first) return 0;
    if (!block_is_data(fs, block)) return fs_error(fs, "block pointer out of range");
    if (depth > 0) {
        Buf* buf = nullptr;
        int err = bc_get(fs, block, true, &buf);
        if (err < 0) return err;
        const uint64_t child_span = span / fs->ptrs_per_block;
        for (uint32_t i = 0; i < fs->ptrs_per_block; ++i) {
            err = trunc_slot(fs, inode, buf->data + 4 * i, buf, depth - 1, base + i * child_span,
                             first);
            if (err < 0) {
                bc_put(fs, buf);
                return err;
            }
        }
        bc_put(fs, buf);
        if (base < first) return 0;  // partly kept
    }
    const int err = free_block(fs, block);
    if (err < 0) return err;
    st32(slot, 0);
    if (holder != nullptr) bc_dirty(holder);
    const uint32_t n = sectors_per(fs);
    inode->blocks = inode->blocks >= n ? inode->blocks - n : 0;
    return 0;
}

}  // namespace

uint64_t max_blocks(const Ext2Fs* fs) {
    const uint64_t p = fs->ptrs_per_block;
    return kNDirBlocks + p + p * p + p * p * p;
}

namespace {

// Where logical block `lblock`'s pointer lives: in i_block (*holder null) or in a pinned index
// block (*holder, which the caller puts), with *left pointers from *slot to the end of that
// block. Index blocks on the way are allocated with `alloc`; *slot null: a hole above it.
int leaf_slot(Ext2Fs* fs, Ext2Inode* inode, uint64_t lblock, bool alloc, uint8_t** slot,
              Buf** holder, uint32_t* left) {
    *slot = nullptr;
    *holder = nullptr;
    *left = 0;
    const uint64_t p = fs->ptrs_per_block;
    if (lblock < kNDirBlocks) {
        *slot = inode->iblock + 4 * lblock;
        *left = uint32_t(kNDirBlocks - lblock);
        return 0;
    }
    lblock -= kNDirBlocks;
    uint8_t* top;
    uint32_t depth;
    if (lblock < p) {
        top = inode->iblock + 4 * kIndBlock;
        depth = 1;
    } else if ((lblock -= p) < p * p) {
        top = inode->iblock + 4 * kDindBlock;
        depth = 2;
    } else {
        lblock -= p * p;
        top = inode->iblock + 4 * kTindBlock;
        depth = 3;
    }
    uint32_t block = 0;
    int err = step(fs, inode, top, nullptr, alloc, true, false, &block);
    uint64_t rest = lblock;
    while (err == 0 && block != 0) {
        uint64_t span = 1;
        for (uint32_t i = 1; i < depth; ++i) span *= p;
        const uint32_t index = uint32_t(rest / span);
        rest %= span;
        Buf* buf = nullptr;
        err = bc_get(fs, block, true, &buf);
        if (err < 0) return err;
        if (--depth == 0) {
            *slot = buf->data + 4 * index;
            *holder = buf;
            *left = uint32_t(p - index);
            return 0;
        }
        err = step(fs, inode, buf->data + 4 * index, buf, alloc, true, false, &block);
        bc_put(fs, buf);
    }
    return err;
}

}  // namespace

int bmap(Ext2Fs* fs, Ext2Inode* inode, uint64_t lblock, bool alloc, bool zero, uint32_t* out) {
    *out = 0;
    if (alloc) {
        if (const int err = can_write(fs); err < 0) return err;
    }
    if (lblock >= max_blocks(fs)) return -linux_errno::EFBIG;
    if (alloc && inode->alloc_next == 0 && lblock > 0) {
        // No allocation since the inode was read: the goal is the block after the one before.
        uint32_t before = 0;
        if (bmap(fs, inode, lblock - 1, false, false, &before) == 0 && before != 0) {
            inode->alloc_next = before + 1;
        }
    }
    uint8_t* slot = nullptr;
    Buf* holder = nullptr;
    uint32_t left = 0;
    int err = leaf_slot(fs, inode, lblock, alloc, &slot, &holder, &left);
    if (err == 0 && slot != nullptr) err = step(fs, inode, slot, holder, alloc, false, zero, out);
    if (holder != nullptr) bc_put(fs, holder);
    if (err < 0) *out = 0;
    return err;
}

int bmap_run(Ext2Fs* fs, Ext2Inode* inode, uint64_t lblock, uint32_t max, uint32_t* first,
             uint32_t* count) {
    *first = 0;
    *count = 0;
    if (lblock >= max_blocks(fs) || max == 0) return 0;
    uint8_t* slot = nullptr;
    Buf* holder = nullptr;
    uint32_t left = 0;
    int err = leaf_slot(fs, inode, lblock, false, &slot, &holder, &left);
    const uint32_t n = left < max ? left : max;
    for (uint32_t i = 0; err == 0 && slot != nullptr && i < n; ++i) {
        const uint32_t block = ld32(slot + 4 * i);
        if (block == 0 || (i > 0 && block != *first + i)) break;
        if (!block_is_data(fs, block)) {
            err = fs_error(fs, "block pointer out of range");
            break;
        }
        if (i == 0) *first = block;
        ++*count;
    }
    if (holder != nullptr) bc_put(fs, holder);
    if (err < 0) *first = *count = 0;
    return err;
}

int truncate_blocks(Ext2Fs* fs, Ext2Inode* inode, uint64_t first) {
    const uint64_t p = fs->ptrs_per_block;
    for (uint32_t i = 0; i < kNDirBlocks; ++i) {
        const int err = trunc_slot(fs, inode, inode->iblock + 4 * i, nullptr, 0, i, first);
        if (err < 0) return err;
    }
    const uint64_t bases[3] = {kNDirBlocks, kNDirBlocks + p, kNDirBlocks + p + p * p};
    for (uint32_t level = 0; level < 3; ++level) {
        const int err = trunc_slot(fs, inode, inode->iblock + 4 * (kIndBlock + level), nullptr,
                                   level + 1, bases[level], first);
        if (err < 0) return err;
    }
    return 0;
}

}  // namespace fs::ext2
