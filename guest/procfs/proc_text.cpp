// The contents of /proc's files and the targets of its links.
#include "abi/errno.hpp"
#include "abi/linux_types.hpp"
#include "arch/cpu.hpp"
#include "fs/fd_table.hpp"
#include "fs/file.hpp"
#include "fs/mount.hpp"
#include "fs/mount_table.hpp"
#include "fs/vfs.hpp"
#include "kernel/boot.hpp"
#include "kernel/format.hpp"
#include "kernel/string.hpp"
#include "kernel/time.hpp"
#include "mm/aspace.hpp"
#include "mm/kheap.hpp"
#include "mm/phys.hpp"
#include "net/net.hpp"
#include "net/net_proc.hpp"
#include "proc/process.hpp"
#include "proc/task.hpp"
#include "procfs/procfs_internal.hpp"
#include "sock/unix.hpp"

namespace procfs {

namespace {

using namespace linux_errno;

constexpr uint64_t kTicksPerSecond = 100;  // USER_HZ, AT_CLKTCK

uint64_t ticks(uint64_t ns) {
    return ns / (1'000'000'000 / kTicksPerSecond);
}

char state_of(const Process* p) {
    if (p->zombie) return 'Z';
    for (const Task* t = p->threads; t; t = t->thread_next) {
        if (t->state == TaskState::Running || t->state == TaskState::Runnable) return 'R';
    }
    return 'S';
}

void pid_stat(const Process* p, Text* t) {
    const int32_t ppid = p->parent ? p->parent->pid : 0;
    const uint64_t rss = p->as ? p->as->resident_pages : 0;
    uint64_t vsize = 0;
    if (p->as) {
        for (const mm::Vma* v = p->as->vmas; v; v = v->next) vsize += v->end - v->start;
    }
    const CpuTimes cpu = proc::process_cpu_times(p);
    text_printf(t, "%d (%s) %c %d %d %d %d %d %u %lu %lu %lu %lu %lu %lu %lu %lu %ld %ld %u %ld ",
                p->pid, p->comm, state_of(p), ppid, p->pgid, p->sid, 0x501 /* tty: console */,
                p->pgid, 0u, 0ul, 0ul, 0ul, 0ul, ticks(cpu.user_ns), ticks(cpu.system_ns),
                ticks(p->children_cpu.user_ns), ticks(p->children_cpu.system_ns), 20l, 0l,
                p->live_threads, 0l);
    text_printf(t, "%lu %lu %lu %lu ", ticks(p->start_ns), vsize, rss, ~0ul);
    // startcode .. exit_code: not tracked, reported as 0 (28 more fields).
    for (int i = 0; i < 27; ++i) text_printf(t, "0 ");
    text_printf(t, "0\n");
}

void pid_status(const Process* p, Text* t) {
    const int32_t ppid = p->parent ? p->parent->pid : 0;
    const uint64_t rss = p->as ? p->as->resident_pages * 4 : 0;
    const char st = state_of(p);
    const char* name = st == 'R' ? "running" : st == 'Z' ? "zombie" : "sleeping";
    text_printf(t,
                "Name:\t%s\nUmask:\t%04o\nState:\t%c (%s)\nTgid:\t%d\nPid:\t%d\nPPid:\t%d\n"
                "Uid:\t0\t0\t0\t0\nGid:\t0\t0\t0\t0\nThreads:\t%u\nVmRSS:\t%lu kB\n",
                p->comm, p->umask, st, name, p->pid, p->pid, ppid, p->live_threads, rss);
}

void meminfo(Text* t) {
    const uint64_t total = phys::total_pages() * 4, free = phys::free_pages() * 4;
    const uint64_t cached = phys::cached_pages() * 4;  // file pages the reclaimer can take
    text_printf(t,
                "MemTotal:       %8lu kB\nMemFree:        %8lu kB\nMemAvailable:   %8lu kB\n"
                "Buffers:               0 kB\nCached:         %8lu kB\n"
                "SwapCached:            0 kB\nSwapTotal:             0 kB\n"
                "SwapFree:              0 kB\nShmem:                 0 kB\n",
                total, free, free + cached, cached);
}

void cpuinfo(Text* t) {
    char brand[49] = {};
    if (cpu::cpuid(0x80000000).eax >= 0x80000004) {
        for (uint32_t i = 0; i < 3; ++i) {
            const cpu::CpuidResult r = cpu::cpuid(0x80000002 + i);
            memcpy(brand + 16 * i, &r, 16);
        }
    }
    const cpu::CpuidResult v = cpu::cpuid(0);
    char vendor[13] = {};
    memcpy(vendor, &v.ebx, 4);
    memcpy(vendor + 4, &v.edx, 4);
    memcpy(vendor + 8, &v.ecx, 4);
    const cpu::CpuidResult one = cpu::cpuid(1);
    const uint32_t family = ((one.eax >> 8) & 0xf) + ((one.eax >> 20) & 0xff);
    const uint32_t model = ((one.eax >> 4) & 0xf) | ((one.eax >> 12) & 0xf0);
    const uint64_t mhz = g_boot.tsc_khz / 1000;
    for (uint32_t i = 0; i < g_boot.vcpu_count; ++i) {
        text_printf(t,
                    "processor\t: %u\nvendor_id\t: %s\ncpu family\t: %u\nmodel\t\t: %u\n"
                    "model name\t: %s\nstepping\t: %u\ncpu MHz\t\t: %lu.000\nphysical id\t: 0\n"
                    "siblings\t: %u\ncore id\t\t: %u\ncpu cores\t: %u\napicid\t\t: %u\n"
                    "fpu\t\t: yes\nflags\t\t: fpu tsc msr pae cx8 apic cmov pat clflush mmx fxsr "
                    "sse sse2 syscall nx lm sse3 ssse3 cx16 sse4_1 sse4_2 popcnt xsave avx\n"
                    "bogomips\t: %lu.00\n\n",
                    i, vendor, family, model, brand, one.eax & 0xf, mhz, g_boot.vcpu_count, i,
                    g_boot.vcpu_count, i, mhz * 2);
    }
}

void stat_file(Text* t) {
    uint64_t user = 0, system = 0;
    uint32_t running = 0, total = 0;
    {
        LockGuard guard(proc::lock());
        for (Process* p = proc::first(); p; p = proc::next(p)) {
            const CpuTimes cpu = proc::process_cpu_times(p);
            user += cpu.user_ns;
            system += cpu.system_ns;
            ++total;
            if (state_of(p) == 'R') ++running;
        }
    }
    const uint64_t up = time_monotonic_ns() * g_boot.vcpu_count;
    const uint64_t idle = up > user + system ? up - user - system : 0;
    text_printf(t, "cpu  %lu 0 %lu %lu 0 0 0 0 0 0\n", ticks(user), ticks(system), ticks(idle));
    text_printf(t, "btime %lu\nprocesses %u\nprocs_running %u\nprocs_blocked 0\n",
                (time_realtime_ns() - time_monotonic_ns()) / 1'000'000'000, total, running);
}

int with_process(int32_t pid, Text* t, void (*fn)(const Process*, Text*)) {
    LockGuard guard(proc::lock());
    Process* p = proc::find(pid);
    if (!p) return -ESRCH;
    fn(p, t);
    return 0;
}

// The absolute path of directory `dir`, with the tree lock held (vfs_getcwd takes it). Returns
// the length (no NUL) or -ENOENT for a removed directory.
int64_t dir_path_locked(fs::Inode* dir, char* buf, size_t size) {
    if (fs::is_dead_dir(dir)) return -ENOENT;
    size_t pos = size;
    fs::Inode* root = fs::vfs_root();
    fs::Inode* x = dir;
    while (x != root) {
        if (x->covered) {
            x = x->covered;
            continue;
        }
        if (x->parent == x || !x->parent) return -ENOENT;
        const fs::Name name = x->dname;
        if (pos < name.len + 1) return -ENAMETOOLONG;
        pos -= name.len;
        memcpy(buf + pos, name.data, name.len);
        buf[--pos] = '/';
        x = x->parent;
    }
    if (pos == size) buf[--pos] = '/';
    const size_t len = size - pos;
    memmove(buf, buf + pos, len);
    return int64_t(len);
}

// A printable target for an open file.
int64_t file_target(fs::File* f, char* buf, size_t size) {
    char tmp[64];  // device, pipe and anonymous names
    size_t len = 0;
    fs::Inode* inode = f->inode;
    if (inode && fs::is_dir(inode)) return dir_path_locked(inode, buf, size);
    if (inode && fs::is_chr(inode)) {
        const uint32_t ma = inode->rdev_major, mi = inode->rdev_minor;
        const char* name = ma == 5 && mi == 1   ? "/dev/console"
                           : ma == 5            ? "/dev/tty"
                           : ma == 1 && mi == 3 ? "/dev/null"
                           : ma == 1 && mi == 5 ? "/dev/zero"
                           : ma == 1 && mi == 9 ? "/dev/urandom"
                           : ma == 1 && mi == 8 ? "/dev/random"
                                                : "/dev/?";
        len = format_to(tmp, sizeof(tmp), "%s", name);
    } else if (inode && fs::inode_type(inode) == linux_abi::smode::IFIFO) {
        len = format_to(tmp, sizeof(tmp), "pipe:[%lu]", inode->ino);
    } else if (inode && fs::inode_type(inode) == linux_abi::smode::IFSOCK) {
        len = format_to(tmp, sizeof(tmp), "socket:[%lu]", inode->ino);
    } else {
        // Regular files keep no name once open: the inode number stands in for it.
        len = format_to(tmp, sizeof(tmp), "anon_inode:[%lu]", inode ? inode->ino : 0ul);
    }
    if (len > size) len = size;
    memcpy(buf, tmp, len);
    return int64_t(len);
}

}  // namespace

void text_init(Text* t) {
    *t = Text{static_cast<char*>(kmalloc(4096)), 0, 4096, false};
    if (!t->data) t->failed = true, t->cap = 0;
}

void text_free(Text* t) {
    kfree(t->data);
    t->data = nullptr;
}

void text_bytes(Text* t, const void* data, size_t len) {
    if (t->failed) return;
    if (t->len + len > t->cap) {
        size_t cap = t->cap * 2;
        while (cap < t->len + len) cap *= 2;
        char* grown = static_cast<char*>(kmalloc(cap));
        if (!grown) {
            t->failed = true;
            return;
        }
        memcpy(grown, t->data, t->len);
        kfree(t->data);
        t->data = grown;
        t->cap = cap;
    }
    memcpy(t->data + t->len, data, len);
    t->len += len;
}

void text_printf(Text* t, const char* format, ...) {
    char line[512];
    __builtin_va_list args;
    __builtin_va_start(args, format);
    const size_t n = format_to_v(line, sizeof(line), format, args);
    __builtin_va_end(args);
    text_bytes(t, line, n);
}

int generate(const ProcInode* node, Text* t) {
    switch (node->kind) {
        case Kind::PidStat:
            return with_process(node->pid, t, pid_stat);
        case Kind::PidStatus:
            return with_process(node->pid, t, pid_status);
        case Kind::PidCmdline:
            return with_process(node->pid, t, [](const Process* p, Text* out) {
                text_bytes(out, p->cmdline, p->cmdline_len);
            });
        case Kind::PidComm:
            return with_process(node->pid, t, [](const Process* p, Text* out) {
                text_printf(out, "%s\n", p->comm);
            });
        case Kind::Meminfo:
            meminfo(t);
            return 0;
        case Kind::Cpuinfo:
            cpuinfo(t);
            return 0;
        case Kind::Uptime: {
            const uint64_t ns = time_monotonic_ns();
            text_printf(t, "%lu.%02lu %lu.%02lu\n", ns / 1'000'000'000, ns / 10'000'000 % 100,
                        ns / 1'000'000'000, ns / 10'000'000 % 100);
            return 0;
        }
        case Kind::Loadavg: {
            LockGuard guard(proc::lock());
            text_printf(t, "0.00 0.00 0.00 1/%u %d\n", proc::count(), proc::count());
            return 0;
        }
        case Kind::Stat:
            stat_file(t);
            return 0;
        case Kind::Version:
            text_printf(t, "Linux version 6.1.0-domus (domus guest kernel) #1 SMP\n");
            return 0;
        case Kind::Mounts: {
            char buf[2048];
            fs::mount_render(buf, sizeof buf);
            text_printf(t, "%s", buf);
            return 0;
        }
        case Kind::NetUnix:
            sock::unix_proc_net([](void* ctx, const char* text,
                                   size_t len) { text_bytes(static_cast<Text*>(ctx), text, len); },
                                t);
            return 0;
        case Kind::NetTcp:
        case Kind::NetUdp:
        case Kind::NetDev:
        case Kind::NetSnmp: {
            constexpr size_t kCap = 64 * 1024;  // about 400 sockets' lines
            char* buf = static_cast<char*>(kmalloc(kCap));
            if (buf == nullptr) return -ENOMEM;
            net::Stack& st = net::default_stack();
            const Kind kind = node->kind;
            const size_t n = kind == Kind::NetTcp   ? net::proc_net_tcp(st, buf, kCap)
                             : kind == Kind::NetUdp ? net::proc_net_udp(st, buf, kCap)
                             : kind == Kind::NetDev ? net::proc_net_dev(st, buf, kCap)
                                                    : net::proc_net_snmp(st, buf, kCap);
            text_bytes(t, buf, n);
            kfree(buf);
            return 0;
        }
        case Kind::Filesystems: {
            char buf[512];
            fs::fs_types_render(buf, sizeof buf);
            text_printf(t, "%snodev\tproc\n", buf);
            return 0;
        }
        default:
            return -EINVAL;
    }
}

int64_t link_target(const ProcInode* node, char* buf, size_t size) {
    char tmp[256];  // fd targets and pids; paths are written straight into buf
    size_t len = 0;
    if (node->kind == Kind::Self) {
        len = format_to(tmp, sizeof(tmp), "%d", current()->proc->pid);
    } else {
        LockGuard guard(proc::lock());
        Process* p = proc::find(node->pid);
        if (!p || p->zombie) return -ENOENT;
        if (node->kind == Kind::PidExe) {
            len = kstrnlen(p->exe_path, sizeof(p->exe_path));
            memcpy(tmp, p->exe_path, len);
        } else if (node->kind == Kind::PidCwd) {
            return dir_path_locked(p->cwd, buf, size);
        } else if (node->kind == Kind::PidFdLink) {
            fs::File* f = p->fds ? fs::fd_get(p->fds, node->fd) : nullptr;
            if (!f) return -ENOENT;
            const int64_t n = file_target(f, tmp, sizeof(tmp));
            fs::file_put(f);
            if (n < 0) return n;
            len = size_t(n);
        } else {
            return -EINVAL;
        }
    }
    if (len > size) len = size;
    memcpy(buf, tmp, len);
    return int64_t(len);
}

}  // namespace procfs
