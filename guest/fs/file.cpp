#include "fs/file.hpp"

#include "abi/errno.hpp"
#include "fs/vfs.hpp"
#include "mm/kheap.hpp"

namespace fs {

namespace {

namespace oflag = linux_abi::oflag;
namespace poll_event = linux_abi::poll_event;

constexpr size_t kMaxRwCount = 0x7ffff000;  // Linux's MAX_RW_COUNT
// F_SETFL may change these (Linux's SETFL_MASK); the rest of the flags are kept.
constexpr uint32_t kSettableFlags =
    oflag::APPEND | oflag::NONBLOCK | oflag::ASYNC | oflag::DIRECT | oflag::NOATIME;

uint32_t flags_of(const File* file) {
    return __atomic_load_n(&file->flags, __ATOMIC_RELAXED);
}

bool is_path(const File* file) {
    return (flags_of(file) & oflag::PATH) != 0;
}

size_t cap(size_t len) {
    return len > kMaxRwCount ? kMaxRwCount : len;
}

}  // namespace

constinit const FileOps kPathFileOps = {};

File* file_create(const FileOps* ops, Inode* inode, uint32_t flags) {
    void* memory = kzalloc(sizeof(File));
    if (memory == nullptr) {
        inode_put(inode);
        return nullptr;
    }
    auto* file = new (memory) File();
    file->ops = ops;
    file->inode = inode;
    file->refs = 1;
    file->flags = flags;
    return file;
}

void file_get(File* file) {
    __atomic_add_fetch(&file->refs, 1, __ATOMIC_RELAXED);
}

void file_put(File* file) {
    if (file == nullptr) return;
    if (__atomic_sub_fetch(&file->refs, 1, __ATOMIC_ACQ_REL) != 0) return;
    if (file->ops->release != nullptr) file->ops->release(file);
    inode_put(file->inode);
    kdelete(file);
}

bool file_readable(const File* file) {
    const uint32_t mode = flags_of(file) & oflag::ACCMODE;
    return !is_path(file) && (mode == oflag::RDONLY || mode == oflag::RDWR);
}

bool file_writable(const File* file) {
    const uint32_t mode = flags_of(file) & oflag::ACCMODE;
    return !is_path(file) && (mode == oflag::WRONLY || mode == oflag::RDWR);
}

int64_t file_read(File* file, void* buf, size_t len) {
    if (!file_readable(file)) return -linux_errno::EBADF;
    if (file->ops->read == nullptr) return -linux_errno::EINVAL;
    return file->ops->read(file, buf, cap(len));
}

int64_t file_write(File* file, const void* buf, size_t len) {
    if (!file_writable(file)) return -linux_errno::EBADF;
    if (file->ops->write == nullptr) return -linux_errno::EINVAL;
    return file->ops->write(file, buf, cap(len));
}

int64_t file_pread(File* file, void* buf, size_t len, int64_t offset) {
    if (!file_readable(file)) return -linux_errno::EBADF;
    if (offset < 0) return -linux_errno::EINVAL;
    if (file->ops->pread == nullptr) return -linux_errno::ESPIPE;
    return file->ops->pread(file, buf, cap(len), uint64_t(offset));
}

int64_t file_pwrite(File* file, const void* buf, size_t len, int64_t offset) {
    if (!file_writable(file)) return -linux_errno::EBADF;
    if (offset < 0) return -linux_errno::EINVAL;
    if (file->ops->pwrite == nullptr) return -linux_errno::ESPIPE;
    return file->ops->pwrite(file, buf, cap(len), uint64_t(offset));
}

int64_t file_lseek(File* file, int64_t offset, int whence) {
    if (is_path(file)) return -linux_errno::EBADF;
    if (file->ops->lseek == nullptr) return -linux_errno::ESPIPE;
    return file->ops->lseek(file, offset, whence);
}

int64_t file_getdents64(File* file, void* buf, size_t len) {
    if (is_path(file)) return -linux_errno::EBADF;
    if (file->ops->getdents64 == nullptr) return -linux_errno::ENOTDIR;
    return file->ops->getdents64(file, buf, cap(len));
}

int64_t file_ioctl(File* file, uint32_t cmd, uint64_t arg) {
    if (is_path(file)) return -linux_errno::EBADF;
    if (file->ops->ioctl == nullptr) return -linux_errno::ENOTTY;
    return file->ops->ioctl(file, cmd, arg);
}

uint32_t file_poll(File* file) {
    if (file->ops->poll == nullptr || is_path(file)) {
        return poll_event::IN | poll_event::OUT | poll_event::RDNORM | poll_event::WRNORM;
    }
    return file->ops->poll(file);
}

int file_truncate(File* file, int64_t length) {
    if (is_path(file)) return -linux_errno::EBADF;
    if (length < 0) return -linux_errno::EINVAL;
    if (file->inode == nullptr || !is_reg(file->inode) || !file_writable(file)) {
        return -linux_errno::EINVAL;
    }
    return inode_truncate(file->inode, length);
}

uint32_t file_get_flags(const File* file) {
    return flags_of(file);
}

void file_set_flags(File* file, uint32_t flags) {
    uint32_t old = flags_of(file);
    uint32_t wanted;
    do {
        wanted = (old & ~kSettableFlags) | (flags & kSettableFlags);
    } while (!__atomic_compare_exchange_n(&file->flags, &old, wanted, false, __ATOMIC_RELAXED,
                                          __ATOMIC_RELAXED));
}

}  // namespace fs
