#include "proc/futex.hpp"

#include "abi/errno.hpp"
#include "mm/usercopy.hpp"
#include "proc/sched.hpp"
#include "syscalls/dispatch.hpp"

namespace proc {

namespace {

constexpr unsigned kBuckets = 64;

struct Waiter {
    mm::AddressSpace* as;
    uint64_t uaddr;
    uint32_t bitset;
    bool queued;
    WaitQueue queue;
    Waiter* next;
};

struct Bucket {
    SpinLock lock;
    Waiter* head = nullptr;
};

constinit Bucket g_buckets[kBuckets] = {};

Bucket& bucket_of(mm::AddressSpace* as, uint64_t uaddr) {
    const uint64_t h = (reinterpret_cast<uint64_t>(as) >> 6) ^ (uaddr >> 2) ^ (uaddr >> 12);
    return g_buckets[h % kBuckets];
}

void unlink(Bucket& b, Waiter* w) {
    for (Waiter** link = &b.head; *link; link = &(*link)->next) {
        if (*link == w) {
            *link = w->next;
            break;
        }
    }
    w->queued = false;
}

void lock_pair(Bucket& a, Bucket& b) {
    if (&a == &b) return a.lock.lock();
    if (&a < &b) {
        a.lock.lock();
        b.lock.lock();
    } else {
        b.lock.lock();
        a.lock.lock();
    }
}

void unlock_pair(Bucket& a, Bucket& b) {
    a.lock.unlock();
    if (&a != &b) b.lock.unlock();
}

}  // namespace

int futex_wait(mm::AddressSpace* as, uint64_t uaddr, uint32_t expected, uint64_t deadline_ns,
               uint32_t bitset) {
    if (uaddr & 3) return -linux_errno::EINVAL;
    if (bitset == 0) return -linux_errno::EINVAL;
    Waiter w{as, uaddr, bitset, true, WaitQueue{}, nullptr};
    Bucket& b = bucket_of(as, uaddr);
    b.lock.lock();
    uint32_t value;
    if (copy_from_user(&value, uaddr, sizeof(value)) != 0) {
        b.lock.unlock();
        return -linux_errno::EFAULT;
    }
    if (value != expected) {
        b.lock.unlock();
        return -linux_errno::EAGAIN;
    }
    w.next = b.head;
    b.head = &w;
    // A requeue may move us to another bucket: always wait on our own queue, and find the
    // bucket again afterwards through the (possibly updated) address.
    int r = sched::wait(w.queue, b.lock, deadline_ns);
    b.lock.unlock();
    if (w.queued) {
        Bucket& now = bucket_of(w.as, w.uaddr);
        LockGuard guard(now.lock);
        if (w.queued)
            unlink(now, &w);
        else
            r = 0;
    } else {
        r = 0;  // woken, whatever else happened at the same time
    }
    if (r == -linux_errno::EINTR) return -syscalls::kRestartSys;
    return r;
}

int futex_wake(mm::AddressSpace* as, uint64_t uaddr, int count, uint32_t bitset) {
    if (uaddr & 3) return -linux_errno::EINVAL;
    Bucket& b = bucket_of(as, uaddr);
    LockGuard guard(b.lock);
    int woken = 0;
    for (Waiter** link = &b.head; *link && woken < count;) {
        Waiter* w = *link;
        if (w->as == as && w->uaddr == uaddr && (w->bitset & bitset)) {
            *link = w->next;
            w->queued = false;
            sched::wake_one(w->queue);
            ++woken;
        } else {
            link = &w->next;
        }
    }
    return woken;
}

int futex_requeue(mm::AddressSpace* as, uint64_t uaddr, uint64_t uaddr2, int wake, int requeue,
                  bool check, uint32_t expected) {
    if ((uaddr & 3) || (uaddr2 & 3)) return -linux_errno::EINVAL;
    Bucket& a = bucket_of(as, uaddr);
    Bucket& b = bucket_of(as, uaddr2);
    lock_pair(a, b);
    if (check) {
        uint32_t value;
        if (copy_from_user(&value, uaddr, sizeof(value)) != 0) {
            unlock_pair(a, b);
            return -linux_errno::EFAULT;
        }
        if (value != expected) {
            unlock_pair(a, b);
            return -linux_errno::EAGAIN;
        }
    }
    int done = 0, moved = 0;
    for (Waiter** link = &a.head; *link;) {
        Waiter* w = *link;
        if (w->as != as || w->uaddr != uaddr) {
            link = &w->next;
            continue;
        }
        if (done < wake) {
            *link = w->next;
            w->queued = false;
            sched::wake_one(w->queue);
            ++done;
        } else if (moved < requeue) {
            *link = w->next;
            w->uaddr = uaddr2;
            w->next = b.head;
            b.head = w;
            ++moved;
            if (&a == &b) break;  // it is now at the head: stop before revisiting it
        } else {
            break;
        }
    }
    unlock_pair(a, b);
    return done + moved;
}

}  // namespace proc
