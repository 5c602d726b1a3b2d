#include "ipc/pipe.hpp"

#include "abi/errno.hpp"
#include "abi/linux_types.hpp"
#include "fs/file.hpp"
#include "fs/inode.hpp"
#include "ipc/poll_wait.hpp"
#include "kernel/string.hpp"
#include "mm/kheap.hpp"
#include "mm/usercopy.hpp"
#include "proc/process.hpp"
#include "proc/signal.hpp"
#include "proc/task.hpp"
#include "syscalls/dispatch.hpp"

namespace ipc {

namespace {

using namespace linux_errno;
using linux_abi::poll_event::ERR;
using linux_abi::poll_event::HUP;
using linux_abi::poll_event::IN;
using linux_abi::poll_event::OUT;

struct Pipe {
    SpinLock lock;
    uint8_t* ring;
    uint32_t head;   // next byte to read
    uint32_t count;  // bytes buffered
    uint32_t readers, writers;
    WaitQueue readable, writable;
    uint64_t wakes;  // moves at every read, write and close (epoll's edges)
};

Pipe* pipe_of(fs::File* f) {
    return static_cast<Pipe*>(f->private_data);
}

bool nonblocking(const fs::File* f) {
    return (fs::file_get_flags(f) & linux_abi::oflag::NONBLOCK) != 0;
}

int64_t pipe_read(fs::File* f, void* buf, size_t len) {
    Pipe* p = pipe_of(f);
    if (len == 0) return 0;
    p->lock.lock();
    while (p->count == 0) {
        if (p->writers == 0) {
            p->lock.unlock();
            return 0;
        }
        if (nonblocking(f)) {
            p->lock.unlock();
            return -EAGAIN;
        }
        if (sched::wait(p->readable, p->lock, 0) == -EINTR) {
            p->lock.unlock();
            return -syscalls::kRestartSys;
        }
    }
    const uint32_t n = len < p->count ? uint32_t(len) : p->count;
    const uint32_t first = n < kPipeCapacity - p->head ? n : kPipeCapacity - p->head;
    memcpy(buf, p->ring + p->head, first);
    memcpy(static_cast<uint8_t*>(buf) + first, p->ring, n - first);
    p->head = (p->head + n) % kPipeCapacity;
    p->count -= n;
    ++p->wakes;
    sched::wake_all(p->writable);
    p->lock.unlock();
    poll_wake_all();
    return n;
}

int64_t pipe_write(fs::File* f, const void* buf, size_t len) {
    Pipe* p = pipe_of(f);
    const uint8_t* src = static_cast<const uint8_t*>(buf);
    size_t done = 0;
    p->lock.lock();
    while (done < len) {
        if (p->readers == 0) {
            p->lock.unlock();
            Task* t = current();
            proc::send_to_task(t, sig::SIGPIPE,
                               SigInfo{sig::SIGPIPE, sig::SI_USER, 0, t->proc->pid, 0});
            return done ? int64_t(done) : -EPIPE;
        }
        const uint32_t room = kPipeCapacity - p->count;
        const size_t want = len - done;
        // Up to PIPE_BUF bytes go in at once or not at all.
        if (room == 0 || (want <= kPipeBuf && room < want)) {
            if (nonblocking(f)) {
                p->lock.unlock();
                return done ? int64_t(done) : -EAGAIN;
            }
            if (sched::wait(p->writable, p->lock, 0) == -EINTR) {
                p->lock.unlock();
                return done ? int64_t(done) : -syscalls::kRestartSys;
            }
            continue;
        }
        const uint32_t n = want < room ? uint32_t(want) : room;
        const uint32_t tail = (p->head + p->count) % kPipeCapacity;
        const uint32_t first = n < kPipeCapacity - tail ? n : kPipeCapacity - tail;
        memcpy(p->ring + tail, src + done, first);
        memcpy(p->ring, src + done + first, n - first);
        p->count += n;
        done += n;
        ++p->wakes;
        sched::wake_all(p->readable);
        p->lock.unlock();
        poll_wake_all();
        p->lock.lock();
    }
    p->lock.unlock();
    return int64_t(done);
}

uint32_t pipe_poll(fs::File* f) {
    Pipe* p = pipe_of(f);
    LockGuard guard(p->lock);
    const bool reader = !fs::file_writable(f);
    uint32_t mask = 0;
    if (reader) {
        if (p->count > 0) mask |= IN;
        if (p->writers == 0) mask |= HUP;
    } else {
        if (p->readers == 0)
            mask |= ERR;
        else if (p->count < kPipeCapacity)
            mask |= OUT;
    }
    return mask;
}

void pipe_release(fs::File* f) {
    Pipe* p = pipe_of(f);
    p->lock.lock();
    if (fs::file_writable(f)) {
        --p->writers;
    } else {
        --p->readers;
    }
    const bool last = p->readers == 0 && p->writers == 0;
    ++p->wakes;
    sched::wake_all(p->readable);
    sched::wake_all(p->writable);
    p->lock.unlock();
    poll_wake_all();
    if (last) {
        kfree(p->ring);
        kfree(p);
    }
}

int64_t pipe_ioctl(fs::File* f, uint32_t cmd, uint64_t arg);

uint64_t pipe_wake_count(fs::File* f) {
    Pipe* p = pipe_of(f);
    LockGuard guard(p->lock);
    return p->wakes;
}

const fs::FileOps kPipeOps = {pipe_read, pipe_write, nullptr,   nullptr,      nullptr,
                              nullptr,   pipe_ioctl, pipe_poll, pipe_release, pipe_wake_count};

int64_t pipe_ioctl(fs::File* f, uint32_t cmd, uint64_t arg) {
    if (cmd != 0x541b /* FIONREAD */) return -ENOTTY;
    Pipe* p = pipe_of(f);
    int32_t n;
    {
        LockGuard guard(p->lock);
        n = int32_t(p->count);
    }
    return put_user(arg, n) == 0 ? 0 : -EFAULT;
}

}  // namespace

int pipe_create(bool nonblock, fs::File* ends[2]) {
    Pipe* p = knew<Pipe>();
    uint8_t* ring = static_cast<uint8_t*>(kmalloc(kPipeCapacity));
    fs::Inode* inode = fs::inode_create_anonymous(linux_abi::smode::IFIFO | 0600);
    if (!p || !ring || !inode) {
        kfree(p);
        kfree(ring);
        fs::inode_put(inode);
        return -ENOMEM;
    }
    p->ring = ring;
    p->readers = p->writers = 1;
    fs::inode_get(inode);  // one reference per File
    const uint32_t nb = nonblock ? linux_abi::oflag::NONBLOCK : 0;
    ends[0] = fs::file_create(&kPipeOps, inode, linux_abi::oflag::RDONLY | nb);
    if (ends[0]) ends[0]->private_data = p;
    ends[1] = fs::file_create(&kPipeOps, inode, linux_abi::oflag::WRONLY | nb);
    if (ends[1]) ends[1]->private_data = p;
    if (!ends[0] || !ends[1]) {
        // file_create dropped the inode reference of the failed File; releasing the other
        // end frees the pipe once both counts are 0.
        if (!ends[0]) --p->readers;
        if (!ends[1]) --p->writers;
        if (ends[0]) fs::file_put(ends[0]);
        if (ends[1]) fs::file_put(ends[1]);
        if (!ends[0] && !ends[1]) {
            kfree(ring);
            kfree(p);
        }
        return -ENOMEM;
    }
    return 0;
}

int64_t pipe_capacity(fs::File* file) {
    return file->ops == &kPipeOps ? int64_t(kPipeCapacity) : -EBADF;
}

}  // namespace ipc
