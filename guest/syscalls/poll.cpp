// poll, ppoll, select, pselect6 over file_poll() readiness and the domain-wide poll queue
// (ipc/poll_wait.hpp).
#include "ipc/poll_wait.hpp"
#include "kernel/time.hpp"
#include "mm/kheap.hpp"
#include "syscalls/common.hpp"

namespace syscalls {

namespace {

using namespace linux_abi;

constexpr uint32_t kMaxFds = 1024;

struct PollFd {
    int32_t fd;
    int16_t events, revents;
};

// Runs `scan` (returns the number of ready entries) until something is ready, the deadline
// (monotonic ns; 0 = none, ~0 = do not wait) passes, or a signal arrives.
template <typename Scan>
int64_t wait_ready(uint64_t deadline, Scan scan) {
    for (;;) {
        ipc::poll_lock().lock();
        const uint64_t generation = ipc::poll_generation();
        ipc::poll_lock().unlock();
        const int64_t ready = scan();
        if (ready != 0 || deadline == ~uint64_t(0)) return ready;
        if (deadline && time_monotonic_ns() >= deadline) return 0;
        ipc::poll_lock().lock();
        if (ipc::poll_generation() != generation) {
            ipc::poll_lock().unlock();
            continue;
        }
        const int r = sched::wait(ipc::poll_queue(), ipc::poll_lock(), deadline);
        ipc::poll_lock().unlock();
        if (r == -EINTR) return -EINTR;
    }
}

int64_t do_poll(Args& a, uint64_t user_fds, uint64_t nfds, uint64_t deadline) {
    if (nfds > kMaxFds) return -EINVAL;
    PollFd* fds = static_cast<PollFd*>(kmalloc(nfds * sizeof(PollFd) + 1));
    if (!fds) return -ENOMEM;
    if (copy_from_user(fds, user_fds, nfds * sizeof(PollFd)) != 0) {
        kfree(fds);
        return -EFAULT;
    }
    const int64_t r = wait_ready(deadline, [&]() -> int64_t {
        int64_t ready = 0;
        for (uint64_t i = 0; i < nfds; ++i) {
            fds[i].revents = 0;
            if (fds[i].fd < 0) continue;
            FileRef f(a, fds[i].fd);
            if (!f) {
                fds[i].revents = int16_t(poll_event::NVAL);
            } else {
                const uint32_t m = fs::file_poll(f.get());
                fds[i].revents = int16_t(m & (uint32_t(uint16_t(fds[i].events)) | poll_event::ERR |
                                              poll_event::HUP | poll_event::NVAL));
            }
            if (fds[i].revents) ++ready;
        }
        return ready;
    });
    if (r >= 0 && copy_to_user(user_fds, fds, nfds * sizeof(PollFd)) != 0) {
        kfree(fds);
        return -EFAULT;
    }
    kfree(fds);
    return r;
}

int64_t do_select(Args& a, uint64_t nfds, uint64_t rp, uint64_t wp, uint64_t ep,
                  uint64_t deadline) {
    if (int64_t(nfds) < 0 || nfds > kMaxFds) return -EINVAL;
    const size_t bytes = ((nfds + 63) / 64) * 8;
    uint64_t in[3][kMaxFds / 64] = {}, out[3][kMaxFds / 64] = {};
    const uint64_t ptr[3] = {rp, wp, ep};
    for (int k = 0; k < 3; ++k) {
        if (ptr[k] && copy_from_user(in[k], ptr[k], bytes) != 0) return -EFAULT;
    }
    constexpr uint32_t kIn = poll_event::IN | poll_event::HUP | poll_event::ERR;
    constexpr uint32_t kOut = poll_event::OUT | poll_event::ERR;
    const int64_t r = wait_ready(deadline, [&]() -> int64_t {
        int64_t ready = 0;
        for (int k = 0; k < 3; ++k) {
            for (size_t w = 0; w < bytes / 8; ++w) out[k][w] = 0;
        }
        for (uint64_t fd = 0; fd < nfds; ++fd) {
            const uint64_t bit = uint64_t(1) << (fd % 64);
            const size_t w = fd / 64;
            if (!((in[0][w] | in[1][w] | in[2][w]) & bit)) continue;
            FileRef f(a, int(fd));
            if (!f) return -EBADF;
            const uint32_t m = fs::file_poll(f.get());
            if ((in[0][w] & bit) && (m & kIn)) out[0][w] |= bit, ++ready;
            if ((in[1][w] & bit) && (m & kOut)) out[1][w] |= bit, ++ready;
            if ((in[2][w] & bit) && (m & poll_event::PRI)) out[2][w] |= bit, ++ready;
        }
        return ready;
    });
    if (r < 0) return r;
    for (int k = 0; k < 3; ++k) {
        if (ptr[k] && copy_to_user(ptr[k], out[k], bytes) != 0) return -EFAULT;
    }
    return r;
}

// Timeout arguments to a deadline: ~0 for "do not wait", 0 for "forever".
uint64_t deadline_after_ns(uint64_t ns) {
    if (ns == 0) return ~uint64_t(0);
    const uint64_t d = time_monotonic_ns() + ns;
    return d == 0 ? 1 : d;
}

int64_t read_timespec_deadline(uint64_t user, uint64_t* deadline) {
    if (!user) {
        *deadline = 0;
        return 0;
    }
    int64_t ts[2];
    if (copy_from_user(ts, user, sizeof(ts)) != 0) return -EFAULT;
    if (ts[0] < 0 || ts[1] < 0 || ts[1] >= 1'000'000'000) return -EINVAL;
    *deadline = deadline_after_ns(uint64_t(ts[0]) * 1'000'000'000 + uint64_t(ts[1]));
    return 0;
}

int64_t set_temporary_mask(Args& a, uint64_t user_mask, uint64_t size) {
    if (!user_mask) return 0;
    if (size != 8) return -EINVAL;
    uint64_t mask;
    if (get_user(&mask, user_mask) != 0) return -EFAULT;
    Task* t = a.task;
    t->sigsuspend_saved = t->sig_blocked;
    t->sigsuspend_active = true;
    t->sig_blocked = mask & ~sig::kUnblockable;
    return 0;
}

}  // namespace

int64_t sys_poll(Args& a) {
    const int64_t timeout = int32_t(a.a[2]);
    const uint64_t deadline = timeout < 0 ? 0 : deadline_after_ns(uint64_t(timeout) * 1'000'000);
    return do_poll(a, a.a[0], a.a[1], deadline);
}

int64_t sys_ppoll(Args& a) {
    uint64_t deadline;
    int64_t r = read_timespec_deadline(a.a[2], &deadline);
    if (r < 0) return r;
    if ((r = set_temporary_mask(a, a.a[3], a.a[4])) < 0) return r;
    return do_poll(a, a.a[0], a.a[1], deadline);
}

int64_t sys_select(Args& a) {
    uint64_t deadline = 0;
    if (a.a[4]) {
        int64_t tv[2];
        if (copy_from_user(tv, a.a[4], sizeof(tv)) != 0) return -EFAULT;
        if (tv[0] < 0 || tv[1] < 0 || tv[1] >= 1'000'000) return -EINVAL;
        deadline = deadline_after_ns(uint64_t(tv[0]) * 1'000'000'000 + uint64_t(tv[1]) * 1000);
    }
    return do_select(a, a.a[0], a.a[1], a.a[2], a.a[3], deadline);
}

int64_t sys_pselect6(Args& a) {
    uint64_t deadline;
    int64_t r = read_timespec_deadline(a.a[4], &deadline);
    if (r < 0) return r;
    if (a.a[5]) {
        uint64_t sig[2];  // { const sigset_t* ss; size_t ss_len; }
        if (copy_from_user(sig, a.a[5], sizeof(sig)) != 0) return -EFAULT;
        if ((r = set_temporary_mask(a, sig[0], sig[1])) < 0) return r;
    }
    return do_select(a, a.a[0], a.a[1], a.a[2], a.a[3], deadline);
}

}  // namespace syscalls
