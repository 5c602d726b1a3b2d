#include "ipc/epoll.hpp"

#include "abi/errno.hpp"
#include "abi/linux_types.hpp"
#include "fs/file.hpp"
#include "fs/inode.hpp"
#include "ipc/poll_wait.hpp"
#include "kernel/time.hpp"
#include "mm/kheap.hpp"

namespace ipc {

namespace {

using namespace linux_errno;

constexpr uint32_t EPOLLIN = 0x1, EPOLLOUT = 0x4, EPOLLERR = 0x8, EPOLLHUP = 0x10,
                   EPOLLRDHUP = 0x2000, EPOLLEXCLUSIVE = 1u << 28, EPOLLWAKEUP = 1u << 29,
                   EPOLLONESHOT = 1u << 30, EPOLLET = 1u << 31;
constexpr uint32_t kAlways = EPOLLERR | EPOLLHUP;

struct Interest {
    int fd;
    fs::File* file;  // a reference
    uint32_t events;
    uint64_t data;
    uint32_t seen;   // EPOLLET: readiness bits already reported and not yet seen clear
    uint64_t wakes;  // EPOLLET: the file's wake_count when it was last scanned
    bool disabled;   // EPOLLONESHOT fired
    Interest* next;
};

struct Epoll {
    SpinLock lock;
    Interest* list;
};

Epoll* epoll_of(fs::File* f) {
    return static_cast<Epoll*>(f->private_data);
}

void epoll_release(fs::File* f) {
    Epoll* ep = epoll_of(f);
    while (Interest* i = ep->list) {
        ep->list = i->next;
        fs::file_put(i->file);
        kfree(i);
    }
    kfree(ep);
}

uint32_t epoll_poll(fs::File* f);

const fs::FileOps kEpollOps = {nullptr, nullptr, nullptr,    nullptr,      nullptr,
                               nullptr, nullptr, epoll_poll, epoll_release};

// Ready events into `out` (at most max). Lock held.
int scan(Epoll* ep, EpollEvent* out, int max) {
    int n = 0;
    for (Interest* i = ep->list; i && n < max; i = i->next) {
        if (i->disabled) continue;
        const uint32_t mask = fs::file_poll(i->file) & (i->events | kAlways);
        uint32_t report = mask;
        if (i->events & EPOLLET) {
            // An edge: a bit that was clear, or any event on the file since the last scan
            // (then everything ready is reported, as Linux's ready list does).
            const uint64_t wakes = i->file->ops->wake_count ? i->file->ops->wake_count(i->file) : 0;
            report = wakes != i->wakes ? mask : mask & ~i->seen;
            i->seen = mask;  // bits that went clear may be reported again later
            i->wakes = wakes;
        }
        if (!report) continue;
        if (out) out[n] = EpollEvent{report, i->data};
        ++n;
        if (out && (i->events & EPOLLONESHOT)) i->disabled = true;
    }
    return n;
}

uint32_t epoll_poll(fs::File* f) {
    Epoll* ep = epoll_of(f);
    LockGuard guard(ep->lock);
    for (Interest* i = ep->list; i; i = i->next) {
        if (!i->disabled && (fs::file_poll(i->file) & (i->events | kAlways))) {
            return linux_abi::poll_event::IN;
        }
    }
    return 0;
}

}  // namespace

int epoll_create(fs::File** out) {
    Epoll* ep = knew<Epoll>();
    fs::Inode* inode = fs::inode_create_anonymous(linux_abi::smode::IFREG | 0600);
    if (!ep || !inode) {
        kfree(ep);
        fs::inode_put(inode);
        return -ENOMEM;
    }
    fs::File* f = fs::file_create(&kEpollOps, inode, linux_abi::oflag::RDWR);
    if (!f) {
        kfree(ep);
        return -ENOMEM;
    }
    f->private_data = ep;
    *out = f;
    return 0;
}

bool is_epoll(const fs::File* file) {
    return file->ops == &kEpollOps;
}

int epoll_ctl(fs::File* epoll, int op, int fd, fs::File* target, const EpollEvent* event) {
    if (target == epoll) return -EINVAL;
    Epoll* ep = epoll_of(epoll);
    LockGuard guard(ep->lock);
    Interest** link = &ep->list;
    while (*link && !((*link)->fd == fd && (*link)->file == target)) link = &(*link)->next;
    Interest* found = *link;
    const uint32_t events = event ? (event->events & ~(EPOLLEXCLUSIVE | EPOLLWAKEUP)) : 0;
    switch (op) {
        case 1: {  // ADD
            if (found) return -EEXIST;
            Interest* i = knew<Interest>();
            if (!i) return -ENOMEM;
            fs::file_get(target);
            const uint64_t wakes = target->ops->wake_count ? target->ops->wake_count(target) : 0;
            *i = Interest{fd, target, events, event->data, 0, wakes, false, ep->list};
            ep->list = i;
            break;
        }
        case 2:  // DEL
            if (!found) return -ENOENT;
            *link = found->next;
            fs::file_put(found->file);
            kfree(found);
            break;
        case 3:  // MOD
            if (!found) return -ENOENT;
            found->events = events;
            found->data = event->data;
            found->seen = 0;
            found->disabled = false;
            break;
        default:
            return -EINVAL;
    }
    poll_wake_all();  // a waiter may now have something to report
    return 0;
}

int epoll_wait(fs::File* epoll, EpollEvent* events, int max, uint64_t deadline) {
    Epoll* ep = epoll_of(epoll);
    for (;;) {
        poll_lock().lock();
        const uint64_t generation = poll_generation();
        poll_lock().unlock();
        int n;
        {
            LockGuard guard(ep->lock);
            n = scan(ep, events, max);
        }
        if (n > 0 || deadline == ~uint64_t(0)) return n;
        if (deadline && time_monotonic_ns() >= deadline) return 0;
        poll_lock().lock();
        if (poll_generation() != generation) {
            poll_lock().unlock();
            continue;
        }
        const int r = sched::wait(poll_queue(), poll_lock(), deadline);
        poll_lock().unlock();
        if (r == -EINTR) return -EINTR;
    }
}

}  // namespace ipc
