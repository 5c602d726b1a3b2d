// epoll_create*, epoll_ctl, epoll_wait/pwait/pwait2, eventfd/eventfd2.
#include "ipc/epoll.hpp"

#include "kernel/time.hpp"
#include "mm/kheap.hpp"
#include "syscalls/common.hpp"

namespace syscalls {

namespace {

using namespace linux_abi;

constexpr int kMaxEvents = 1024;

int64_t create(Args& a, uint32_t flags) {
    if (flags & ~oflag::CLOEXEC) return -EINVAL;
    fs::File* f = nullptr;
    const int r = ipc::epoll_create(&f);
    if (r < 0) return r;
    return install_fd(a, f, (flags & oflag::CLOEXEC) != 0);
}

int64_t wait(Args& a, uint64_t deadline) {
    const int max = int(a.a[2]);
    if (max <= 0) return -EINVAL;
    FileRef ep(a, int(a.a[0]));
    if (!ep) return -EBADF;
    if (!ipc::is_epoll(ep.get())) return -EINVAL;
    const int n = max < kMaxEvents ? max : kMaxEvents;
    if (!user_range_ok(a.a[1], uint64_t(n) * sizeof(ipc::EpollEvent))) return -EFAULT;
    auto* events = static_cast<ipc::EpollEvent*>(kmalloc(size_t(n) * sizeof(ipc::EpollEvent)));
    if (!events) return -ENOMEM;
    const int got = ipc::epoll_wait(ep.get(), events, n, deadline);
    int64_t r = got;
    if (got > 0 && copy_to_user(a.a[1], events, size_t(got) * sizeof(ipc::EpollEvent)) != 0) {
        r = -EFAULT;
    }
    kfree(events);
    return r;
}

uint64_t deadline_ms(int64_t timeout) {
    if (timeout < 0) return 0;
    if (timeout == 0) return ~uint64_t(0);
    return time_monotonic_ns() + uint64_t(timeout) * 1'000'000;
}

int64_t set_mask(Args& a, uint64_t user_mask, uint64_t size) {
    if (!user_mask) return 0;
    if (size != 8) return -EINVAL;
    uint64_t mask;
    if (get_user(&mask, user_mask) != 0) return -EFAULT;
    a.task->sigsuspend_saved = a.task->sig_blocked;
    a.task->sigsuspend_active = true;
    a.task->sig_blocked = mask & ~sig::kUnblockable;
    return 0;
}

int64_t make_eventfd(Args& a, uint64_t initial, uint64_t flags) {
    if (flags & ~uint64_t(oflag::CLOEXEC | oflag::NONBLOCK | 1)) return -EINVAL;
    fs::File* f = nullptr;
    const int r = ipc::eventfd_create(uint32_t(initial), uint32_t(flags), &f);
    if (r < 0) return r;
    return install_fd(a, f, (flags & oflag::CLOEXEC) != 0);
}

}  // namespace

int64_t sys_epoll_create(Args& a) {
    return int64_t(a.a[0]) <= 0 ? -EINVAL : create(a, 0);
}
int64_t sys_epoll_create1(Args& a) {
    return create(a, uint32_t(a.a[0]));
}
int64_t sys_epoll_ctl(Args& a) {
    FileRef ep(a, int(a.a[0]));
    FileRef target(a, int(a.a[2]));
    if (!ep || !target) return -EBADF;
    if (!ipc::is_epoll(ep.get())) return -EINVAL;
    if (target->inode && fs::is_reg(target->inode) && !ipc::is_epoll(target.get())) return -EPERM;
    ipc::EpollEvent ev{};
    const int op = int(a.a[1]);
    if (op != 2 && copy_from_user(&ev, a.a[3], sizeof(ev)) != 0) return -EFAULT;
    return ipc::epoll_ctl(ep.get(), op, int(a.a[2]), target.get(), op == 2 ? nullptr : &ev);
}
int64_t sys_epoll_wait(Args& a) {
    return wait(a, deadline_ms(int32_t(a.a[3])));
}
int64_t sys_epoll_pwait(Args& a) {
    const int64_t r = set_mask(a, a.a[4], a.a[5]);
    if (r < 0) return r;
    return wait(a, deadline_ms(int32_t(a.a[3])));
}
int64_t sys_epoll_pwait2(Args& a) {
    uint64_t deadline = 0;
    if (a.a[3]) {
        int64_t ts[2];
        if (copy_from_user(ts, a.a[3], sizeof(ts)) != 0) return -EFAULT;
        if (ts[0] < 0 || ts[1] < 0 || ts[1] >= 1'000'000'000) return -EINVAL;
        const uint64_t ns = uint64_t(ts[0]) * 1'000'000'000 + uint64_t(ts[1]);
        deadline = ns == 0 ? ~uint64_t(0) : time_monotonic_ns() + ns;
    }
    const int64_t r = set_mask(a, a.a[4], a.a[5]);
    if (r < 0) return r;
    return wait(a, deadline);
}
int64_t sys_eventfd(Args& a) {
    return make_eventfd(a, a.a[0], 0);
}
int64_t sys_eventfd2(Args& a) {
    return make_eventfd(a, a.a[0], a.a[1]);
}

}  // namespace syscalls
