#include "fs/ramfs_dir.hpp"

#include "kernel/string.hpp"
#include "mm/kheap.hpp"

namespace fs {

namespace {

constexpr uint32_t kInitialBuckets = 8;
constexpr uint32_t kInitialOrder = 8;
constexpr uint64_t kFirstCookie = 2;  // 0 and 1 are "." and ".."

uint32_t hash_name(Name name) {
    uint32_t h = 2166136261u;  // FNV-1a
    for (size_t i = 0; i < name.len; ++i) {
        h ^= uint8_t(name.data[i]);
        h *= 16777619u;
    }
    return h;
}

void insert_in_bucket(RamDirent** buckets, uint32_t bucket_count, RamDirent* entry) {
    RamDirent** head = &buckets[entry->hash & (bucket_count - 1)];
    entry->hash_next = *head;
    *head = entry;
}

// Doubles the bucket array; keeps the old one when out of memory (chains just get longer).
void grow_buckets(RamDir* dir) {
    const uint32_t count = dir->bucket_count == 0 ? kInitialBuckets : dir->bucket_count * 2;
    auto* fresh = static_cast<RamDirent**>(kzalloc(sizeof(RamDirent*) * count));
    if (fresh == nullptr) return;
    for (uint32_t b = 0; b < dir->bucket_count; ++b) {
        RamDirent* e = dir->buckets[b];
        while (e != nullptr) {
            RamDirent* next = e->hash_next;
            insert_in_bucket(fresh, count, e);
            e = next;
        }
    }
    kfree(dir->buckets);
    dir->buckets = fresh;
    dir->bucket_count = count;
}

void compact_order(RamDir* dir) {
    uint32_t out = 0;
    for (uint32_t i = 0; i < dir->order_len; ++i) {
        if (dir->order[i].entry != nullptr) dir->order[out++] = dir->order[i];
    }
    dir->order_len = out;
    dir->tombstones = 0;
}

// Makes room for one more slot in the order array.
bool reserve_order(RamDir* dir) {
    if (dir->order_len < dir->order_cap) return true;
    if (dir->tombstones > 0) {
        compact_order(dir);
        return true;
    }
    const uint32_t cap = dir->order_cap == 0 ? kInitialOrder : dir->order_cap * 2;
    auto* fresh = static_cast<RamDir::Slot*>(kmalloc(sizeof(RamDir::Slot) * cap));
    if (fresh == nullptr) return false;
    if (dir->order_len > 0) memcpy(fresh, dir->order, sizeof(RamDir::Slot) * dir->order_len);
    kfree(dir->order);
    dir->order = fresh;
    dir->order_cap = cap;
    return true;
}

// The index of the first slot whose cookie is >= `cookie` (order_len if none).
uint32_t lower_bound(const RamDir* dir, uint64_t cookie) {
    uint32_t lo = 0, hi = dir->order_len;
    while (lo < hi) {
        const uint32_t mid = lo + (hi - lo) / 2;
        if (dir->order[mid].cookie < cookie) {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    return lo;
}

}  // namespace

RamDirent* ramdir_find(const RamDir* dir, Name name) {
    if (dir->buckets == nullptr) return nullptr;
    const uint32_t h = hash_name(name);
    for (RamDirent* e = dir->buckets[h & (dir->bucket_count - 1)]; e; e = e->hash_next) {
        if (e->hash == h && e->len == name.len && memcmp(e->name(), name.data, name.len) == 0) {
            return e;
        }
    }
    return nullptr;
}

RamDirent* ramdir_prepare(RamDir* dir, Name name) {
    if (dir->count + 1 > dir->bucket_count) grow_buckets(dir);
    if (dir->buckets == nullptr || !reserve_order(dir)) return nullptr;
    auto* entry = static_cast<RamDirent*>(kmalloc(sizeof(RamDirent) + name.len + 1));
    if (entry == nullptr) return nullptr;
    entry->hash_next = nullptr;
    entry->inode = nullptr;
    entry->cookie = 0;
    entry->hash = hash_name(name);
    entry->len = uint32_t(name.len);
    memcpy(entry->name(), name.data, name.len);
    entry->name()[name.len] = '\0';
    return entry;
}

void ramdir_commit(RamDir* dir, RamDirent* entry, Inode* inode) {
    if (dir->next_cookie < kFirstCookie) dir->next_cookie = kFirstCookie;
    entry->inode = inode;
    entry->cookie = dir->next_cookie++;
    insert_in_bucket(dir->buckets, dir->bucket_count, entry);
    dir->order[dir->order_len++] = {entry->cookie, entry};
    ++dir->count;
}

void ramdir_discard(RamDirent* entry) {
    kfree(entry);
}

Inode* ramdir_remove(RamDir* dir, RamDirent* entry) {
    RamDirent** link = &dir->buckets[entry->hash & (dir->bucket_count - 1)];
    while (*link != entry) link = &(*link)->hash_next;
    *link = entry->hash_next;
    const uint32_t at = lower_bound(dir, entry->cookie);
    dir->order[at].entry = nullptr;
    ++dir->tombstones;
    --dir->count;
    if (dir->tombstones > 16 && dir->tombstones > dir->order_len / 2) compact_order(dir);
    Inode* inode = entry->inode;
    kfree(entry);
    return inode;
}

void ramdir_iterate(const RamDir* dir, uint64_t cookie, DirEmit emit, void* ctx) {
    for (uint32_t i = lower_bound(dir, cookie); i < dir->order_len; ++i) {
        RamDirent* e = dir->order[i].entry;
        if (e == nullptr) continue;
        const uint8_t type = linux_abi::dtype_of_mode(inode_type(e->inode));
        if (!emit(ctx, Name{e->name(), e->len}, e->inode->ino, type, e->cookie)) return;
    }
}

void ramdir_free(RamDir* dir) {
    kfree(dir->buckets);
    kfree(dir->order);
    dir->buckets = nullptr;
    dir->order = nullptr;
    dir->bucket_count = dir->count = dir->order_len = dir->order_cap = dir->tombstones = 0;
}

}  // namespace fs
