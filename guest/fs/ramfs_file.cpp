#include "fs/ramfs_file.hpp"

#include "abi/errno.hpp"
#include "fs/ramfs.hpp"
#include "kernel/string.hpp"

namespace fs {

namespace {

RamInode* ram(Inode* inode) {
    return static_cast<RamInode*>(inode);
}

void update_blocks(RamInode* file) {
    file->blocks = file->pages.pages * (kPageSize / 512);
}

}  // namespace

int64_t ramfs_read(Inode* inode, void* buf, size_t len, uint64_t offset) {
    RamInode* file = ram(inode);
    if (offset >= file->size) return 0;
    const uint64_t total = len < file->size - offset ? len : file->size - offset;
    auto* out = static_cast<uint8_t*>(buf);
    uint64_t done = 0;
    while (done < total) {
        const uint64_t at = offset + done;
        const uint64_t in_page = at & (kPageSize - 1);
        uint64_t n = kPageSize - in_page;
        if (n > total - done) n = total - done;
        const auto* page =
            static_cast<const uint8_t*>(page_array_lookup(&file->pages, at >> kPageShift));
        if (page != nullptr) {
            memcpy(out + done, page + in_page, n);
        } else {
            memset(out + done, 0, n);  // a hole
        }
        done += n;
    }
    return int64_t(total);
}

int64_t ramfs_write(Inode* inode, const void* buf, size_t len, uint64_t offset) {
    RamInode* file = ram(inode);
    const auto* in = static_cast<const uint8_t*>(buf);
    uint64_t done = 0;
    while (done < len) {
        const uint64_t at = offset + done;
        const uint64_t in_page = at & (kPageSize - 1);
        uint64_t n = kPageSize - in_page;
        if (n > len - done) n = len - done;
        auto* page =
            static_cast<uint8_t*>(page_array_get_or_create(&file->pages, at >> kPageShift));
        if (page == nullptr) break;  // out of memory: a short write, or ENOSPC below
        memcpy(page + in_page, in + done, n);
        done += n;
    }
    if (offset + done > file->size) file->size = offset + done;
    update_blocks(file);
    if (done == 0 && len > 0) return -linux_errno::ENOSPC;
    return int64_t(done);
}

int ramfs_truncate(Inode* inode, uint64_t size) {
    RamInode* file = ram(inode);
    if (size < file->size) {
        // Free the whole pages past the end, then zero the tail of the last partial page so
        // that growing the file again reads zeros there.
        page_array_truncate(&file->pages, (size + kPageSize - 1) >> kPageShift);
        const uint64_t in_page = size & (kPageSize - 1);
        if (in_page != 0) {
            auto* page = static_cast<uint8_t*>(page_array_lookup(&file->pages, size >> kPageShift));
            if (page != nullptr) memset(page + in_page, 0, kPageSize - in_page);
        }
    }
    file->size = size;
    update_blocks(file);
    return 0;
}

void* ramfs_get_page(Inode* inode, uint64_t index, bool create) {
    RamInode* file = ram(inode);
    if (!create) return page_array_lookup(&file->pages, index);
    void* page = page_array_get_or_create(&file->pages, index);
    update_blocks(file);
    return page;
}

int ramfs_adopt_page(Inode* inode, uint64_t index, void* page) {
    RamInode* file = ram(inode);
    if (page_array_lookup(&file->pages, index) != nullptr) return -linux_errno::EEXIST;
    if (!page_array_insert(&file->pages, index, page)) return -linux_errno::ENOMEM;
    if ((index + 1) * kPageSize > file->size) file->size = (index + 1) * kPageSize;
    update_blocks(file);
    return 0;
}

int64_t ramfs_readlink(Inode* inode, char* buf, size_t size) {
    RamInode* link = ram(inode);
    const size_t n = size < link->size ? size : size_t(link->size);
    memcpy(buf, link->target, n);
    return int64_t(n);
}

}  // namespace fs
