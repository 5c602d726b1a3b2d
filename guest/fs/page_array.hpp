// A sparse array of 4 KiB pages indexed by page number: the data of a ramfs regular file.
// A radix tree of page-sized nodes of 512 pointers, only as tall as the largest index needs:
// height 0 holds at most page 0 (`root` is that page), height h covers indices below 512^h.
// Holes have no page (they read as zeros); nodes are allocated on the way to a new page and
// freed when truncation empties them. Not locked: the owner (the inode lock) serialises.
#pragma once

#include <stddef.h>
#include <stdint.h>

namespace fs {

inline constexpr uint64_t kPageSize = 4096;
inline constexpr uint32_t kPageShift = 12;

struct PageArray {
    void* root;
    uint32_t height;
    uint64_t pages;  // data pages held (nodes not counted)
};

// The page at `index`, or nullptr for a hole.
void* page_array_lookup(const PageArray* array, uint64_t index);

// The page at `index`, allocated zero-filled (with the nodes above it) when missing; nullptr
// when out of memory (nothing is left half-built: an empty new node is kept, harmlessly).
// `index` must be below 2^51 (kMaxFileSize / 4 KiB).
void* page_array_get_or_create(PageArray* array, uint64_t index);

// Stores `page` (a whole page, the caller's reference passes to the array; page_free releases
// it with the rest) at `index`, which must be a hole. False, with the page not taken, when out
// of memory for the nodes above it, when `index` is too large or holds a page already.
bool page_array_insert(PageArray* array, uint64_t index, void* page);
// Frees every page whose index is >= `first` and the nodes left empty; 0 frees everything.
void page_array_truncate(PageArray* array, uint64_t first);

}  // namespace fs
