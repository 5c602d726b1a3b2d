#include "fs/page_array.hpp"

#include "mm/kheap.hpp"

namespace fs {

namespace {

constexpr uint32_t kBits = 9;
constexpr uint64_t kFanout = uint64_t{1} << kBits;  // pointers per node
constexpr uint32_t kMaxHeight = 6;                  // 512^6 pages > 2^51

using Node = void*;  // a node is a page of kFanout child pointers; a level-0 node is a page

uint64_t capacity(uint32_t height) {
    return uint64_t{1} << (kBits * height);
}

Node* slots(void* node) {
    return static_cast<Node*>(node);
}

bool node_empty(void* node) {
    for (uint64_t i = 0; i < kFanout; ++i) {
        if (slots(node)[i] != nullptr) return false;
    }
    return true;
}

// Frees the subtree rooted at a node of `level` (a page when level is 0).
void free_subtree(PageArray* array, void* node, uint32_t level) {
    if (level == 0) {
        page_free(node);
        --array->pages;
        return;
    }
    for (uint64_t i = 0; i < kFanout; ++i) {
        if (slots(node)[i] != nullptr) free_subtree(array, slots(node)[i], level - 1);
    }
    page_free(node);
}

// Frees, under a node of `level` >= 1 covering indices from `base`, the pages at or above
// `first`. Returns true when the node is left empty.
bool trim(PageArray* array, void* node, uint32_t level, uint64_t base, uint64_t first) {
    const uint64_t span = capacity(level - 1);
    for (uint64_t i = 0; i < kFanout; ++i) {
        void* child = slots(node)[i];
        if (child == nullptr) continue;
        const uint64_t child_base = base + i * span;
        if (child_base >= first) {
            free_subtree(array, child, level - 1);
            slots(node)[i] = nullptr;
        } else if (level > 1 && child_base + span > first) {
            if (trim(array, child, level - 1, child_base, first)) {
                page_free(child);
                slots(node)[i] = nullptr;
            }
        }
    }
    return node_empty(node);
}

// Drops root levels that only hold their first slot (the file shrank).
void shrink_height(PageArray* array) {
    while (array->height > 0) {
        void* root = array->root;
        for (uint64_t i = 1; i < kFanout; ++i) {
            if (slots(root)[i] != nullptr) return;
        }
        array->root = slots(root)[0];
        --array->height;
        page_free(root);
        if (array->root == nullptr) {
            array->height = 0;
            return;
        }
    }
}

}  // namespace

void* page_array_lookup(const PageArray* array, uint64_t index) {
    if (array->root == nullptr || index >= capacity(array->height)) return nullptr;
    void* node = array->root;
    for (uint32_t level = array->height; level > 0 && node != nullptr; --level) {
        node = slots(node)[(index >> (kBits * (level - 1))) & (kFanout - 1)];
    }
    return node;
}

namespace {

// The slot that holds (or will hold) the page at `index`, growing the tree and allocating the
// nodes on the way; nullptr when out of memory or `index` is too large.
Node* leaf_slot(PageArray* array, uint64_t index) {
    if (array->root == nullptr) array->height = 0;
    while (index >= capacity(array->height)) {
        if (array->height >= kMaxHeight) return nullptr;
        if (array->root != nullptr) {
            void* node = page_alloc_zeroed();
            if (node == nullptr) return nullptr;
            slots(node)[0] = array->root;
            array->root = node;
        }
        ++array->height;
    }
    Node* link = &array->root;
    for (uint32_t level = array->height; level > 0; --level) {
        if (*link == nullptr) {
            void* fresh = page_alloc_zeroed();
            if (fresh == nullptr) return nullptr;
            *link = fresh;
        }
        link = &slots(*link)[(index >> (kBits * (level - 1))) & (kFanout - 1)];
    }
    return link;
}

}  // namespace

void* page_array_get_or_create(PageArray* array, uint64_t index) {
    Node* slot = leaf_slot(array, index);
    if (slot == nullptr) return nullptr;
    if (*slot == nullptr) {
        void* fresh = page_alloc_zeroed();
        if (fresh == nullptr) return nullptr;
        *slot = fresh;
        ++array->pages;
    }
    return *slot;
}

bool page_array_insert(PageArray* array, uint64_t index, void* page) {
    Node* slot = leaf_slot(array, index);
    if (slot == nullptr || *slot != nullptr) return false;
    *slot = page;
    ++array->pages;
    return true;
}

void page_array_truncate(PageArray* array, uint64_t first) {
    if (array->root == nullptr) return;
    if (first == 0) {
        free_subtree(array, array->root, array->height);
        array->root = nullptr;
        array->height = 0;
        return;
    }
    if (first >= capacity(array->height)) return;
    // first >= 1 and below the capacity: the height is at least 1.
    if (trim(array, array->root, array->height, 0, first)) {
        page_free(array->root);
        array->root = nullptr;
        array->height = 0;
        return;
    }
    shrink_height(array);
}

}  // namespace fs
