// Cleanup when a benchmark is interrupted (SIGINT, SIGTERM, SIGHUP): the handler kills the
// registered daemons and every domus-vmm whose command line mentions their directories, removes
// the directories, then dies of the signal. Only async-signal-safe calls (raw getdents64, open,
// read, kill, unlinkat) and static buffers: the signal may arrive inside malloc.
#include "signal_cleanup.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cstring>

namespace domus::bench {

namespace {

constexpr int kSlots = 8;
constexpr size_t kPathMax = 256;
char g_dirs[kSlots][kPathMax];
volatile pid_t g_pids[kSlots];
volatile sig_atomic_t g_used[kSlots];

struct Dirent64 {
    ino64_t d_ino;
    off64_t d_off;
    unsigned short d_reclen;
    unsigned char d_type;
    char d_name[];
};

// Calls fn(name, type) for each entry of the open directory fd except . and ..
template <typename Fn>
void each_entry(int fd, Fn fn) {
    alignas(8) char buf[4096];  // on the stack: remove_under() nests calls
    for (;;) {
        const long n = ::syscall(SYS_getdents64, fd, buf, sizeof buf);
        if (n <= 0) return;
        for (long off = 0; off < n;) {
            const auto* e = reinterpret_cast<const Dirent64*>(buf + off);
            off += e->d_reclen;
            if (std::strcmp(e->d_name, ".") != 0 && std::strcmp(e->d_name, "..") != 0) {
                fn(e->d_name, e->d_type);
            }
        }
    }
}

void kill_monitors(const char* dir) {
    const int proc = ::open("/proc", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (proc < 0) return;
    each_entry(proc, [&](const char* name, unsigned char) {
        if (name[0] < '1' || name[0] > '9') return;
        char path[64] = "/proc/";
        std::strncat(path, name, 20);
        std::strcat(path, "/cmdline");
        static char cmd[4096];
        const int fd = ::open(path, O_RDONLY | O_CLOEXEC);
        if (fd < 0) return;
        const ssize_t len = ::read(fd, cmd, sizeof cmd);
        ::close(fd);
        if (len <= 0) return;
        if (::memmem(cmd, static_cast<size_t>(len), "domus-vmm", 9) != nullptr &&
            ::memmem(cmd, static_cast<size_t>(len), dir, std::strlen(dir)) != nullptr) {
            pid_t pid = 0;
            for (const char* p = name; *p >= '0' && *p <= '9'; ++p) pid = pid * 10 + (*p - '0');
            ::kill(pid, SIGKILL);
        }
    });
    ::close(proc);
}

// Removes everything under the open directory fd (depth-first), not the directory itself.
void remove_under(int fd, int depth) {
    if (depth > 8) return;
    each_entry(fd, [&](const char* name, unsigned char type) {
        if (type == DT_DIR) {
            const int sub = ::openat(fd, name, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
            if (sub >= 0) {
                remove_under(sub, depth + 1);
                ::close(sub);
            }
            ::unlinkat(fd, name, AT_REMOVEDIR);
        } else {
            ::unlinkat(fd, name, 0);
        }
    });
}

void on_signal(int sig) {
    for (int i = 0; i < kSlots; ++i) {
        if (!g_used[i]) continue;
        if (g_pids[i] > 0) ::kill(g_pids[i], SIGKILL);
        kill_monitors(g_dirs[i]);
        // getdents64 may skip entries removed under it: a few passes.
        for (int pass = 0; pass < 3; ++pass) {
            const int fd = ::open(g_dirs[i], O_RDONLY | O_DIRECTORY | O_CLOEXEC);
            if (fd < 0) break;
            remove_under(fd, 0);
            ::close(fd);
        }
        ::rmdir(g_dirs[i]);
    }
    ::signal(sig, SIG_DFL);
    ::raise(sig);
}

}  // namespace

int register_cleanup(const std::string& dir) {
    static bool installed = false;
    if (!installed) {
        installed = true;
        struct sigaction sa {};
        sa.sa_handler = on_signal;
        sigfillset(&sa.sa_mask);
        for (int sig : {SIGINT, SIGTERM, SIGHUP}) ::sigaction(sig, &sa, nullptr);
    }
    if (dir.empty() || dir.size() >= kPathMax) return -1;
    for (int i = 0; i < kSlots; ++i) {
        if (g_used[i]) continue;
        std::memcpy(g_dirs[i], dir.c_str(), dir.size() + 1);
        g_pids[i] = -1;
        g_used[i] = 1;
        return i;
    }
    return -1;
}

void set_cleanup_pid(int slot, pid_t pid) {
    if (slot >= 0 && slot < kSlots) g_pids[slot] = pid;
}

void unregister_cleanup(int slot) {
    if (slot >= 0 && slot < kSlots) g_used[slot] = 0;
}

}  // namespace domus::bench
