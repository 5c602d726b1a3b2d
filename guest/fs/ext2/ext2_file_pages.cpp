// The regular-file paths that spare a system call's copy (fs/file_pages.cpp): cached pages
// pinned for a read outside the lock, and whole pages written from a buffer the device takes
// as it is: the blocks are allocated, the buffer goes out in runs of consecutive blocks
// without our waiting (the driver orders later requests of those blocks after it), and pages
// of the range already cached take the same bytes.
#include "abi/errno.hpp"
#include "fs/ext2/ext2_internal.hpp"
#include "kernel/string.hpp"
#include "mm/kheap.hpp"

namespace fs::ext2 {

namespace {

constexpr uint64_t kPage = 4096;

// Sends blocks [lfirst, lfirst + lcount) of the file, whose data is at `data`, to the device
// in runs of consecutive device blocks; 0 or -errno (what went out before stays out).
int write_runs(Ext2Fs* fs, Ext2Inode* inode, uint64_t lfirst, uint64_t lcount, const uint8_t* data,
               WriteBuffer* wb) {
    uint64_t i = 0;
    while (i < lcount) {
        uint32_t start = 0;
        int err = bmap(fs, inode, lfirst + i, false, false, &start);
        if (err < 0) return err;
        if (start == 0) return fs_error(fs, "block vanished while being written");
        uint32_t count = 1;
        while (i + count < lcount && count < (1u << 16)) {
            uint32_t next = 0;
            err = bmap(fs, inode, lfirst + i + count, false, false, &next);
            if (err < 0) return err;
            if (next != start + count) break;
            ++count;
        }
        err = dev_write_async(fs, start, count, data + i * fs->block_size, wb);
        if (err < 0) return err;
        i += count;
    }
    return 0;
}

// Which blocks of page `index` (block i: bit i) lie below `size` and are holes; 0 for
// blocks as large as a page (their allocation is all or nothing).
int page_holes(Ext2Fs* fs, Ext2Inode* inode, uint64_t index, uint64_t size, uint32_t* holes) {
    *holes = 0;
    const uint64_t per = kPage / fs->block_size;
    for (uint64_t i = 0; per > 1 && i < per && (index * per + i) * fs->block_size < size; ++i) {
        uint32_t block = 0;
        if (const int err = bmap(fs, inode, index * per + i, false, false, &block); err < 0) {
            return err;
        }
        if (block == 0) *holes |= 1u << i;
    }
    return 0;
}

// After allocating page `index` failed part way: its blocks that were holes (`holes`) and
// got a block hold another file's old bytes; zeros are written over them (the hole read as
// zeros, and so must they).
void zero_filled_holes(Ext2Fs* fs, Ext2Inode* inode, uint64_t index, uint32_t holes) {
    if (holes == 0) return;
    auto* zeros = static_cast<uint8_t*>(kzalloc(fs->block_size));
    const uint64_t per = kPage / fs->block_size;
    for (uint64_t i = 0; i < per; ++i) {
        uint32_t block = 0;
        if (!(holes & (1u << i)) || bmap(fs, inode, index * per + i, false, false, &block) < 0 ||
            block == 0) {
            continue;
        }
        if (zeros == nullptr || dev_write_block(fs, block, zeros) < 0) {
            fs_error(fs, "cannot clear a block given to a hole");
        }
    }
    kfree(zeros);
}

}  // namespace

uint32_t file_pin_pages(Inode* base, uint64_t index, uint32_t max, void** pages, uint64_t* size) {
    Ext2Inode* inode = ei(base);
    Ext2Fs* fs = efs(base);
    LockGuard guard(fs->lock);
    *size = inode->size;
    const PageCache* pc = &inode->pages;
    uint32_t n = 0;
    for (uint32_t pos = pages_lower_bound(pc, index);
         n < max && pos < pc->n && pc->v[pos].index == index + n; ++pos) {
        page_get(pc->v[pos].page);
        pages[n++] = pc->v[pos].page;
    }
    return n > 0 ? n : ra_pin(fs, inode, index, max, pages);
}

int64_t file_write_buffer(Inode* base, void* buf, unsigned order, size_t len, uint64_t offset,
                          bool* taken) {
    Ext2Inode* inode = ei(base);
    Ext2Fs* fs = efs(base);
    LockGuard guard(fs->lock);
    ra_drop(inode);
    *taken = false;
    const uint64_t pages = len / kPage;
    // Whole pages from a page boundary, two at least, on a device that writes asynchronously
    // and within the sizes the instance holds; anything else is the page cache's.
    if (offset % kPage != 0 || pages < 2 || fs->dev->ops->write_async == nullptr ||
        offset >= fs->max_file_size || len > fs->max_file_size - offset) {
        return write_locked(fs, inode, buf, len, offset);
    }
    if (const int err = can_write(fs); err < 0) return err;
    if (const int err = check_size(fs, offset + len); err < 0) return err;
    if (offset > inode->size) {
        if (const int err = zero_tail(fs, inode, inode->size); err < 0) return err;
    }
    WriteBuffer* wb = write_buffer_new(buf, order);
    if (wb == nullptr) return write_locked(fs, inode, buf, len, offset);
    *taken = true;  // freed with wb's last reference
    const uint64_t first = offset / kPage;
    const uint64_t old_size = inode->size;
    uint64_t mapped = 0;
    int err = 0;
    uint32_t holes = 0;  // of the page being allocated, inside the file as it was
    for (; mapped < pages; ++mapped) {
        err = page_holes(fs, inode, first + mapped, old_size, &holes);
        if (err < 0) break;
        const uint64_t end = (first + mapped + 1) * kPage;
        if (end > inode->size) inode->size = end;  // bmap's limit for the blocks below
        err = allocate(fs, inode, first + mapped, 0, kPage);
        if (err < 0) {
            zero_filled_holes(fs, inode, first + mapped, holes);
            break;
        }
    }
    const uint64_t end = (first + mapped) * kPage;
    inode->size = end > old_size ? end : old_size;
    if (err < 0) (void)free_past_size(fs, inode);
    if (mapped > 0) {
        // Cached pages of the range take the bytes too; the write below covers them, so they
        // are clean unless a mapping may change them again.
        PageCache* pc = &inode->pages;
        for (uint32_t pos = pages_lower_bound(pc, first);
             pos < pc->n && pc->v[pos].index < first + mapped; ++pos) {
            CachedPage& cp = pc->v[pos];
            memcpy(cp.page, static_cast<const uint8_t*>(buf) + (cp.index - first) * kPage, kPage);
            if (!cp.mapped) cp.dirty = false;
        }
        const uint64_t per = kPage / fs->block_size;
        const int werr =
            write_runs(fs, inode, first * per, mapped * per, static_cast<const uint8_t*>(buf), wb);
        if (werr < 0) {
            // The blocks hold older bytes than the file now says: no more changes.
            if (!fs->errored) fs_error(fs, "write-back failed");
            write_buffer_put(wb);
            return -linux_errno::EIO;
        }
    }
    int64_t done = int64_t(mapped * kPage);
    if (mapped == pages && len > pages * kPage) {
        // The partial page after them, through the page cache.
        const int64_t tail = write_locked(fs, inode, static_cast<const uint8_t*>(buf) + done,
                                          len - pages * kPage, offset + uint64_t(done));
        if (tail > 0) done += tail;
    }
    write_buffer_put(wb);
    return done > 0 ? done : err;
}

}  // namespace fs::ext2
