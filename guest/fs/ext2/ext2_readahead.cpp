// Read-ahead for a file read in order past its cache. When a large read went to the device and
// began where the last one ended, the run after it (up to 1 MiB: whole, uncached pages whose
// blocks follow each other) is read asynchronously into pages of their own. The next read(2)
// pins those pages (ra_pin, from pin_pages) and copies them to the user straight away, and as
// it takes a run the one after is asked for: the device fills the next MiB while the caller
// copies this one. A run fully taken joins the page cache while memory allows (cache_room);
// otherwise it is let go (pages a reader still holds go with its reference), so a streaming
// read in a domain short of memory reuses the same pages. A change to the file (write,
// truncation, a writable mapping) or the inode going drops what is read ahead; a read still
// out frees itself when the device answers.
#include "abi/errno.hpp"
#include "fs/ext2/ext2_internal.hpp"
#include "mm/kheap.hpp"
#include "mm/phys.hpp"

namespace fs::ext2 {

namespace {

constexpr uint64_t kPage = 4096;
constexpr unsigned kOrder = 8;  // 256 pages: the longest run read_direct reads
// Memory used before that a run joining the cache must leave free: the next runs and a
// writer's 1 MiB buffers come from it (cut from fresh RAM instead, every page costs a host
// fault on its first touch: a 1 GiB write after the cache had taken all but the allocator's
// slack took 1.3 s instead of 0.55). 64 MiB, or 1/16 of a smaller domain's RAM.
uint64_t reserve_pages() {
    const uint64_t sixteenth = phys::total_pages() / 16, most = 64 * (uint64_t(1) << kOrder);
    return sixteenth < most ? sixteenth : most;
}
enum : uint32_t { kOut, kDone, kOrphan };

}  // namespace

struct ReadAhead {
    blk::AsyncIo op;  // first: done() gets it back
    uint8_t* buf;     // block_alloc_pages(kOrder): each page has its own reference
    uint64_t index;   // the file's page buf starts with
    uint32_t pages;
    uint32_t state;  // kOut, kDone or kOrphan (atomic: done() may run on another vCPU)
    int error;
};

namespace {

void free_ra(ReadAhead* ra) {
    for (uint64_t i = 0; i < (uint64_t(1) << kOrder); ++i) page_free(ra->buf + i * kPage);
    kfree(ra);
}

void ra_done(blk::AsyncIo* op, int error) {
    auto* ra = reinterpret_cast<ReadAhead*>(op);
    ra->error = error;
    uint32_t out = kOut;
    if (!__atomic_compare_exchange_n(&ra->state, &out, kDone, false, __ATOMIC_ACQ_REL,
                                     __ATOMIC_ACQUIRE)) {
        free_ra(ra);  // dropped while out: nobody will take it
    }
}

// Lets `ra` go: freed now if the device has answered, else by ra_done.
void release(ReadAhead* ra) {
    uint32_t out = kOut;
    if (!__atomic_compare_exchange_n(&ra->state, &out, kOrphan, false, __ATOMIC_ACQ_REL,
                                     __ATOMIC_ACQUIRE)) {
        free_ra(ra);
    }
}

void remove_slot(Ext2Inode* inode, int slot) {
    release(inode->ra[slot]);
    if (slot == 0) inode->ra[0] = inode->ra[1];
    inode->ra[1] = nullptr;
}

// A run the reader has taken whole: its pages join the page cache while memory allows (a
// file read again is then copied from memory), the rest is let go.
void retire(Ext2Inode* inode, int slot) {
    ReadAhead* ra = inode->ra[slot];
    const uint64_t kept = cache_room(ra->pages + reserve_pages()) &&
                                  cache_adopt_run(inode, ra->index, ra->buf, ra->pages)
                              ? ra->pages
                              : 0;
    for (uint64_t i = kept; i < (uint64_t(1) << kOrder); ++i) page_free(ra->buf + i * kPage);
    kfree(ra);
    if (slot == 0) inode->ra[0] = inode->ra[1];
    inode->ra[1] = nullptr;
}

}  // namespace

void ra_drop(Ext2Inode* inode) {
    for (ReadAhead*& ra : inode->ra) {
        if (ra != nullptr) release(ra);
        ra = nullptr;
    }
}

void ra_start(Ext2Fs* fs, Ext2Inode* inode, uint64_t index) {
    const auto read_async = fs->dev->ops->read_async;
    if (read_async == nullptr || inode->ra[1] != nullptr || index * kPage >= inode->size) return;
    if (inode->ra[0] != nullptr && inode->ra[0]->index == index) return;  // on its way
    uint32_t start = 0, count = 0;
    if (direct_run(fs, inode, index, (inode->size - index * kPage) / kPage, &start, &count) < 0 ||
        count < 2) {
        return;
    }
    auto* ra = static_cast<ReadAhead*>(kmalloc(sizeof(ReadAhead)));
    if (ra == nullptr) return;
    *ra = ReadAhead{};
    ra->buf = static_cast<uint8_t*>(block_alloc_pages(kOrder));
    if (ra->buf == nullptr) {
        kfree(ra);
        return;
    }
    ra->op.done = ra_done;
    ra->index = index;
    ra->pages = count;
    ra->state = kOut;
    const uint32_t per = uint32_t(kPage / fs->block_size);
    if (read_async(fs->dev, uint64_t(start) * fs->sectors_per_block, ra->buf,
                   count * per * fs->sectors_per_block, &ra->op) < 0) {
        free_ra(ra);  // refused up front: ra_done never runs
        return;
    }
    inode->ra[inode->ra[0] == nullptr ? 0 : 1] = ra;
}

uint32_t ra_pin(Ext2Fs* fs, Ext2Inode* inode, uint64_t index, uint32_t max, void** pages) {
    int slot = -1;
    for (int i = 0; i < 2; ++i) {
        const ReadAhead* ra = inode->ra[i];
        if (ra != nullptr && ra->index <= index && index < ra->index + ra->pages) slot = i;
    }
    if (slot < 0) return 0;
    if (slot == 1) {  // the reader is past the first run: it is let go
        remove_slot(inode, 0);
        slot = 0;
    }
    ReadAhead* ra = inode->ra[slot];
    while (__atomic_load_n(&ra->state, __ATOMIC_ACQUIRE) == kOut) {
        if (fs->dev->ops->drain(fs->dev) < 0) break;  // dead: ra_done has run with -EIO
    }
    if (__atomic_load_n(&ra->state, __ATOMIC_ACQUIRE) != kDone || ra->error != 0) {
        remove_slot(inode, slot);
        return 0;
    }
    // The run after this one, while this one is copied out.
    ra_start(fs, inode, ra->index + ra->pages);
    const uint64_t end = ra->index + ra->pages;
    uint32_t n = 0;
    for (; n < max && index + n < end; ++n) {
        void* page = ra->buf + (index + n - ra->index) * kPage;
        page_get(page);
        pages[n] = page;
    }
    if (index + n == end) retire(inode, slot);  // all of it handed out
    inode->ra_next = index + n;                 // a read that goes on from here is still in order
    return n;
}

}  // namespace fs::ext2
