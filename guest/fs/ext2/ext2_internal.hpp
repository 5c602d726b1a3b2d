// ext2's private structures and the functions its files share. Everything here runs with the
// instance's lock (Ext2Fs::lock) held unless said otherwise.
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "dev/block.hpp"
#include "fs/ext2/ext2.hpp"
#include "fs/ext2/ext2_format.hpp"
#include "fs/inode.hpp"
#include "kernel/lock.hpp"

namespace fs::ext2 {

// A cached metadata block (bitmaps, inode table, indirect blocks, directories, slow symlinks).
struct Buf {
    uint32_t block;
    uint32_t pins;  // holders between bc_get and bc_put; never evicted while pinned
    bool dirty;
    bool dead;  // freed while pinned: dropped (not written) at the last bc_put
    Buf* next;  // hash chain
    uint8_t* data;
};

inline constexpr uint32_t kBufBuckets = 256;
inline constexpr uint32_t kBufLimit = 512;  // unpinned clean or dirty blocks kept at most

struct BlockCache {
    Buf* buckets[kBufBuckets];
    uint32_t count;
    uint32_t hand;  // eviction scan position (bucket)
};

// One 4 KiB page of a regular file's data. 16 bytes: the index of a 1 GiB file's pages fits
// one 4 MiB block. The index is the file's page number (ext2's largest file, 2 TiB with 4 KiB
// blocks, has fewer than 2^32 pages).
struct CachedPage {
    uint8_t* page;
    uint32_t index;
    bool dirty;
    bool mapped;  // handed out by get_page: never dropped before truncation or destroy
};
static_assert(sizeof(CachedPage) == 16);

// A file's pages, sorted by index.
struct PageCache {
    CachedPage* v;
    uint32_t n, cap;
    uint32_t written;  // pages dirtied by write() since the last write-back
};

struct ReadAhead;  // ext2_readahead.cpp

struct Ext2Inode : Inode {
    Ext2Inode* hash_next;
    uint8_t iblock[60];  // i_block[15]: block pointers, a fast symlink's target or a device
    uint32_t flags;
    uint32_t file_acl;
    uint32_t generation;
    uint32_t dtime;
    bool fresh;  // created by us: the extra inode fields are initialised on the first store
    PageCache pages;
    uint32_t alloc_next;  // the block after the last one allocated to it: the next one's goal
    ReadAhead* ra[2];     // runs read ahead of a reader going in order, by index (or nullptr)
    uint64_t ra_next;     // the page after the last large read that went to the device
    char* name;           // directories: storage of dname
    // A regular file whose last reference went while its clean pages were worth keeping:
    // refs 0, still in the hash, on the instance's parked list (oldest first) until iget takes
    // it back, memory runs short, or umount (ext2_reclaim.cpp).
    bool parked;
    Ext2Inode* park_prev;
    Ext2Inode* park_next;
};

inline constexpr uint32_t kInodeBuckets = 256;

struct Ext2Fs : SuperBlock {
    SpinLock lock;
    blk::BlockDevice* dev;
    bool read_only;
    bool forced_ro;  // an unknown RO_COMPAT feature: never read-write
    bool errored;
    const char* error;  // the first error seen (static string)
    uint32_t block_size, log_block_size, sectors_per_block, ptrs_per_block;
    uint32_t blocks_count, inodes_count, first_data_block, blocks_per_group, inodes_per_group;
    uint32_t groups, inode_size, first_ino, rev, compat, incompat, ro_compat;
    uint32_t inodes_per_block, itable_blocks, gdt_blocks, reserved_gdt;
    uint64_t max_file_size;
    uint16_t mount_state;  // s_state when mounted, restored by umount
    uint32_t next_generation;
    uint8_t raw_sb[kSuperSize];
    uint8_t* gdt;  // groups * 32 bytes
    bool gdt_dirty;
    BlockCache bc;
    Ext2Inode* inode_hash[kInodeBuckets];
    Inode* root;
    Ext2Inode* parked_head;  // oldest
    Ext2Inode* parked_tail;
    uint32_t parked;
    // An asynchronous write-back failed (set by its completion, atomic; taken by dev_drain).
    uint32_t async_error;
};

inline Ext2Fs* efs(SuperBlock* sb) {
    return static_cast<Ext2Fs*>(sb);
}
inline Ext2Fs* efs(Inode* inode) {
    return static_cast<Ext2Fs*>(inode->sb);
}
inline Ext2Inode* ei(Inode* inode) {
    return static_cast<Ext2Inode*>(inode);
}

// Marks the instance errored (no more changes) and returns -EIO.
int fs_error(Ext2Fs* fs, const char* what);
// 0 when changes are allowed, else -EROFS (read-only mount) or -EIO (errored).
int can_write(const Ext2Fs* fs);

// ext2_cache.cpp: device I/O and the metadata block cache.
int dev_read_block(Ext2Fs* fs, uint32_t block, void* buf);
int dev_write_block(Ext2Fs* fs, uint32_t block, const void* buf);
// `count` consecutive blocks from `block` in one device transfer (file data clustering).
int dev_read_blocks(Ext2Fs* fs, uint32_t block, uint32_t count, void* buf);
int dev_write_blocks(Ext2Fs* fs, uint32_t block, uint32_t count, const void* buf);
// A buffer of file data (a block_alloc(order) block) that asynchronous writes share: freed
// with its last reference.
struct WriteBuffer;
WriteBuffer* write_buffer_new(void* block, unsigned order);  // one reference; nullptr: no memory
unsigned block_order(uint64_t pages);  // the smallest order of block holding `pages` pages
void write_buffer_put(WriteBuffer* wb);
// The write of `count` blocks from `data` (inside wb's buffer) without waiting for the
// device: it holds a reference on wb until the device has answered, and an answer of failure
// sets async_error. A device without asynchronous writes writes it at once. 0 or -errno.
int dev_write_async(Ext2Fs* fs, uint32_t block, uint32_t count, const void* data, WriteBuffer* wb);
// Waits for every asynchronous write of the device; -EIO when one failed since the last call
// (which it reports once) or the device died.
int dev_drain(Ext2Fs* fs);
// A pinned cached block; `read` false: a block being (re)initialised, zero-filled, not read.
int bc_get(Ext2Fs* fs, uint32_t block, bool read, Buf** out);
void bc_put(Ext2Fs* fs, Buf* buf);
inline void bc_dirty(Buf* buf) {
    buf->dirty = true;
}
void bc_forget(Ext2Fs* fs, uint32_t block);  // the block was freed
int bc_flush(Ext2Fs* fs);                    // writes every dirty block
void bc_free_all(Ext2Fs* fs);

// ext2_alloc.cpp: bitmaps, group descriptors and free counts.
inline uint8_t* gdesc(Ext2Fs* fs, uint32_t group) {
    return fs->gdt + size_t(group) * kDescSize;
}
bool block_is_data(const Ext2Fs* fs, uint32_t block);  // in range and not fixed metadata
uint32_t inode_group(const Ext2Fs* fs, uint32_t ino);
// A free block: the first at or after `goal` in its group when `goal` is a block of the
// device (else from the start of `goal_group`), then in the following groups.
int alloc_block(Ext2Fs* fs, uint32_t goal_group, uint32_t goal, uint32_t* out);
int free_block(Ext2Fs* fs, uint32_t block);
int alloc_inode(Ext2Fs* fs, uint32_t goal_group, bool directory, uint32_t* out);
int free_inode(Ext2Fs* fs, uint32_t ino, bool directory);

// ext2_bmap.cpp: logical file block -> device block through the indirect blocks.
// *out 0: a hole (alloc false). With alloc, missing blocks (and index blocks) are allocated,
// zeroed when `zero` (index blocks always are), and counted in i_blocks.
int bmap(Ext2Fs* fs, Ext2Inode* inode, uint64_t lblock, bool alloc, bool zero, uint32_t* out);
// The run mapped from logical block `lblock` (read only): *first its block (0: a hole) and
// *count the logical blocks from it, at most `max` and within one index block, whose blocks
// follow *first on the disk (one walk down the map instead of one per block).
int bmap_run(Ext2Fs* fs, Ext2Inode* inode, uint64_t lblock, uint32_t max, uint32_t* first,
             uint32_t* count);
// Frees every block of logical index >= first and the index blocks left empty.
int truncate_blocks(Ext2Fs* fs, Ext2Inode* inode, uint64_t first);
uint64_t max_blocks(const Ext2Fs* fs);  // logical blocks the map can address

// ext2_inode.cpp: the inode cache and the on-disk inodes.
int iget(Ext2Fs* fs, uint32_t ino, Ext2Inode** out);  // a new reference
int store_inode(Ext2Fs* fs, Ext2Inode* inode);
int new_inode(Ext2Fs* fs, Ext2Inode* dir, const NewInode& spec, Ext2Inode** out);
uint8_t mode_to_ftype(uint32_t mode);
uint8_t ftype_to_dtype(uint8_t ftype);
extern const InodeOps kExt2Ops;
void destroy_inode(Inode* inode);                      // InodeOps::destroy
int fsync_inode(Inode* inode);                         // InodeOps::fsync
void discard_inode(Ext2Fs* fs, Ext2Inode* inode);      // a new inode that never got a name
void free_inode_struct(Ext2Fs* fs, Ext2Inode* inode);  // uncached, no disk change
// Drops a reference the caller knows is not the last one.
inline void unref(Inode* inode) {
    __atomic_sub_fetch(&inode->refs, 1, __ATOMIC_ACQ_REL);
}
inline constexpr uint32_t kLinkMax = 32000;  // EXT2_LINK_MAX
// A directory's name, allocated ahead of the change that needs it (nullptr without memory).
char* dup_name(Name name);
// Points a directory at its parent and its name there (`name`, from dup_name, is taken).
void set_dir_parent(Ext2Inode* child, Ext2Inode* parent, char* name, size_t len);
int writeback_all(Ext2Fs* fs);  // every cached inode and its dirty pages

// ext2_dir.cpp: directory contents (through the block cache).
int dir_find(Ext2Fs* fs, Ext2Inode* dir, Name name, uint32_t* ino, uint64_t* offset);
int dir_add(Ext2Fs* fs, Ext2Inode* dir, Name name, uint32_t ino, uint8_t ftype);
int dir_remove_at(Ext2Fs* fs, Ext2Inode* dir, uint64_t offset);
int dir_set_at(Ext2Fs* fs, Ext2Inode* dir, uint64_t offset, uint32_t ino, uint8_t ftype);
int dir_set_dotdot(Ext2Fs* fs, Ext2Inode* dir, uint32_t parent_ino);
int dir_is_empty(Ext2Fs* fs, Ext2Inode* dir);  // 1 empty, 0 not, <0 error
int dir_init(Ext2Fs* fs, Ext2Inode* dir, uint32_t parent_ino);
int dir_iterate(Ext2Fs* fs, Ext2Inode* dir, uint64_t cookie, DirEmit emit, void* ctx);

// ext2_file.cpp: file data through the page cache, symlinks.
int64_t file_read(Inode* inode, void* buf, size_t len, uint64_t offset);
int64_t file_write(Inode* inode, const void* buf, size_t len, uint64_t offset);
int64_t write_locked(Ext2Fs* fs, Ext2Inode* inode, const void* buf, size_t len, uint64_t offset);
uint32_t pages_lower_bound(const PageCache* pc, uint64_t index);  // first entry >= index
// Allocates the blocks of page `index` that cover bytes [from, to) of the page.
int allocate(Ext2Fs* fs, Ext2Inode* inode, uint64_t index, uint64_t from, uint64_t to);
// Before the size grows from `old_size`: the rest of its last page must read as zeros.
int zero_tail(Ext2Fs* fs, Ext2Inode* inode, uint64_t old_size);
// After an allocation failed: frees the blocks it got past the file's size (a page's blocks
// are allocated one by one; e2fsck wants none past the end).
int free_past_size(Ext2Fs* fs, Ext2Inode* inode);
// Takes the `count` pages from `pages` on (consecutive in memory, each a page of its own with
// the caller's reference) as the file's pages from `index` on, in one insertion; false (none
// taken) when the cache holds one of those indexes or is at its index's limit. The caller
// asks cache_room first.
bool cache_adopt_run(Ext2Inode* inode, uint64_t index, uint8_t* pages, uint32_t count);
// The run read_direct would read from page `index`: up to `max` (and 256) pages, not cached,
// whole, with their blocks consecutive on the disk from *start; *count 0 when there is none.
int direct_run(Ext2Fs* fs, Ext2Inode* inode, uint64_t index, uint64_t max, uint32_t* start,
               uint32_t* count);
// ext2_readahead.cpp. ra_start: reads the run from page `index` asynchronously (nothing
// without memory, a run, a second slot, or when one starts there already). ra_pin: like
// pin_pages, from what has been read ahead: page references on the pages from `index` (at
// most `max`) after waiting for the device if need be, and the next run asked for; 0 when no
// read-ahead holds `index`. ra_drop: the file changes or the inode goes (a read still out
// frees itself when it completes; pages a reader pinned stay until it drops them).
void ra_start(Ext2Fs* fs, Ext2Inode* inode, uint64_t index);
uint32_t ra_pin(Ext2Fs* fs, Ext2Inode* inode, uint64_t index, uint32_t max, void** pages);
void ra_drop(Ext2Inode* inode);
// A size the instance can hold (EFBIG), setting the large-file feature when it needs it.
int check_size(Ext2Fs* fs, uint64_t size);
// ext2_file_pages.cpp: InodeOps::pin_pages and write_buffer.
uint32_t file_pin_pages(Inode* inode, uint64_t index, uint32_t max, void** pages, uint64_t* size);
int64_t file_write_buffer(Inode* inode, void* buf, unsigned order, size_t len, uint64_t offset,
                          bool* taken);
int file_truncate(Inode* inode, uint64_t size);
void* file_get_page(Inode* inode, uint64_t index, bool create);
int file_adopt_page(Inode* inode, uint64_t index, void* page);
int64_t link_readlink(Inode* inode, char* buf, size_t size);
int file_writeback(Ext2Fs* fs, Ext2Inode* inode);              // dirty pages -> disk
int file_shrink(Ext2Fs* fs, Ext2Inode* inode, uint64_t size);  // pages and blocks past size
void pages_free(Ext2Inode* inode);
uint64_t pages_drop_clean(Ext2Inode* inode);  // clean pages not mapped; how many were freed
// Whether the page cache may take more pages: the free memory is above a watermark (1/8 of
// RAM, at least 16 MiB) that leaves programs room before the reclaimer has to act, and there
// are that many free pages the domain has used before (phys::recycled_pages).
bool cache_room(uint64_t pages);

// ext2_reclaim.cpp: the instances the reclaimer sees, and the parked inodes.
void instance_add(Ext2Fs* fs);     // after mount
void instance_remove(Ext2Fs* fs);  // before umount frees it; fs->lock not held
// Keeps a regular file's clean pages cached after its last reference (false: not worth it or
// no room; the caller frees it).
bool park(Ext2Fs* fs, Ext2Inode* inode);
void unpark(Ext2Fs* fs, Ext2Inode* inode);  // iget took it back
void parked_free_all(Ext2Fs* fs);           // umount
int symlink_write(Ext2Fs* fs, Ext2Inode* inode, const char* target, size_t len);

}  // namespace fs::ext2
