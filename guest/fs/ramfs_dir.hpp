// The entries of a ramfs directory: a hash table by name (lookups O(1) for any size) and an
// array in cookie order for getdents64. Every entry gets the next cookie of its directory when
// it is added, never reused, so a getdents64 offset (the cookie to continue from) stays valid
// while other entries come and go: the reader resumes at the first entry whose cookie is >=
// its offset (a binary search). Removed entries leave a tombstone in the order array until
// tombstones outnumber live entries, then the array is compacted in place.
// Not locked: the caller holds the tree lock.
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "fs/inode.hpp"

namespace fs {

struct RamDirent {
    RamDirent* hash_next;
    Inode* inode;  // holds one reference
    uint64_t cookie;
    uint32_t hash;
    uint32_t len;
    char* name() { return reinterpret_cast<char*>(this + 1); }  // len bytes, then a NUL
};

struct RamDir {
    RamDirent** buckets;  // bucket_count chains (a power of two), allocated on first insert
    uint32_t bucket_count;
    uint32_t count;  // live entries
    struct Slot {
        uint64_t cookie;
        RamDirent* entry;  // nullptr: a tombstone
    } * order;
    uint32_t order_len;  // slots used (live + tombstones)
    uint32_t order_cap;
    uint32_t tombstones;
    uint64_t next_cookie;  // starts at 2
};

// The entry named `name`, or nullptr.
RamDirent* ramdir_find(const RamDir* dir, Name name);

// Two-step insertion, so that a rename can allocate everything before changing anything:
// ramdir_prepare allocates the entry and reserves room (nullptr when out of memory);
// ramdir_commit links it (never fails) and takes over the caller's reference on `inode`.
RamDirent* ramdir_prepare(RamDir* dir, Name name);
void ramdir_commit(RamDir* dir, RamDirent* entry, Inode* inode);
void ramdir_discard(RamDirent* entry);  // a prepared entry that will not be committed

// Unlinks and frees `entry`; returns its inode with the entry's reference (the caller puts).
Inode* ramdir_remove(RamDir* dir, RamDirent* entry);

// Calls `emit` for each live entry with cookie >= `cookie`, in cookie order, until it
// returns false.
void ramdir_iterate(const RamDir* dir, uint64_t cookie, DirEmit emit, void* ctx);

// Frees the tables (the directory must be empty).
void ramdir_free(RamDir* dir);

}  // namespace fs
