// System information and limits: uname, rlimits, rusage, times, sysinfo, prctl, getcpu,
// getrandom.
#include "arch/user.hpp"
#include "kernel/boot.hpp"
#include "kernel/random.hpp"
#include "kernel/string.hpp"
#include "kernel/time.hpp"
#include "mm/aspace.hpp"
#include "mm/phys.hpp"
#include "syscalls/common.hpp"

namespace syscalls {

namespace {

constexpr uint64_t kInfinity = ~uint64_t(0);
constexpr int kRlimits = 16;

struct Rlimit {
    uint64_t cur, max;
};

Rlimit limit_of(Process* p, int resource) {
    switch (resource) {
        case 3:  // RLIMIT_STACK
            return {mm::kStackMax, kInfinity};
        case 4:  // RLIMIT_CORE
            return {0, kInfinity};
        case 6:  // RLIMIT_NPROC
            return {proc::process_limit(), proc::process_limit()};
        case 7:  // RLIMIT_NOFILE
            return {fs::fd_limit(p->fds), linux_abi::kNofileDefault};
        case 8:  // RLIMIT_MEMLOCK
            return {64 * 1024, 64 * 1024};
        case 13:  // RLIMIT_NICE
        case 14:  // RLIMIT_RTPRIO
            return {0, 0};
        default:
            return {kInfinity, kInfinity};
    }
}

int64_t set_limit(Process* p, int resource, const Rlimit& value) {
    if (value.cur > value.max) return -EINVAL;
    if (resource == 7)
        return fs::fd_set_limit(p->fds, uint32_t(value.cur > 1024 ? 1024 : value.cur));
    const Rlimit now = limit_of(p, resource);
    if (value.max > now.max) return -EPERM;
    return 0;  // accepted; only NOFILE is enforced per process
}

}  // namespace

int64_t sys_uname(Args& a) {
    char u[6][65] = {};
    const char* fields[6] = {"Linux", "domus", "6.1.0-domus", "#1 SMP Domus", "x86_64", "(none)"};
    for (int i = 0; i < 6; ++i) memcpy(u[i], fields[i], kstrnlen(fields[i], 64));
    return copy_to_user(a.a[0], u, sizeof(u)) == 0 ? 0 : -EFAULT;
}

int64_t sys_getrlimit(Args& a) {
    if (a.a[0] >= uint64_t(kRlimits)) return -EINVAL;
    const Rlimit r = limit_of(proc_of(a), int(a.a[0]));
    return copy_to_user(a.a[1], &r, sizeof(r)) == 0 ? 0 : -EFAULT;
}

int64_t sys_setrlimit(Args& a) {
    if (a.a[0] >= uint64_t(kRlimits)) return -EINVAL;
    Rlimit r;
    if (copy_from_user(&r, a.a[1], sizeof(r)) != 0) return -EFAULT;
    return set_limit(proc_of(a), int(a.a[0]), r);
}

int64_t sys_prlimit64(Args& a) {
    if (a.a[0] != 0 && int32_t(a.a[0]) != proc_of(a)->pid) return -ESRCH;
    if (a.a[1] >= uint64_t(kRlimits)) return -EINVAL;
    const Rlimit old = limit_of(proc_of(a), int(a.a[1]));
    if (a.a[2]) {
        Rlimit r;
        if (copy_from_user(&r, a.a[2], sizeof(r)) != 0) return -EFAULT;
        const int64_t s = set_limit(proc_of(a), int(a.a[1]), r);
        if (s < 0) return s;
    }
    if (a.a[3] && copy_to_user(a.a[3], &old, sizeof(old)) != 0) return -EFAULT;
    return 0;
}

int64_t sys_getrusage(Args& a) {
    const int who = int(a.a[0]);
    if (who != 0 && who != -1 && who != 1) return -EINVAL;
    CpuTimes cpu{};
    if (who == -1) {
        cpu = proc_of(a)->children_cpu;
    } else if (who == 1) {
        cpu = proc::task_cpu_times(a.task);
    } else {
        cpu = proc::process_cpu_times(proc_of(a));
    }
    return write_rusage(a.a[1], cpu);
}

int64_t sys_times(Args& a) {
    const CpuTimes self = proc::process_cpu_times(proc_of(a));
    const CpuTimes children = proc_of(a)->children_cpu;
    const int64_t tms[4] = {
        int64_t(self.user_ns / 10'000'000), int64_t(self.system_ns / 10'000'000),
        int64_t(children.user_ns / 10'000'000), int64_t(children.system_ns / 10'000'000)};
    if (a.a[0] && copy_to_user(a.a[0], tms, sizeof(tms)) != 0) return -EFAULT;
    return int64_t(time_monotonic_ns() / 10'000'000);
}

int64_t sys_sysinfo(Args& a) {
    struct {
        int64_t uptime;
        uint64_t loads[3];
        uint64_t totalram, freeram, sharedram, bufferram, totalswap, freeswap;
        uint16_t procs, pad;
        uint32_t pad2;
        uint64_t totalhigh, freehigh;
        uint32_t mem_unit;
        uint8_t reserved[4];
    } info{};
    static_assert(sizeof(info) == 112);
    info.uptime = int64_t(time_monotonic_ns() / 1'000'000'000);
    info.totalram = phys::total_pages() * 4096;
    info.freeram = phys::free_pages() * 4096;
    info.procs = uint16_t(proc::count());
    info.mem_unit = 1;
    return copy_to_user(a.a[0], &info, sizeof(info)) == 0 ? 0 : -EFAULT;
}

int64_t sys_prctl(Args& a) {
    constexpr int PR_SET_PDEATHSIG = 1, PR_GET_DUMPABLE = 3, PR_SET_DUMPABLE = 4, PR_SET_NAME = 15,
                  PR_GET_NAME = 16;
    Process* p = proc_of(a);
    switch (int(a.a[0])) {
        case PR_SET_NAME: {
            char name[16] = {};
            const int64_t n = strncpy_from_user(name, a.a[1], sizeof(name));
            if (n == -EFAULT) return -EFAULT;
            name[15] = '\0';
            memcpy(p->comm, name, sizeof(name));
            return 0;
        }
        case PR_GET_NAME:
            return copy_to_user(a.a[1], p->comm, sizeof(p->comm)) == 0 ? 0 : -EFAULT;
        case PR_SET_PDEATHSIG:
        case PR_SET_DUMPABLE:
            return 0;
        case PR_GET_DUMPABLE:
            return 1;
        default:
            return -EINVAL;
    }
}

int64_t sys_getrandom(Args& a) {
    if (a.a[2] & ~uint64_t(7)) return -EINVAL;
    size_t len = a.a[1] > 0x2000000 ? 0x2000000 : a.a[1];
    uint8_t chunk[256];
    size_t done = 0;
    while (done < len) {
        const size_t n = len - done < sizeof(chunk) ? len - done : sizeof(chunk);
        random_user_bytes(chunk, n);
        if (copy_to_user(a.a[0] + done, chunk, n) != 0) return done ? int64_t(done) : -EFAULT;
        done += n;
    }
    return int64_t(done);
}

int64_t sys_getcpu(Args& a) {
    const uint32_t cpu = a.task->on_cpu;
    if (a.a[0] && put_user(a.a[0], cpu) != 0) return -EFAULT;
    if (a.a[1] && put_user(a.a[1], uint32_t(0)) != 0) return -EFAULT;
    return 0;
}

}  // namespace syscalls
