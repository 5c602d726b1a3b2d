// Regular-file paths that spare system calls the copy through a kernel buffer: reads straight
// from the file system's cached pages (pinned, so the copy runs with no lock held), and
// writes of a buffer the file system keeps (ext2 hands it to the device).
#include "abi/errno.hpp"
#include "abi/linux_types.hpp"
#include "fs/file_ops.hpp"
#include "mm/kheap.hpp"

namespace fs {

namespace {

constexpr uint64_t kPage = 4096;
constexpr uint32_t kPinBatch = 64;     // pages pinned at a time (256 KiB)
constexpr size_t kMaxRw = 0x7ffff000;  // MAX_RW_COUNT

bool cached_path(const File* file) {
    return file->ops == &kRegularFileOps && file->inode != nullptr &&
           file->inode->ops->pin_pages != nullptr;
}

// The first lines of the page copied next, asked for before this one is copied: the CPU's own
// prefetcher stops at a page boundary, and the next page's address translation (a walk of the
// host's shadow tables on PVM) and first lines then come while this page is copied. A 1 GiB
// read from the cache: 0.166 s against 0.183 s, mean of 8 domains each, paired.
void prefetch_start(const void* page) {
    const char* p = static_cast<const char*>(page);
    for (int line = 0; line < 4; ++line) __builtin_prefetch(p + 64 * line);
}

}  // namespace

int64_t file_read_cached(File* file, size_t len, int64_t offset, ReadSink sink, void* ctx) {
    if (!file_readable(file)) return -linux_errno::EBADF;
    if (!cached_path(file)) return -linux_errno::EAGAIN;
    if (len > kMaxRw) len = kMaxRw;
    Inode* inode = file->inode;
    const bool at_pos = offset < 0;
    if (at_pos) file->pos_lock.lock();
    const uint64_t start = at_pos ? uint64_t(file->pos) : uint64_t(offset);
    uint64_t done = 0, size = 0;
    bool fault = false, none = false;
    while (done < len && !fault) {
        const uint64_t at = start + done;
        if (at >= kMaxFileSize) break;
        const uint64_t want_pages = (at % kPage + (len - done) + kPage - 1) / kPage;
        const uint32_t want = want_pages < kPinBatch ? uint32_t(want_pages) : kPinBatch;
        void* pages[kPinBatch];
        uint32_t got;
        {
            LockGuard guard(inode->lock);
            got = inode->ops->pin_pages(inode, at / kPage, want, pages, &size);
            if (got > 0 && at < size) inode_accessed_locked(inode);
        }
        uint32_t i = 0;
        for (; i < got && done < len && start + done < size; ++i) {
            const uint64_t from = (start + done) % kPage;
            uint64_t n = kPage - from;
            if (n > len - done) n = len - done;
            if (n > size - (start + done)) n = size - (start + done);
            if (i + 1 < got) prefetch_start(pages[i + 1]);
            if (sink(ctx, done, static_cast<const uint8_t*>(pages[i]) + from, n) != 0) {
                fault = true;
                break;
            }
            done += n;
        }
        for (uint32_t j = 0; j < got; ++j) page_free(pages[j]);
        if (got == 0) none = at < size;  // nothing cached here (at or past the end: EOF)
        if (got < want || start + done >= size) break;
    }
    if (at_pos) {
        file->pos += int64_t(done);
        file->pos_lock.unlock();
    }
    if (done > 0) return int64_t(done);
    if (fault) return -linux_errno::EFAULT;
    return none ? -linux_errno::EAGAIN : 0;
}

int64_t file_write_buffer(File* file, void* buf, unsigned order, size_t len, int64_t offset,
                          bool* taken) {
    *taken = false;
    if (file->ops != &kRegularFileOps || file->inode == nullptr ||
        file->inode->ops->write_buffer == nullptr) {
        return offset < 0 ? file_write(file, buf, len) : file_pwrite(file, buf, len, offset);
    }
    if (!file_writable(file)) return -linux_errno::EBADF;
    if (len > kMaxRw) len = kMaxRw;
    const bool append = (file_get_flags(file) & linux_abi::oflag::APPEND) != 0;
    uint64_t end = 0;
    if (offset >= 0) {
        // As on Linux, pwrite on an O_APPEND file appends whatever the offset.
        return inode_write_buffer(file->inode, buf, order, len, uint64_t(offset), append, &end,
                                  taken);
    }
    LockGuard guard(file->pos_lock);
    const int64_t n =
        inode_write_buffer(file->inode, buf, order, len, uint64_t(file->pos), append, &end, taken);
    if (n >= 0) file->pos = int64_t(end);
    return n;
}

}  // namespace fs
