// Regular-file data through a per-file page cache (4 KiB kernel pages sorted by index, each
// clean or dirty), written back by ext2_sync, when the last reference goes, and every
// kWriteBatch pages write() dirtied; runs of pages go to the device as copies it writes while
// the caller goes on (the driver orders later requests of the same blocks after them, and
// sync waits for them). The cache grows while memory allows (cache_room): reads
// keep what they read, also what large reads move straight from the device into the caller's
// buffer, and a file keeps its clean pages after its last reference (parked,
// ext2_reclaim.cpp), so a file read again is copied from memory. When memory is short a file
// holding kPageLimit pages or more drops its clean pages not handed out by get_page, and the
// reclaimer frees parked files and clean pages for the allocator. Blocks are allocated when
// data is written (so ENOSPC is a write's answer, not a sync's) and only for the blocks
// written: holes stay holes and read as zeros. Symlinks: fast (< 60 bytes, in i_block) or slow
// (one block, through the block cache).
#include "abi/errno.hpp"
#include "fs/ext2/ext2_internal.hpp"
#include "fs/page_array.hpp"
#include "kernel/string.hpp"
#include "mm/kheap.hpp"
#include "mm/phys.hpp"

namespace fs::ext2 {

namespace {

inline constexpr uint32_t kPageLimit = 1024;  // pages a file keeps when memory is short
// Pages write() dirties before the file is written back and they are dropped (4 MiB).
inline constexpr uint32_t kWriteBatch = 1024;
// Free pages in the allocator's lists kept out of the cache's reach (cut but maybe never
// touched: see phys::recycled_pages).
inline constexpr uint64_t kFreshSlack = 2048;
// Entries of a file's page index at most: one 4 MiB block (the allocator's largest), 1 GiB.
inline constexpr uint32_t kMaxCached = uint32_t((phys::kPageSize << phys::kMaxOrder) / 16);
// Pages read or written back in one device transfer at most (a run of consecutive pages whose
// blocks are consecutive on the disk): 1 MiB, which the driver sends as four requests in
// flight together.
inline constexpr uint32_t kClusterPages = 256;
inline constexpr uint64_t kLargeFileLimit = 0x7fffffffull;

struct PageRef {
    CachedPage* p;
    uint32_t pos;
};

// Position of the first page with index >= `index`.
uint32_t lower_bound(const PageCache* pc, uint64_t index) {
    uint32_t lo = 0, hi = pc->n;
    while (lo < hi) {
        const uint32_t mid = (lo + hi) / 2;
        if (pc->v[mid].index < index) {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    return lo;
}

CachedPage* find_page(PageCache* pc, uint64_t index) {
    const uint32_t pos = lower_bound(pc, index);
    return pos < pc->n && pc->v[pos].index == index ? &pc->v[pos] : nullptr;
}

// A page index of `cap` entries: the heap's up to 2 KiB, whole buddy blocks beyond (a 4 MiB
// one holds kMaxCached entries, which the heap's header would not let it).
unsigned index_order(uint32_t cap) {
    unsigned order = 0;
    while ((phys::kPageSize << order) < size_t(cap) * sizeof(CachedPage)) ++order;
    return order;
}

CachedPage* index_alloc(uint32_t cap) {
    if (size_t(cap) * sizeof(CachedPage) <= 2048) {
        return static_cast<CachedPage*>(kmalloc(size_t(cap) * sizeof(CachedPage)));
    }
    return static_cast<CachedPage*>(block_alloc(index_order(cap)));
}

void index_free(CachedPage* v, uint32_t cap) {
    if (v == nullptr) return;
    if (size_t(cap) * sizeof(CachedPage) <= 2048) {
        kfree(v);
    } else {
        block_free(v, index_order(cap));
    }
}

// Room in the page index for `need` entries: its capacity doubled (from 16) until they fit, at
// most kMaxCached. False when they cannot fit or memory is short (the index is unchanged).
bool reserve_index(PageCache* pc, uint64_t need) {
    if (need <= pc->cap) return true;
    if (need > kMaxCached) return false;
    uint32_t cap = pc->cap == 0 ? 16 : pc->cap;
    while (cap < need) cap *= 2;
    if (cap > kMaxCached) cap = kMaxCached;
    CachedPage* v = index_alloc(cap);
    if (v == nullptr) return false;
    if (pc->n > 0) memcpy(v, pc->v, sizeof(CachedPage) * pc->n);
    index_free(pc->v, pc->cap);
    pc->v = v;
    pc->cap = cap;
    return true;
}

bool insert_page(PageCache* pc, uint64_t index, uint8_t* page) {
    if (index >= (uint64_t(1) << 32) || !reserve_index(pc, uint64_t(pc->n) + 1)) return false;
    const uint32_t pos = lower_bound(pc, index);
    memmove(pc->v + pos + 1, pc->v + pos, sizeof(CachedPage) * (pc->n - pos));
    pc->v[pos] = {page, uint32_t(index), false, false};
    ++pc->n;
    phys::cache_account(1);
    return true;
}

// After read_direct put `count` pages from `index` in `src`: copies of them join the cache
// while memory allows (a later read of them is then a copy from memory). Best effort.
void keep_read(PageCache* pc, uint64_t index, uint32_t count, const uint8_t* src) {
    if (!cache_room(count) || pc->n + count > kMaxCached) return;
    for (uint32_t i = 0; i < count; ++i) {
        auto* page = static_cast<uint8_t*>(page_alloc());  // written whole below
        if (page == nullptr) return;
        memcpy(page, src + size_t(i) * kPageSize, kPageSize);
        if (!insert_page(pc, index + i, page)) {
            page_free(page);
            return;
        }
    }
}

uint32_t blocks_per_page(const Ext2Fs* fs) {
    return uint32_t(kPageSize / fs->block_size);
}

// The device blocks holding page `index`'s data (those below the file's size): their count in
// *n; *first is the first one when they are all mapped and consecutive, else 0.
int page_run(Ext2Fs* fs, Ext2Inode* inode, uint64_t index, uint32_t* first, uint32_t* n) {
    const uint32_t per = blocks_per_page(fs);
    *first = 0;
    *n = 0;
    for (uint32_t i = 0; i < per; ++i) {
        const uint64_t lb = index * per + i;
        if (lb * fs->block_size >= inode->size) break;
        uint32_t block = 0;
        const int err = bmap(fs, inode, lb, false, false, &block);
        if (err < 0) return err;
        if (block == 0 || (i > 0 && block != *first + i)) {
            *first = 0;
            return 0;
        }
        if (i == 0) *first = block;
        ++*n;
    }
    if (*n == 0) *first = 0;
    return 0;
}

// Reads pages index, index+1, ... in one transfer while they are not cached, their blocks are
// mapped and follow each other on the disk, and they are whole (a partial last page ends the
// run), up to kClusterPages and the cache's limit. 0 with *added pages cached (0: no run here,
// use the page-at-a-time path), or -errno.
int read_cluster(Ext2Fs* fs, Ext2Inode* inode, uint64_t index, uint32_t* added) {
    *added = 0;
    const uint32_t per = blocks_per_page(fs);
    uint32_t start = 0, count = 0, blocks = 0;
    const uint32_t limit = cache_room(kClusterPages) ? kMaxCached : kPageLimit;
    while (count < kClusterPages && inode->pages.n + count < limit) {
        if (count > 0 && find_page(&inode->pages, index + count) != nullptr) break;
        uint32_t first = 0, n = 0;
        const int err = page_run(fs, inode, index + count, &first, &n);
        if (err < 0) return err;
        if (first == 0 || (count > 0 && first != start + blocks)) break;
        if (count == 0) start = first;
        blocks += n;
        ++count;
        if (n < per) break;  // the file's last page
    }
    if (count < 2) return 0;
    const unsigned order = block_order(count);
    auto* buf = static_cast<uint8_t*>(block_alloc(order));
    if (buf == nullptr) return 0;  // page by page then
    int err = dev_read_blocks(fs, start, blocks, buf);
    for (uint32_t i = 0; err == 0 && i < count; ++i) {
        auto* page = static_cast<uint8_t*>(page_alloc());  // written whole below
        if (page == nullptr) {
            err = -linux_errno::ENOMEM;
            break;
        }
        const uint64_t begin = (index + i) * kPageSize;
        const uint64_t keep = inode->size - begin < kPageSize ? inode->size - begin : kPageSize;
        memcpy(page, buf + size_t(i) * kPageSize, keep);
        memset(page + keep, 0, kPageSize - keep);
        if (!insert_page(&inode->pages, index + i, page)) {
            page_free(page);
            err = -linux_errno::ENOMEM;
            break;
        }
        ++*added;
    }
    block_free(buf, order);
    return *added > 0 ? 0 : err;
}

// A large read past the cache: pages index, index+1, ... (at most `max`) that are not cached
// and whose blocks are all mapped, whole and consecutive on the disk go straight from the
// device into `dest` with one transfer, without passing through (or filling) the page cache.
// 0 with *read pages done (0: no run of two here), or -errno.
int read_direct(Ext2Fs* fs, Ext2Inode* inode, uint64_t index, uint64_t max, uint8_t* dest,
                uint32_t* read) {
    *read = 0;
    uint32_t start = 0, count = 0;
    if (const int err = direct_run(fs, inode, index, max, &start, &count); err < 0) return err;
    if (count < 2) return 0;
    const int err = dev_read_blocks(fs, start, count * blocks_per_page(fs), dest);
    if (err < 0) return err;
    *read = count;
    return 0;
}

// Writes one page's mapped blocks that hold file data.
int write_page(Ext2Fs* fs, Ext2Inode* inode, CachedPage* cp) {
    const uint32_t per = blocks_per_page(fs);
    for (uint32_t i = 0; i < per; ++i) {
        const uint64_t lb = cp->index * per + i;
        if (lb * fs->block_size >= inode->size) break;
        uint32_t block = 0;
        int err = bmap(fs, inode, lb, false, false, &block);
        if (err < 0) return err;
        if (block == 0) continue;  // a hole (only an mmap could have written there)
        err = dev_write_block(fs, block, cp->page + i * fs->block_size);
        if (err < 0) return err;
    }
    cp->dirty = false;
    return 0;
}

// Before a page joins a file's cache: a file at kPageLimit pages while memory is short (or at
// its index's limit) is written back and drops its clean unmapped pages.
void trim(Ext2Fs* fs, Ext2Inode* inode) {
    PageCache* pc = &inode->pages;
    if (pc->n < kPageLimit || (pc->n + 1 < kMaxCached && cache_room(1))) return;
    if (can_write(fs) == 0) file_writeback(fs, inode);
    pages_drop_clean(inode);
}

// The cached page `index`, read in if needed. With `holes` false, a page with no block
// mapped is not cached: nullptr and 0 (it reads as zeros).
int get(Ext2Fs* fs, Ext2Inode* inode, uint64_t index, bool holes, CachedPage** out) {
    if (CachedPage* cp = find_page(&inode->pages, index)) {
        *out = cp;
        return 0;
    }
    trim(fs, inode);
    uint32_t clustered = 0;
    if (const int err = read_cluster(fs, inode, index, &clustered); err < 0) return err;
    if (clustered > 0) {
        *out = find_page(&inode->pages, index);
        return 0;
    }
    const uint32_t per = blocks_per_page(fs);
    uint32_t blocks[4] = {};
    bool any = false;
    for (uint32_t i = 0; i < per; ++i) {
        const uint64_t lb = index * per + i;
        if (lb * fs->block_size >= inode->size) break;
        const int err = bmap(fs, inode, lb, false, false, &blocks[i]);
        if (err < 0) return err;
        any = any || blocks[i] != 0;
    }
    if (!any && !holes) {
        *out = nullptr;
        return 0;
    }
    auto* page = static_cast<uint8_t*>(page_alloc_zeroed());
    if (page == nullptr) return -linux_errno::ENOMEM;
    for (uint32_t i = 0; i < per; ++i) {
        if (blocks[i] == 0) continue;
        const int err = dev_read_block(fs, blocks[i], page + i * fs->block_size);
        if (err < 0) {
            page_free(page);
            return err;
        }
    }
    // Bytes past the end of the file read as zeros whatever the disk holds.
    const uint64_t start = index * kPageSize;
    if (inode->size < start + kPageSize) {
        const uint64_t keep = inode->size > start ? inode->size - start : 0;
        memset(page + keep, 0, kPageSize - keep);
    }
    if (!insert_page(&inode->pages, index, page)) {
        page_free(page);
        return -linux_errno::ENOMEM;
    }
    *out = find_page(&inode->pages, index);
    return 0;
}

}  // namespace

// Allocates the blocks of page `index` that cover bytes [from, to) of the page.
int allocate(Ext2Fs* fs, Ext2Inode* inode, uint64_t index, uint64_t from, uint64_t to) {
    const uint64_t first = (index * kPageSize + from) / fs->block_size;
    const uint64_t last = (index * kPageSize + to - 1) / fs->block_size;
    for (uint64_t lb = first; lb <= last; ++lb) {
        uint32_t block = 0;
        const int err = bmap(fs, inode, lb, true, false, &block);
        if (err < 0) return err;
    }
    return 0;
}

// Before the size grows from `old_size`: the rest of its last page must read as zeros.
int zero_tail(Ext2Fs* fs, Ext2Inode* inode, uint64_t old_size) {
    if (old_size % kPageSize == 0) return 0;
    CachedPage* cp = nullptr;
    const int err = get(fs, inode, old_size / kPageSize, false, &cp);
    if (err < 0 || cp == nullptr) return err;
    memset(cp->page + old_size % kPageSize, 0, kPageSize - old_size % kPageSize);
    cp->dirty = true;
    return 0;
}

bool cache_adopt_run(Ext2Inode* inode, uint64_t index, uint8_t* pages, uint32_t count) {
    PageCache* pc = &inode->pages;
    if (count == 0 || index + count > (uint64_t(1) << 32)) return false;
    const uint32_t pos = lower_bound(pc, index);
    if (pos < pc->n && pc->v[pos].index < index + count) return false;  // some are cached
    if (!reserve_index(pc, uint64_t(pc->n) + count)) return false;
    memmove(pc->v + pos + count, pc->v + pos, sizeof(CachedPage) * (pc->n - pos));
    for (uint32_t i = 0; i < count; ++i) {
        pc->v[pos + i] = {pages + size_t(i) * kPageSize, uint32_t(index + i), false, false};
    }
    pc->n += count;
    phys::cache_account(count);
    return true;
}

int direct_run(Ext2Fs* fs, Ext2Inode* inode, uint64_t index, uint64_t max, uint32_t* start,
               uint32_t* count) {
    const uint32_t per = blocks_per_page(fs);
    *start = *count = 0;
    // Pages whole inside the file (every block of theirs begins before its end), up to the
    // next cached page.
    const uint64_t whole = (inode->size + fs->block_size - 1) / fs->block_size / per;
    uint64_t limit = max < kClusterPages ? max : kClusterPages;
    if (whole <= index) return 0;
    if (whole - index < limit) limit = whole - index;
    const PageCache* pc = &inode->pages;
    if (const uint32_t pos = pages_lower_bound(pc, index); pos < pc->n) {
        if (pc->v[pos].index - index < limit) limit = pc->v[pos].index - index;
    }
    // Their blocks, consecutive on the disk: a walk down the map per index block, not per block.
    const uint64_t first = index * per, want = limit * per;
    uint64_t got = 0;
    while (got < want) {
        uint32_t block = 0, n = 0;
        const int err = bmap_run(fs, inode, first + got, uint32_t(want - got), &block, &n);
        if (err < 0) return err;
        if (n == 0 || (got > 0 && block != *start + got)) break;
        if (got == 0) *start = block;
        got += n;
    }
    *count = uint32_t(got / per);
    if (*count == 0) *start = 0;
    return 0;
}

int free_past_size(Ext2Fs* fs, Ext2Inode* inode) {
    return truncate_blocks(fs, inode, (inode->size + fs->block_size - 1) / fs->block_size);
}

int check_size(Ext2Fs* fs, uint64_t size) {
    if (size > fs->max_file_size) return -linux_errno::EFBIG;
    if (size > kLargeFileLimit && !(fs->ro_compat & kRoCompatLargeFile)) {
        if (fs->rev < 1) return -linux_errno::EFBIG;
        fs->ro_compat |= kRoCompatLargeFile;
        st32(fs->raw_sb + sb::feature_ro_compat, fs->ro_compat);
    }
    return 0;
}

int64_t file_read(Inode* base, void* buf, size_t len, uint64_t offset) {
    Ext2Inode* inode = ei(base);
    Ext2Fs* fs = efs(base);
    LockGuard guard(fs->lock);
    if (offset >= inode->size) return 0;
    const uint64_t total = len < inode->size - offset ? len : inode->size - offset;
    auto* out = static_cast<uint8_t*>(buf);
    uint64_t done = 0;
    bool streamed = false;  // some of it came straight from the device
    const PageCache* pc = &inode->pages;
    while (done < total) {
        // A run of cached pages from here: one search, then a copy per page.
        bool hit = false;
        for (uint32_t pos = lower_bound(pc, (offset + done) / kPageSize);
             done < total && pos < pc->n && pc->v[pos].index == (offset + done) / kPageSize;
             ++pos) {
            const uint64_t in_page = (offset + done) % kPageSize;
            const uint64_t n =
                total - done < kPageSize - in_page ? total - done : kPageSize - in_page;
            memcpy(out + done, pc->v[pos].page + in_page, n);
            done += n;
            hit = true;
        }
        if (hit) continue;
        const uint64_t at = offset + done;
        const uint64_t in_page = at % kPageSize;
        if (in_page == 0 && total - done >= 2 * kPageSize) {
            uint32_t pages = 0;
            const int err = read_direct(fs, inode, at / kPageSize, (total - done) / kPageSize,
                                        out + done, &pages);
            if (err < 0) return done > 0 ? int64_t(done) : err;
            if (pages > 0) {
                keep_read(&inode->pages, at / kPageSize, pages, out + done);
                done += uint64_t(pages) * kPageSize;
                streamed = true;
                continue;
            }
        }
        uint64_t n = kPageSize - in_page;
        if (n > total - done) n = total - done;
        CachedPage* cp = nullptr;
        const int err = get(fs, inode, at / kPageSize, false, &cp);
        if (err < 0) return done > 0 ? int64_t(done) : err;
        if (cp != nullptr) {
            memcpy(out + done, cp->page + in_page, n);
        } else {
            memset(out + done, 0, n);
        }
        done += n;
    }
    // A large read that went to the device where the last one ended: the next run is read
    // while the caller uses this one (the next read(2) pins it: ra_pin).
    if (streamed && offset / kPageSize == inode->ra_next && (offset + total) % kPageSize == 0) {
        ra_start(fs, inode, (offset + total) / kPageSize);
    }
    if (streamed) inode->ra_next = (offset + total + kPageSize - 1) / kPageSize;
    return int64_t(total);
}

uint32_t pages_lower_bound(const PageCache* pc, uint64_t index) {
    return lower_bound(pc, index);
}

int64_t file_write(Inode* base, const void* buf, size_t len, uint64_t offset) {
    Ext2Fs* fs = efs(base);
    LockGuard guard(fs->lock);
    return write_locked(fs, ei(base), buf, len, offset);
}

int64_t write_locked(Ext2Fs* fs, Ext2Inode* inode, const void* buf, size_t len, uint64_t offset) {
    ra_drop(inode);
    if (const int err = can_write(fs); err < 0) return err;
    if (offset >= fs->max_file_size) return -linux_errno::EFBIG;
    if (len > fs->max_file_size - offset) len = size_t(fs->max_file_size - offset);
    if (const int err = check_size(fs, offset + len); err < 0) return err;
    if (offset > inode->size) {
        if (const int err = zero_tail(fs, inode, inode->size); err < 0) return err;
    }
    const auto* in = static_cast<const uint8_t*>(buf);
    uint64_t done = 0;
    int err = 0;
    while (done < len) {
        const uint64_t at = offset + done;
        const uint64_t in_page = at % kPageSize;
        uint64_t n = kPageSize - in_page;
        if (n > len - done) n = len - done;
        CachedPage* cp = nullptr;
        err = get(fs, inode, at / kPageSize, true, &cp);
        if (err < 0) break;
        // The page is cached before its new blocks exist: they are never read from disk.
        const uint64_t old_size = inode->size;
        if (at + n > inode->size) inode->size = at + n;  // bmap's limit for the blocks below
        err = allocate(fs, inode, at / kPageSize, in_page, in_page + n);
        if (err < 0) {
            inode->size = old_size;
            (void)free_past_size(fs, inode);  // blocks of the page it did get past the end
            // Blocks it did get inside the file (a hole filled in part) hold another file's old
            // bytes: the page, zeros there, is written over them.
            if (!cp->dirty) ++inode->pages.written;
            cp->dirty = true;
            break;
        }
        memcpy(cp->page + in_page, in + done, n);
        if (!cp->dirty) ++inode->pages.written;
        cp->dirty = true;
        done += n;
        if (inode->pages.written >= kWriteBatch) {
            // Written back and dropped: the next batch reuses these pages (memory the domain
            // never touched costs a host fault per page on first use, ~10 us on the PVM host).
            inode->pages.written = 0;
            int werr = file_writeback(fs, inode);
            if (werr == 0 && __atomic_load_n(&fs->async_error, __ATOMIC_ACQUIRE) != 0) {
                werr = -linux_errno::EIO;  // an earlier write-back failed (sync reports it too)
            }
            if (werr < 0 && werr != -linux_errno::ENOMEM) {
                err = werr;
                break;
            }
            pages_drop_clean(inode);
        }
    }
    if (done == 0 && err < 0) return err;
    return int64_t(done);
}

int file_shrink(Ext2Fs* fs, Ext2Inode* inode, uint64_t size) {
    PageCache* pc = &inode->pages;
    const uint64_t first_page = (size + kPageSize - 1) / kPageSize;
    uint32_t pos = lower_bound(pc, first_page);
    for (uint32_t i = pos; i < pc->n; ++i) page_free(pc->v[i].page);
    phys::cache_account(-int64_t(pc->n - pos));
    pc->n = pos;
    if (size % kPageSize != 0) {
        CachedPage* cp = nullptr;
        const int err = get(fs, inode, size / kPageSize, false, &cp);
        if (err < 0) return err;
        if (cp != nullptr) {
            memset(cp->page + size % kPageSize, 0, kPageSize - size % kPageSize);
            cp->dirty = true;
        }
    }
    // The size shrinks only once the blocks past it are gone: a failure leaves holes below
    // the old size, never blocks past the new one.
    const uint64_t first_block = (size + fs->block_size - 1) / fs->block_size;
    const int err = truncate_blocks(fs, inode, first_block);
    if (err < 0) return err;
    inode->size = size;
    return 0;
}

int file_truncate(Inode* base, uint64_t size) {
    Ext2Inode* inode = ei(base);
    Ext2Fs* fs = efs(base);
    LockGuard guard(fs->lock);
    ra_drop(inode);
    if (const int err = can_write(fs); err < 0) return err;
    if (const int err = check_size(fs, size); err < 0) return err;
    if (size < inode->size) return file_shrink(fs, inode, size);
    if (size > inode->size) {
        if (const int err = zero_tail(fs, inode, inode->size); err < 0) return err;
        inode->size = size;
    }
    return 0;
}

void* file_get_page(Inode* base, uint64_t index, bool create) {
    Ext2Inode* inode = ei(base);
    Ext2Fs* fs = efs(base);
    LockGuard guard(fs->lock);
    if (create) ra_drop(inode);
    if (create && can_write(fs) < 0) return nullptr;
    CachedPage* cp = nullptr;
    if (get(fs, inode, index, create, &cp) < 0 || cp == nullptr) return nullptr;
    if (create) {
        const uint64_t start = index * kPageSize;
        if (inode->size > start) {
            const uint64_t end = inode->size - start < kPageSize ? inode->size - start : kPageSize;
            if (allocate(fs, inode, index, 0, end) < 0) return nullptr;
        }
        cp->dirty = true;
    }
    cp->mapped = true;
    return cp->page;
}

int file_adopt_page(Inode*, uint64_t, void*) {
    return -linux_errno::EINVAL;
}

// Writes back the dirty pages from position `pos` of the cache that form a run (consecutive
// indexes, consecutive whole blocks on the disk, up to kClusterPages) with one transfer; 0 and
// *taken pages written (0: no run of two here), or -errno.
int write_cluster(Ext2Fs* fs, Ext2Inode* inode, uint32_t pos, uint32_t* taken) {
    *taken = 0;
    PageCache* pc = &inode->pages;
    const uint32_t per = blocks_per_page(fs);
    uint32_t start = 0, count = 0, blocks = 0;
    while (count < kClusterPages && pos + count < pc->n) {
        const CachedPage& cp = pc->v[pos + count];
        if (!cp.dirty || (count > 0 && cp.index != pc->v[pos].index + count)) break;
        uint32_t first = 0, n = 0;
        const int err = page_run(fs, inode, cp.index, &first, &n);
        if (err < 0) return err;
        if (first == 0 || (count > 0 && first != start + blocks)) break;
        if (count == 0) start = first;
        blocks += n;
        ++count;
        if (n < per) break;
    }
    if (count < 2) return 0;
    const unsigned order = block_order(count);
    auto* buf = static_cast<uint8_t*>(block_alloc(order));
    if (buf == nullptr) return 0;  // page by page then
    for (uint32_t i = 0; i < count; ++i) {
        memcpy(buf + size_t(i) * kPageSize, pc->v[pos + i].page, kPageSize);
    }
    // A copy goes to the device, which takes it without our waiting: the pages are clean now
    // and may change or go; a later read of their blocks waits for the write in the driver.
    WriteBuffer* wb = write_buffer_new(buf, order);
    if (wb == nullptr) {
        block_free(buf, order);
        return 0;  // page by page then
    }
    const int err = dev_write_async(fs, start, blocks, buf, wb);
    write_buffer_put(wb);
    if (err < 0) return err;
    for (uint32_t i = 0; i < count; ++i) pc->v[pos + i].dirty = false;
    *taken = count;
    return 0;
}

int file_writeback(Ext2Fs* fs, Ext2Inode* inode) {
    if (!is_reg(inode)) return 0;
    int result = 0;
    for (uint32_t i = 0; i < inode->pages.n;) {
        CachedPage* cp = &inode->pages.v[i];
        if (!cp->dirty) {
            ++i;
            continue;
        }
        uint32_t taken = 0;
        int err = write_cluster(fs, inode, i, &taken);
        if (err == 0 && taken == 0) {
            err = write_page(fs, inode, cp);
            taken = 1;
        }
        if (err < 0) {
            result = err;
            taken = taken ? taken : 1;
        }
        i += taken;
    }
    return result;
}

void pages_free(Ext2Inode* inode) {
    for (uint32_t i = 0; i < inode->pages.n; ++i) page_free(inode->pages.v[i].page);
    phys::cache_account(-int64_t(inode->pages.n));
    index_free(inode->pages.v, inode->pages.cap);
    inode->pages = {};
}

uint64_t pages_drop_clean(Ext2Inode* inode) {
    PageCache* pc = &inode->pages;
    uint32_t kept = 0;
    for (uint32_t i = 0; i < pc->n; ++i) {
        CachedPage& cp = pc->v[i];
        if (cp.dirty || cp.mapped) {
            pc->v[kept++] = cp;
        } else {
            page_free(cp.page);
        }
    }
    const uint64_t freed = pc->n - kept;
    pc->n = kept;
    phys::cache_account(-int64_t(freed));
    return freed;
}

bool cache_room(uint64_t pages) {
    const uint64_t total = phys::total_pages();
    const uint64_t mark = total / 8 > 4096 ? total / 8 : 4096;
    // Only into memory used before: filling fresh RAM costs a host fault per page (~10 us on
    // the PVM host, 8x a cold read's own cost), which the cache would never win back.
    return phys::free_pages() > mark + pages && phys::recycled_pages() > kFreshSlack + pages;
}

int64_t link_readlink(Inode* base, char* buf, size_t size) {
    Ext2Inode* inode = ei(base);
    Ext2Fs* fs = efs(base);
    LockGuard guard(fs->lock);
    const uint64_t len = inode->size;
    const size_t n = size < len ? size : size_t(len);
    const uint64_t acl = inode->file_acl != 0 ? fs->block_size / 512 : 0;
    if (inode->blocks <= acl) {
        if (len > kFastSymlinkMax + 1) return fs_error(fs, "fast symlink too long");
        memcpy(buf, inode->iblock, n);
        return int64_t(n);
    }
    uint32_t block = 0;
    int err = bmap(fs, inode, 0, false, false, &block);
    if (err < 0) return err;
    if (block == 0) return fs_error(fs, "symlink without its block");
    Buf* b = nullptr;
    err = bc_get(fs, block, true, &b);
    if (err < 0) return err;
    memcpy(buf, b->data, n);
    bc_put(fs, b);
    return int64_t(n);
}

int symlink_write(Ext2Fs* fs, Ext2Inode* inode, const char* target, size_t len) {
    if (len >= fs->block_size) return -linux_errno::ENAMETOOLONG;
    if (len <= kFastSymlinkMax) {
        memcpy(inode->iblock, target, len);
        inode->size = len;
        return 0;
    }
    uint32_t block = 0;
    int err = bmap(fs, inode, 0, true, false, &block);
    if (err < 0) return err;
    Buf* b = nullptr;
    err = bc_get(fs, block, false, &b);
    if (err < 0) return err;
    memcpy(b->data, target, len);
    bc_dirty(b);
    bc_put(fs, b);
    inode->size = len;
    return 0;
}

}  // namespace fs::ext2
