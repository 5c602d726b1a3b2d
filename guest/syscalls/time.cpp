// Clocks and sleeping.
#include "kernel/time.hpp"

#include "proc/itimer.hpp"
#include "syscalls/common.hpp"

namespace syscalls {

namespace {

struct Timespec {
    int64_t sec, nsec;
};

constexpr int CLOCK_REALTIME = 0, CLOCK_MONOTONIC = 1, CLOCK_PROCESS_CPUTIME_ID = 2,
              CLOCK_THREAD_CPUTIME_ID = 3, CLOCK_MONOTONIC_RAW = 4, CLOCK_REALTIME_COARSE = 5,
              CLOCK_MONOTONIC_COARSE = 6, CLOCK_BOOTTIME = 7, CLOCK_REALTIME_ALARM = 8,
              CLOCK_BOOTTIME_ALARM = 9, CLOCK_TAI = 11;

// -EINVAL for clocks we do not have.
int64_t read_clock(Args& a, int clock, uint64_t* ns) {
    switch (clock) {
        case CLOCK_REALTIME:
        case CLOCK_REALTIME_COARSE:
        case CLOCK_REALTIME_ALARM:
        case CLOCK_TAI:
            *ns = time_realtime_ns();
            return 0;
        case CLOCK_MONOTONIC:
        case CLOCK_MONOTONIC_RAW:
        case CLOCK_MONOTONIC_COARSE:
        case CLOCK_BOOTTIME:
        case CLOCK_BOOTTIME_ALARM:
            *ns = time_monotonic_ns();
            return 0;
        case CLOCK_PROCESS_CPUTIME_ID: {
            uint64_t total = time_monotonic_ns() - a.task->switched_in_ns;
            for (Task* t = proc_of(a)->threads; t; t = t->thread_next) total += t->cpu_ns;
            *ns = total;
            return 0;
        }
        case CLOCK_THREAD_CPUTIME_ID:
            *ns = a.task->cpu_ns + (time_monotonic_ns() - a.task->switched_in_ns);
            return 0;
        default:
            return -EINVAL;
    }
}

Timespec to_timespec(uint64_t ns) {
    return Timespec{int64_t(ns / 1'000'000'000), int64_t(ns % 1'000'000'000)};
}

// Sleeps until `deadline` (monotonic ns); on a signal writes the remainder to rem.
int64_t sleep_to(uint64_t deadline, uint64_t rem) {
    const int r = sched::sleep_until(deadline);
    if (r == 0) return 0;
    const uint64_t now = time_monotonic_ns();
    if (rem) {
        const Timespec left = to_timespec(deadline > now ? deadline - now : 0);
        if (copy_to_user(rem, &left, sizeof(left)) != 0) return -EFAULT;
    }
    return -EINTR;
}

int64_t get_request(uint64_t user, uint64_t* ns) {
    Timespec ts;
    if (copy_from_user(&ts, user, sizeof(ts)) != 0) return -EFAULT;
    if (ts.sec < 0 || ts.nsec < 0 || ts.nsec >= 1'000'000'000) return -EINVAL;
    const uint64_t cap = uint64_t(1) << 62;
    *ns = uint64_t(ts.sec) > cap / 1'000'000'000
              ? cap
              : uint64_t(ts.sec) * 1'000'000'000 + uint64_t(ts.nsec);
    return 0;
}

}  // namespace

int64_t sys_clock_gettime(Args& a) {
    uint64_t ns;
    const int64_t r = read_clock(a, int(a.a[0]), &ns);
    if (r < 0) return r;
    const Timespec ts = to_timespec(ns);
    return copy_to_user(a.a[1], &ts, sizeof(ts)) == 0 ? 0 : -EFAULT;
}

int64_t sys_clock_getres(Args& a) {
    uint64_t ns;
    if (read_clock(a, int(a.a[0]), &ns) < 0) return -EINVAL;
    const Timespec res{0, 1};
    if (a.a[1] && copy_to_user(a.a[1], &res, sizeof(res)) != 0) return -EFAULT;
    return 0;
}

int64_t sys_gettimeofday(Args& a) {
    if (a.a[0]) {
        const uint64_t ns = time_realtime_ns();
        const int64_t tv[2] = {int64_t(ns / 1'000'000'000), int64_t(ns % 1'000'000'000 / 1000)};
        if (copy_to_user(a.a[0], tv, sizeof(tv)) != 0) return -EFAULT;
    }
    if (a.a[1]) {
        const int32_t tz[2] = {0, 0};
        if (copy_to_user(a.a[1], tz, sizeof(tz)) != 0) return -EFAULT;
    }
    return 0;
}

int64_t sys_time(Args& a) {
    const int64_t now = int64_t(time_realtime_ns() / 1'000'000'000);
    if (a.a[0] && put_user(a.a[0], now) != 0) return -EFAULT;
    return now;
}

int64_t sys_nanosleep(Args& a) {
    uint64_t ns;
    const int64_t r = get_request(a.a[0], &ns);
    if (r < 0) return r;
    return sleep_to(time_monotonic_ns() + ns, a.a[1]);
}

int64_t sys_clock_nanosleep(Args& a) {
    const int clock = int(a.a[0]);
    if (clock == CLOCK_THREAD_CPUTIME_ID) return -EINVAL;
    uint64_t now;
    if (read_clock(a, clock, &now) < 0) return -EINVAL;
    uint64_t ns;
    const int64_t r = get_request(a.a[2], &ns);
    if (r < 0) return r;
    const bool absolute = a.a[1] & 1;
    uint64_t deadline = time_monotonic_ns();
    if (absolute) {
        if (ns > now) deadline += ns - now;
    } else {
        deadline += ns;
    }
    const int64_t s = sleep_to(deadline, absolute ? 0 : a.a[3]);
    return s;
}

namespace {

struct Timeval {
    int64_t sec, usec;
};
struct Itimerval {
    Timeval interval, value;
};
constexpr int ITIMER_REAL = 0, ITIMER_VIRTUAL = 1, ITIMER_PROF = 2;

// A timeval from the user as ns; -EINVAL for a negative or out-of-range one.
int64_t timeval_ns(const Timeval& tv, uint64_t* ns) {
    if (tv.sec < 0 || tv.usec < 0 || tv.usec >= 1'000'000) return -EINVAL;
    const uint64_t max_sec = UINT64_MAX / 1'000'000'000 / 2;  // far beyond any uptime
    const uint64_t sec = uint64_t(tv.sec) > max_sec ? max_sec : uint64_t(tv.sec);
    *ns = sec * 1'000'000'000 + uint64_t(tv.usec) * 1000;
    return 0;
}

Timeval ns_timeval(uint64_t ns) {
    // Linux rounds a remaining time up to the next microsecond (never 0 while armed).
    const uint64_t us = (ns + 999) / 1000;
    return {int64_t(us / 1'000'000), int64_t(us % 1'000'000)};
}

// ITIMER_REAL only: the virtual and profiling timers (which count CPU time) are EINVAL here,
// as any other `which` is on Linux.
int64_t check_which(int64_t which) {
    static_assert(ITIMER_VIRTUAL == 1 && ITIMER_PROF == 2);
    return which == ITIMER_REAL ? 0 : -EINVAL;
}

}  // namespace

int64_t sys_getitimer(Args& a) {
    if (const int64_t r = check_which(int64_t(a.a[0])); r < 0) return r;
    uint64_t value, interval;
    proc::get_real_timer(proc_of(a), &value, &interval);
    const Itimerval out{ns_timeval(interval), ns_timeval(value)};
    return copy_to_user(a.a[1], &out, sizeof out) == 0 ? 0 : -EFAULT;
}

int64_t sys_setitimer(Args& a) {
    if (const int64_t r = check_which(int64_t(a.a[0])); r < 0) return r;
    Itimerval in{};
    if (a.a[1] != 0 && copy_from_user(&in, a.a[1], sizeof in) != 0) return -EFAULT;
    uint64_t value = 0, interval = 0;
    if (int64_t r = timeval_ns(in.value, &value); r < 0) return r;
    if (int64_t r = timeval_ns(in.interval, &interval); r < 0) return r;
    uint64_t old_value, old_interval;
    proc::set_real_timer(proc_of(a), value, interval, &old_value, &old_interval);
    if (a.a[2] != 0) {
        const Itimerval out{ns_timeval(old_interval), ns_timeval(old_value)};
        if (copy_to_user(a.a[2], &out, sizeof out) != 0) return -EFAULT;
    }
    return 0;
}

int64_t sys_alarm(Args& a) {
    const uint64_t seconds = uint32_t(a.a[0]);
    uint64_t old_value;
    proc::set_real_timer(proc_of(a), seconds * 1'000'000'000, 0, &old_value, nullptr);
    // The seconds left, rounded to the nearest, and at least 1 while one was pending (Linux).
    if (old_value == 0) return 0;
    const uint64_t left = (old_value + 500'000'000) / 1'000'000'000;
    return int64_t(left == 0 ? 1 : left);
}

}  // namespace syscalls
