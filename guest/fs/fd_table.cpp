#include "fs/fd_table.hpp"

#include "abi/errno.hpp"
#include "kernel/string.hpp"
#include "mm/kheap.hpp"

namespace fs {

namespace {

constexpr uint32_t kInitialCapacity = 64;

bool get_bit(const FdTable* t, int fd) {
    return (t->cloexec[fd / 64] >> (fd % 64)) & 1;
}

void set_bit(FdTable* t, int fd, bool on) {
    const uint64_t mask = uint64_t{1} << (fd % 64);
    if (on) {
        t->cloexec[fd / 64] |= mask;
    } else {
        t->cloexec[fd / 64] &= ~mask;
    }
}

bool valid(const FdTable* t, int fd) {
    return fd >= 0 && uint32_t(fd) < t->capacity && t->files[fd] != nullptr;
}

// Grows `files` so that `fd` has a slot (lock held). False when out of memory.
bool ensure_slot(FdTable* t, uint32_t fd) {
    if (fd < t->capacity) return true;
    uint32_t capacity = t->capacity == 0 ? kInitialCapacity : t->capacity;
    while (capacity <= fd) capacity *= 2;
    if (capacity > kMaxFds) capacity = kMaxFds;
    auto* files = static_cast<File**>(kzalloc(sizeof(File*) * capacity));
    if (files == nullptr) return false;
    if (t->capacity > 0) memcpy(files, t->files, sizeof(File*) * t->capacity);
    kfree(t->files);
    t->files = files;
    t->capacity = capacity;
    return true;
}

// The lowest free fd >= min_fd below the limit (lock held), or -EMFILE / -ENOMEM.
int find_free(FdTable* t, uint32_t min_fd) {
    for (uint32_t fd = min_fd; fd < t->limit; ++fd) {
        if (fd >= t->capacity) return ensure_slot(t, fd) ? int(fd) : -linux_errno::ENOMEM;
        if (t->files[fd] == nullptr) return int(fd);
    }
    return -linux_errno::EMFILE;
}

// Puts `file` at `fd` with its flag (lock held, slot exists); returns what was there.
File* place(FdTable* t, int fd, File* file, bool cloexec) {
    File* old = t->files[fd];
    t->files[fd] = file;
    set_bit(t, fd, cloexec);
    return old;
}

}  // namespace

FdTable* fd_table_create() {
    void* memory = kzalloc(sizeof(FdTable));
    if (memory == nullptr) return nullptr;
    auto* t = new (memory) FdTable();
    t->refs = 1;
    t->limit = kMaxFds;
    if (!ensure_slot(t, kInitialCapacity - 1)) {
        kdelete(t);
        return nullptr;
    }
    return t;
}

void fd_table_get(FdTable* table) {
    __atomic_add_fetch(&table->refs, 1, __ATOMIC_RELAXED);
}

void fd_table_put(FdTable* table) {
    if (table == nullptr) return;
    if (__atomic_sub_fetch(&table->refs, 1, __ATOMIC_ACQ_REL) != 0) return;
    for (uint32_t fd = 0; fd < table->capacity; ++fd) file_put(table->files[fd]);
    kfree(table->files);
    kdelete(table);
}

FdTable* fd_table_clone(FdTable* table) {
    FdTable* copy = fd_table_create();
    if (copy == nullptr) return nullptr;
    LockGuard guard(table->lock);
    if (!ensure_slot(copy, table->capacity - 1)) {
        fd_table_put(copy);
        return nullptr;
    }
    for (uint32_t fd = 0; fd < table->capacity; ++fd) {
        if (table->files[fd] != nullptr) file_get(table->files[fd]);
        copy->files[fd] = table->files[fd];
    }
    memcpy(copy->cloexec, table->cloexec, sizeof(copy->cloexec));
    copy->limit = table->limit;
    return copy;
}

int fd_install(FdTable* table, File* file, bool cloexec, int min_fd) {
    if (min_fd < 0) return -linux_errno::EINVAL;
    LockGuard guard(table->lock);
    const int fd = find_free(table, uint32_t(min_fd));
    if (fd < 0) return fd;
    file_get(file);
    place(table, fd, file, cloexec);
    return fd;
}

File* fd_get(FdTable* table, int fd) {
    LockGuard guard(table->lock);
    if (!valid(table, fd)) return nullptr;
    file_get(table->files[fd]);
    return table->files[fd];
}

int fd_close(FdTable* table, int fd) {
    File* old;
    {
        LockGuard guard(table->lock);
        if (!valid(table, fd)) return -linux_errno::EBADF;
        old = place(table, fd, nullptr, false);
    }
    file_put(old);
    return 0;
}

int fd_dup(FdTable* table, int oldfd, int min_fd, bool cloexec) {
    LockGuard guard(table->lock);
    if (!valid(table, oldfd)) return -linux_errno::EBADF;
    if (min_fd < 0 || uint32_t(min_fd) >= table->limit) return -linux_errno::EINVAL;
    const int fd = find_free(table, uint32_t(min_fd));
    if (fd < 0) return fd;
    file_get(table->files[oldfd]);
    place(table, fd, table->files[oldfd], cloexec);
    return fd;
}

namespace {

int dup_to(FdTable* table, int oldfd, int newfd, bool cloexec) {
    File* old;
    {
        LockGuard guard(table->lock);
        if (!valid(table, oldfd)) return -linux_errno::EBADF;
        if (newfd < 0 || uint32_t(newfd) >= table->limit) return -linux_errno::EBADF;
        if (!ensure_slot(table, uint32_t(newfd))) return -linux_errno::ENOMEM;
        file_get(table->files[oldfd]);
        old = place(table, newfd, table->files[oldfd], cloexec);
    }
    file_put(old);
    return newfd;
}

}  // namespace

int fd_dup2(FdTable* table, int oldfd, int newfd) {
    if (oldfd == newfd) {
        LockGuard guard(table->lock);
        return valid(table, oldfd) ? newfd : -linux_errno::EBADF;
    }
    return dup_to(table, oldfd, newfd, false);
}

int fd_dup3(FdTable* table, int oldfd, int newfd, uint32_t flags) {
    if (flags & ~linux_abi::oflag::CLOEXEC) return -linux_errno::EINVAL;
    if (oldfd == newfd) return -linux_errno::EINVAL;
    return dup_to(table, oldfd, newfd, (flags & linux_abi::oflag::CLOEXEC) != 0);
}

int fd_get_fd_flags(FdTable* table, int fd) {
    LockGuard guard(table->lock);
    if (!valid(table, fd)) return -linux_errno::EBADF;
    return get_bit(table, fd) ? int(linux_abi::fcntl_cmd::FD_CLOEXEC_FLAG) : 0;
}

int fd_set_fd_flags(FdTable* table, int fd, uint32_t flags) {
    LockGuard guard(table->lock);
    if (!valid(table, fd)) return -linux_errno::EBADF;
    set_bit(table, fd, (flags & linux_abi::fcntl_cmd::FD_CLOEXEC_FLAG) != 0);
    return 0;
}

void fd_close_on_exec(FdTable* table) {
    // In batches, so that the Files are released without the lock held.
    constexpr uint32_t kBatch = 32;
    File* batch[kBatch];
    uint32_t n;
    do {
        n = 0;
        {
            LockGuard guard(table->lock);
            for (uint32_t fd = 0; fd < table->capacity && n < kBatch; ++fd) {
                if (table->files[fd] != nullptr && get_bit(table, int(fd))) {
                    batch[n++] = place(table, int(fd), nullptr, false);
                }
            }
        }
        for (uint32_t i = 0; i < n; ++i) file_put(batch[i]);
    } while (n == kBatch);
}

int fd_next_open(FdTable* table, int from) {
    LockGuard guard(table->lock);
    for (uint32_t fd = from < 0 ? 0 : uint32_t(from); fd < table->capacity; ++fd) {
        if (table->files[fd] != nullptr) return int(fd);
    }
    return -1;
}

int fd_set_limit(FdTable* table, uint32_t limit) {
    if (limit > kMaxFds) return -linux_errno::EPERM;
    LockGuard guard(table->lock);
    table->limit = limit;
    return 0;
}

uint32_t fd_limit(FdTable* table) {
    LockGuard guard(table->lock);
    return table->limit;
}

}  // namespace fs
