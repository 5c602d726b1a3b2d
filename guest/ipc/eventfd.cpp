// eventfd2(2): a 64-bit counter; write adds, read takes it (or 1 with EFD_SEMAPHORE).
#include "abi/errno.hpp"
#include "abi/linux_types.hpp"
#include "fs/file.hpp"
#include "fs/inode.hpp"
#include "ipc/epoll.hpp"
#include "ipc/poll_wait.hpp"
#include "kernel/string.hpp"
#include "mm/kheap.hpp"
#include "syscalls/dispatch.hpp"

namespace ipc {

namespace {

using namespace linux_errno;

constexpr uint32_t EFD_SEMAPHORE = 1;
constexpr uint64_t kMax = ~uint64_t(0) - 1;

struct EventFd {
    SpinLock lock;
    uint64_t count;
    bool semaphore;
    WaitQueue readers, writers;
};

EventFd* of(fs::File* f) {
    return static_cast<EventFd*>(f->private_data);
}

bool nonblocking(const fs::File* f) {
    return (fs::file_get_flags(f) & linux_abi::oflag::NONBLOCK) != 0;
}

int64_t ev_read(fs::File* f, void* buf, size_t len) {
    if (len < 8) return -EINVAL;
    EventFd* e = of(f);
    e->lock.lock();
    while (e->count == 0) {
        if (nonblocking(f)) {
            e->lock.unlock();
            return -EAGAIN;
        }
        if (sched::wait(e->readers, e->lock, 0) == -EINTR) {
            e->lock.unlock();
            return -syscalls::kRestartSys;
        }
    }
    const uint64_t value = e->semaphore ? 1 : e->count;
    e->count -= value;
    sched::wake_all(e->writers);
    e->lock.unlock();
    memcpy(buf, &value, 8);
    poll_wake_all();
    return 8;
}

int64_t ev_write(fs::File* f, const void* buf, size_t len) {
    if (len < 8) return -EINVAL;
    uint64_t value;
    memcpy(&value, buf, 8);
    if (value == ~uint64_t(0)) return -EINVAL;
    EventFd* e = of(f);
    e->lock.lock();
    while (kMax - e->count < value) {
        if (nonblocking(f)) {
            e->lock.unlock();
            return -EAGAIN;
        }
        if (sched::wait(e->writers, e->lock, 0) == -EINTR) {
            e->lock.unlock();
            return -syscalls::kRestartSys;
        }
    }
    e->count += value;
    if (e->count) sched::wake_all(e->readers);
    e->lock.unlock();
    poll_wake_all();
    return 8;
}

uint32_t ev_poll(fs::File* f) {
    EventFd* e = of(f);
    LockGuard guard(e->lock);
    uint32_t mask = 0;
    if (e->count > 0) mask |= linux_abi::poll_event::IN;
    if (e->count < kMax) mask |= linux_abi::poll_event::OUT;
    return mask;
}

void ev_release(fs::File* f) {
    kfree(of(f));
}

const fs::FileOps kEventFdOps = {ev_read, ev_write, nullptr, nullptr,   nullptr,
                                 nullptr, nullptr,  ev_poll, ev_release};

}  // namespace

int eventfd_create(uint32_t initial, uint32_t flags, fs::File** out) {
    EventFd* e = knew<EventFd>();
    fs::Inode* inode = fs::inode_create_anonymous(linux_abi::smode::IFREG | 0600);
    if (!e || !inode) {
        kfree(e);
        fs::inode_put(inode);
        return -ENOMEM;
    }
    e->count = initial;
    e->semaphore = (flags & EFD_SEMAPHORE) != 0;
    fs::File* f = fs::file_create(&kEventFdOps, inode,
                                  linux_abi::oflag::RDWR | (flags & linux_abi::oflag::NONBLOCK));
    if (!f) {
        kfree(e);
        return -ENOMEM;
    }
    f->private_data = e;
    *out = f;
    return 0;
}

}  // namespace ipc
