// futex(2).
#include "proc/futex.hpp"

#include "kernel/time.hpp"
#include "syscalls/common.hpp"

namespace syscalls {

int64_t sys_futex(Args& a) {
    constexpr int WAIT = 0, WAKE = 1, REQUEUE = 3, CMP_REQUEUE = 4, WAIT_BITSET = 9,
                  WAKE_BITSET = 10;
    constexpr int PRIVATE = 128, CLOCK_REALTIME_FLAG = 256;
    const uint64_t uaddr = a.a[0];
    const int op = int(a.a[1]) & ~(PRIVATE | CLOCK_REALTIME_FLAG);
    const bool realtime = (int(a.a[1]) & CLOCK_REALTIME_FLAG) != 0;
    const uint32_t val = uint32_t(a.a[2]);
    mm::AddressSpace* as = proc_of(a)->as;
    if (realtime && op != WAIT_BITSET) return -ENOSYS;  // Linux: only for the bitset wait
    if (!user_range_ok(uaddr, 4)) return -EFAULT;
    switch (op) {
        case WAIT:
        case WAIT_BITSET: {
            uint64_t deadline = 0;
            if (a.a[3]) {
                int64_t ts[2];
                if (copy_from_user(ts, a.a[3], sizeof(ts)) != 0) return -EFAULT;
                if (ts[0] < 0 || ts[1] < 0 || ts[1] >= 1'000'000'000) return -EINVAL;
                const uint64_t ns = uint64_t(ts[0]) * 1'000'000'000 + uint64_t(ts[1]);
                const uint64_t now = time_monotonic_ns();
                if (op == WAIT) {
                    deadline = now + ns;
                } else if (realtime) {
                    const uint64_t rt = time_realtime_ns();
                    deadline = ns > rt ? now + (ns - rt) : now;
                } else {
                    deadline = ns;
                }
                if (deadline == 0) deadline = 1;
            }
            const uint32_t bitset = op == WAIT ? ~0u : uint32_t(a.a[5]);
            return proc::futex_wait(as, uaddr, val, deadline, bitset);
        }
        case WAKE:
        case WAKE_BITSET: {
            const uint32_t bitset = op == WAKE ? ~0u : uint32_t(a.a[5]);
            if (bitset == 0) return -EINVAL;
            return proc::futex_wake(as, uaddr, int(val > 0x7fffffff ? 0x7fffffff : val), bitset);
        }
        case REQUEUE:
        case CMP_REQUEUE: {
            const int64_t requeue = int64_t(a.a[3]);
            if (int32_t(val) < 0 || requeue < 0) return -EINVAL;
            return proc::futex_requeue(as, uaddr, a.a[4], int(val),
                                       int(requeue > 0x7fffffff ? 0x7fffffff : requeue),
                                       op == CMP_REQUEUE, uint32_t(a.a[5]));
        }
        default:
            return -ENOSYS;
    }
}

}  // namespace syscalls
