// The page cache's hold on memory: regular files parked after their last reference (their clean
// pages stay cached, so reading a file again is a copy from memory, not a disk transfer), and
// the reclaimer the page allocator calls when memory runs short (phys::set_reclaimer): it frees
// parked files, oldest first, then the clean pages of files in use. It runs on whatever path
// allocated, maybe inside ext2 with an instance's lock held: every lock it takes is a try_lock,
// and an instance it cannot lock is skipped.
#include "fs/ext2/ext2_internal.hpp"
#include "mm/phys.hpp"

namespace fs::ext2 {

namespace {

inline constexpr uint32_t kInstances = 32;    // mounted ext2 instances the reclaimer sees
inline constexpr uint32_t kParkedMax = 1024;  // parked files per instance at most

constinit SpinLock g_lock;  // the instance table
Ext2Fs* g_instances[kInstances];

void list_remove(Ext2Fs* fs, Ext2Inode* inode) {
    if (inode->park_prev != nullptr) {
        inode->park_prev->park_next = inode->park_next;
    } else {
        fs->parked_head = inode->park_next;
    }
    if (inode->park_next != nullptr) {
        inode->park_next->park_prev = inode->park_prev;
    } else {
        fs->parked_tail = inode->park_prev;
    }
    inode->park_prev = inode->park_next = nullptr;
    inode->parked = false;
    --fs->parked;
}

// Frees the oldest parked file; the pages it held.
uint64_t evict_oldest(Ext2Fs* fs) {
    Ext2Inode* inode = fs->parked_head;
    const uint64_t pages = inode->pages.n;
    list_remove(fs, inode);
    free_inode_struct(fs, inode);
    return pages;
}

uint64_t reclaim(uint64_t want) {
    if (!g_lock.try_lock()) return 0;
    uint64_t freed = 0;
    // Parked files first (nobody uses them), then the clean pages of open files.
    for (int pass = 0; pass < 2 && freed < want; ++pass) {
        for (uint32_t k = 0; k < kInstances && freed < want; ++k) {
            Ext2Fs* fs = g_instances[k];
            if (fs == nullptr || !fs->lock.try_lock()) continue;
            if (pass == 0) {
                while (freed < want && fs->parked_head != nullptr) freed += evict_oldest(fs);
            } else {
                for (uint32_t h = 0; h < kInodeBuckets && freed < want; ++h) {
                    for (Ext2Inode* i = fs->inode_hash[h]; i != nullptr && freed < want;
                         i = i->hash_next) {
                        freed += pages_drop_clean(i);
                    }
                }
            }
            fs->lock.unlock();
        }
    }
    g_lock.unlock();
    return freed;
}

}  // namespace

void instance_add(Ext2Fs* fs) {
    LockGuard guard(g_lock);
    for (Ext2Fs*& slot : g_instances) {
        if (slot == nullptr) {
            slot = fs;
            break;
        }
    }
    // An instance past the table is never reclaimed from: it parks nothing (park() checks).
    phys::set_reclaimer(reclaim);
}

void instance_remove(Ext2Fs* fs) {
    LockGuard guard(g_lock);
    for (Ext2Fs*& slot : g_instances) {
        if (slot == fs) slot = nullptr;
    }
}

bool park(Ext2Fs* fs, Ext2Inode* inode) {
    if (!is_reg(inode) || inode->pages.n == 0 || fs->errored || !cache_room(0)) return false;
    bool listed = false;
    {
        // Taken with fs->lock held: the reclaimer, which holds g_lock, only try_locks that.
        LockGuard guard(g_lock);
        for (Ext2Fs* slot : g_instances) listed = listed || slot == fs;
    }
    if (!listed) return false;
    for (uint32_t i = 0; i < inode->pages.n; ++i) {
        if (inode->pages.v[i].dirty) return false;  // its write-back failed: not kept
        inode->pages.v[i].mapped = false;           // no mapping is left with no reference
    }
    inode->parked = true;
    inode->park_next = nullptr;
    inode->park_prev = fs->parked_tail;
    if (fs->parked_tail != nullptr) {
        fs->parked_tail->park_next = inode;
    } else {
        fs->parked_head = inode;
    }
    fs->parked_tail = inode;
    ++fs->parked;
    if (fs->parked > kParkedMax) evict_oldest(fs);
    return true;
}

void unpark(Ext2Fs* fs, Ext2Inode* inode) {
    list_remove(fs, inode);
}

void parked_free_all(Ext2Fs* fs) {
    while (fs->parked_head != nullptr) evict_oldest(fs);
}

}  // namespace fs::ext2
