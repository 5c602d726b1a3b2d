#include "fs/file_ops.hpp"

#include "abi/errno.hpp"
#include "fs/mount.hpp"
#include "kernel/string.hpp"

namespace fs {

namespace {

namespace oflag = linux_abi::oflag;
namespace seek = linux_abi::seek;

bool appending(const File* file) {
    return (file_get_flags(file) & oflag::APPEND) != 0;
}

bool older(const linux_abi::timespec& a, const linux_abi::timespec& b) {
    return a.tv_sec < b.tv_sec || (a.tv_sec == b.tv_sec && a.tv_nsec < b.tv_nsec);
}

// --- regular files ---

int64_t reg_read(File* file, void* buf, size_t len) {
    LockGuard guard(file->pos_lock);
    const int64_t n = inode_read(file->inode, buf, len, uint64_t(file->pos));
    if (n > 0) file->pos += n;
    return n;
}

int64_t reg_write(File* file, const void* buf, size_t len) {
    LockGuard guard(file->pos_lock);
    uint64_t end = 0;
    const int64_t n =
        inode_write(file->inode, buf, len, uint64_t(file->pos), appending(file), &end);
    if (n >= 0) file->pos = int64_t(end);
    return n;
}

int64_t reg_pread(File* file, void* buf, size_t len, uint64_t offset) {
    return inode_read(file->inode, buf, len, offset);
}

int64_t reg_pwrite(File* file, const void* buf, size_t len, uint64_t offset) {
    uint64_t end = 0;
    // As on Linux, pwrite on an O_APPEND file appends whatever the offset.
    return inode_write(file->inode, buf, len, offset, appending(file), &end);
}

int64_t reg_lseek(File* file, int64_t offset, int whence) {
    LockGuard guard(file->pos_lock);
    int64_t size;
    {
        LockGuard inode_guard(file->inode->lock);
        size = int64_t(file->inode->size);
    }
    int64_t base;
    switch (whence) {
        case seek::SET:
            base = 0;
            break;
        case seek::CUR:
            base = file->pos;
            break;
        case seek::END:
            base = size;
            break;
        case seek::DATA:
        case seek::HOLE:
            // The whole file is data here (holes are not reported, as Linux allows).
            if (offset < 0 || offset >= size) return -linux_errno::ENXIO;
            file->pos = whence == seek::DATA ? offset : size;
            return file->pos;
        default:
            return -linux_errno::EINVAL;
    }
    int64_t target;
    if (__builtin_add_overflow(base, offset, &target)) return -linux_errno::EOVERFLOW;
    if (target < 0) return -linux_errno::EINVAL;
    file->pos = target;
    return target;
}

// --- directories ---

int64_t dir_read(File*, void*, size_t) {
    return -linux_errno::EISDIR;
}

int64_t dir_write(File*, const void*, size_t) {
    return -linux_errno::EISDIR;
}

int64_t dir_pread(File*, void*, size_t, uint64_t) {
    return -linux_errno::EISDIR;
}

int64_t dir_pwrite(File*, const void*, size_t, uint64_t) {
    return -linux_errno::EISDIR;
}

int64_t dir_lseek(File* file, int64_t offset, int whence) {
    LockGuard guard(file->pos_lock);
    if (whence == seek::CUR) {
        if (__builtin_add_overflow(offset, file->pos, &offset)) return -linux_errno::EINVAL;
    } else if (whence != seek::SET) {
        return -linux_errno::EINVAL;
    }
    if (offset < 0) return -linux_errno::EINVAL;
    file->pos = offset;
    return offset;
}

struct DirentSink {
    uint8_t* buf;
    size_t len;
    size_t used;
    uint64_t next;  // the offset after the last entry written
    bool full;
};

// Writes one linux_dirent64 record; false (and nothing written) when it does not fit.
bool emit_dirent(void* ctx, Name name, uint64_t ino, uint8_t type, uint64_t cookie) {
    auto* sink = static_cast<DirentSink*>(ctx);
    const size_t reclen = (linux_abi::kDirent64HeaderBytes + name.len + 1 + 7) & ~size_t{7};
    if (reclen > sink->len - sink->used) {
        sink->full = true;
        return false;
    }
    uint8_t* rec = sink->buf + sink->used;
    const int64_t off = int64_t(cookie + 1);
    const uint16_t reclen16 = uint16_t(reclen);
    memset(rec, 0, reclen);
    memcpy(rec + 0, &ino, 8);
    memcpy(rec + 8, &off, 8);
    memcpy(rec + 16, &reclen16, 2);
    rec[18] = type;
    memcpy(rec + linux_abi::kDirent64HeaderBytes, name.data, name.len);
    sink->used += reclen;
    sink->next = cookie + 1;
    return true;
}

int64_t dir_getdents64(File* file, void* buf, size_t len) {
    LockGuard guard(file->pos_lock);
    LockGuard tree(tree_lock());
    Inode* dir = file->inode;
    if (is_dead_dir(dir)) return -linux_errno::ENOENT;
    DirentSink sink = {static_cast<uint8_t*>(buf), len, 0, uint64_t(file->pos), false};
    const uint64_t start = uint64_t(file->pos);
    bool more = true;
    if (start == 0) more = emit_dirent(&sink, Name{".", 1}, dir->ino, linux_abi::dtype::DIR, 0);
    if (more && start <= 1) {
        Inode* up = path_parent_of(dir);
        more = emit_dirent(&sink, Name{"..", 2}, up->ino, linux_abi::dtype::DIR, 1);
    }
    if (more) {
        const int err = dir->ops->iterate(dir, start < 2 ? 2 : start, emit_dirent, &sink);
        if (err < 0) return err;
    }
    if (sink.used == 0 && sink.full) return -linux_errno::EINVAL;  // the buffer is too small
    file->pos = int64_t(sink.next);
    if (sink.used > 0) inode_touch(dir, kTouchAtime);
    return int64_t(sink.used);
}

}  // namespace

constinit const FileOps kRegularFileOps = {
    .read = reg_read,
    .write = reg_write,
    .pread = reg_pread,
    .pwrite = reg_pwrite,
    .lseek = reg_lseek,
};

constinit const FileOps kDirectoryFileOps = {
    .read = dir_read,
    .write = dir_write,
    .pread = dir_pread,
    .pwrite = dir_pwrite,
    .lseek = dir_lseek,
    .getdents64 = dir_getdents64,
};

int64_t inode_read(Inode* file, void* buf, size_t len, uint64_t offset) {
    if (!is_reg(file)) return -linux_errno::EINVAL;
    LockGuard guard(file->lock);
    if (offset > kMaxFileSize) return 0;
    const int64_t n = file->ops->read(file, buf, len, offset);
    if (n > 0) inode_accessed_locked(file);
    return n;
}

void inode_accessed_locked(Inode* file) {
    // relatime: the access time moves only when it is older than the last change.
    if (older(file->atime, file->mtime) || older(file->atime, file->ctime)) {
        inode_touch_locked(file, kTouchAtime);
    }
}

int64_t inode_write(Inode* file, const void* buf, size_t len, uint64_t offset, bool append,
                    uint64_t* end) {
    return inode_write_buffer(file, const_cast<void*>(buf), 0, len, offset, append, end, nullptr);
}

int64_t inode_write_buffer(Inode* file, void* buf, unsigned order, size_t len, uint64_t offset,
                           bool append, uint64_t* end, bool* taken) {
    if (!is_reg(file)) return -linux_errno::EINVAL;
    LockGuard guard(file->lock);
    if (append) offset = file->size;
    if (offset >= kMaxFileSize && len > 0) return -linux_errno::EFBIG;
    if (len > kMaxFileSize - offset) len = size_t(kMaxFileSize - offset);
    if (len == 0) {
        *end = offset;
        return 0;
    }
    const int64_t n = taken != nullptr && file->ops->write_buffer != nullptr
                          ? file->ops->write_buffer(file, buf, order, len, offset, taken)
                          : file->ops->write(file, buf, len, offset);
    if (n > 0) {
        inode_touch_locked(file, kTouchMtime | kTouchCtime);
        *end = offset + uint64_t(n);
    } else {
        *end = offset;
    }
    return n;
}

int inode_adopt_page(Inode* file, uint64_t index, void* page) {
    if (!is_reg(file)) return -linux_errno::EINVAL;
    if (index >= (kMaxFileSize >> 12)) return -linux_errno::EFBIG;
    LockGuard guard(file->lock);
    return file->ops->adopt_page(file, index, page);
}

void* inode_get_page(Inode* file, uint64_t index, bool create) {
    if (!is_reg(file) || index > (kMaxFileSize >> 12)) return nullptr;
    LockGuard guard(file->lock);
    return file->ops->get_page(file, index, create);
}

int inode_fsync(Inode* inode) {
    return inode->ops->fsync != nullptr ? inode->ops->fsync(inode) : 0;
}

}  // namespace fs
