#include "vmm/seccomp_filter.hpp"

#include <seccomp.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdlib>
#include <cstring>

#include "vmm/seccomp_policy.hpp"

namespace domus::vmm {

namespace {

// Read by the SIGSYS handler: set before the filter is loaded, never changed afterwards.
constexpr int kMaxNr = 512;
const char* g_names[kMaxNr] = {};
std::atomic<int> g_exit_fd{-1};
char g_tmp_path[256] = {};
char g_final_path[256] = {};
char g_json_prefix[256] = {};  // empty: the text log line

void copy_path(char (&dst)[256], const std::string& src) {
    const size_t n = src.size() < sizeof dst - 1 ? src.size() : sizeof dst - 1;
    std::memcpy(dst, src.data(), n);
    dst[n] = '\0';
}

void write_all(int fd, const char* p, size_t n) {
    while (n > 0) {
        const ssize_t w = ::write(fd, p, n);
        if (w < 0 && errno == EINTR) continue;
        if (w <= 0) return;
        p += w;
        n -= static_cast<size_t>(w);
    }
}

// Async-signal-safe only: write, pwrite, fsync, rename and exit_group are on the allow-list.
void on_sigsys(int, siginfo_t* info, void*) {
    const long nr = info->si_syscall;
    const char* name = nr >= 0 && nr < kMaxNr ? g_names[nr] : nullptr;
    const long tid = ::syscall(SYS_gettid);
    char buf[640];
    write_all(STDERR_FILENO, buf,
              g_json_prefix[0] != '\0'
                  ? format_seccomp_json_log_line(buf, sizeof buf, g_json_prefix, nr, name, tid)
                  : format_seccomp_log_line(buf, sizeof buf, nr, name, tid));
    if (const int fd = g_exit_fd.exchange(-1); fd >= 0) {
        const size_t n = format_seccomp_exit_record(buf, sizeof buf, nr, name, tid);
        if (::pwrite(fd, buf, n, 0) == static_cast<ssize_t>(n) && ::fsync(fd) == 0) {
            ::rename(g_tmp_path, g_final_path);
        }
    }
    ::syscall(SYS_exit_group, kExitSeccomp);
}

Error seccomp_error(const std::string& what, int rc) {
    return make_error(Errc::resource, "seccomp: " + what + ": " + std::strerror(-rc));
}

class Ctx {
  public:
    explicit Ctx(scmp_filter_ctx c) : c_(c) {}
    ~Ctx() {
        if (c_ != nullptr) ::seccomp_release(c_);
    }
    Ctx(const Ctx&) = delete;
    Ctx& operator=(const Ctx&) = delete;
    scmp_filter_ctx get() const { return c_; }

  private:
    scmp_filter_ctx c_;
};

Status add_rules(scmp_filter_ctx ctx) {
    for (const char* name : seccomp_allowed_syscalls()) {
        const int nr = ::seccomp_syscall_resolve_name(name);
        if (nr == __NR_SCMP_ERROR)
            return make_error(Errc::unsupported, "seccomp: unknown " + std::string(name));
        if (nr < 0) continue;  // not a system call on this architecture (a libseccomp pseudo one)
        if (int rc = ::seccomp_rule_add(ctx, SCMP_ACT_ALLOW, nr, 0); rc < 0) {
            return seccomp_error(std::string("allow ") + name, rc);
        }
    }
    for (const IoctlRule& r : seccomp_allowed_ioctls()) {
        const int rc = ::seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(ioctl), 1,
                                          SCMP_A1(SCMP_CMP_EQ, r.request));
        if (rc < 0) return seccomp_error(std::string("allow ioctl ") + r.name, rc);
    }
    for (const ErrnoRule& r : seccomp_errno_syscalls()) {
        const int nr = ::seccomp_syscall_resolve_name(r.name);
        if (nr == __NR_SCMP_ERROR)
            return make_error(Errc::unsupported, "seccomp: unknown " + std::string(r.name));
        if (nr < 0) continue;
        if (int rc = ::seccomp_rule_add(ctx, SCMP_ACT_ERRNO(static_cast<uint32_t>(r.error)), nr, 0);
            rc < 0) {
            return seccomp_error(std::string("errno rule ") + r.name, rc);
        }
    }
    const int rc = ::seccomp_rule_add(
        ctx, SCMP_ACT_ALLOW, SCMP_SYS(clone), 1,
        SCMP_A0(SCMP_CMP_MASKED_EQ, kSeccompCloneRequired, kSeccompCloneRequired));
    if (rc < 0) return seccomp_error("allow clone", rc);
    const int rc2 = ::seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(tgkill), 1,
                                       SCMP_A0(SCMP_CMP_EQ, static_cast<uint64_t>(::getpid())));
    if (rc2 < 0) return seccomp_error("allow tgkill", rc2);
    // A vCPU thread names itself "vcpu<N>" (how domusd finds it for vcpu-pin): PR_SET_NAME only.
    const int rc3 = ::seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(prctl), 1,
                                       SCMP_A0(SCMP_CMP_EQ, static_cast<uint64_t>(PR_SET_NAME)));
    if (rc3 < 0) return seccomp_error("allow prctl(PR_SET_NAME)", rc3);
    return {};
}

}  // namespace

void set_seccomp_exit_record(int exit_fd, const std::string& tmp_path,
                             const std::string& final_path) {
    g_exit_fd = exit_fd;
    copy_path(g_tmp_path, tmp_path);
    copy_path(g_final_path, final_path);
}

void set_seccomp_log_json_prefix(const std::string& json_prefix) {
    // A prefix too long for the buffer (a very long domain name) falls back to the text line
    // rather than a cut, unparsable object.
    if (json_prefix.size() >= sizeof g_json_prefix - 1) {
        g_json_prefix[0] = '\0';
        return;
    }
    copy_path(g_json_prefix, json_prefix);
}

void disarm_seccomp_exit_record() {
    g_exit_fd.store(-1);
}

Status install_seccomp_filter() {
    for (int nr = 0; nr < kMaxNr; ++nr) {
        // Kept for the life of the process: the handler may need any of them.
        g_names[nr] = ::seccomp_syscall_resolve_num_arch(SCMP_ARCH_NATIVE, nr);
    }
    struct sigaction sa {};
    sa.sa_sigaction = on_sigsys;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = SA_SIGINFO;
    if (::sigaction(SIGSYS, &sa, nullptr) != 0) {
        return make_error(Errc::resource,
                          std::string("sigaction(SIGSYS): ") + std::strerror(errno));
    }
    sigset_t sys;
    sigemptyset(&sys);
    sigaddset(&sys, SIGSYS);
    ::pthread_sigmask(SIG_UNBLOCK, &sys, nullptr);

    Ctx ctx(::seccomp_init(SCMP_ACT_TRAP));
    if (ctx.get() == nullptr) return make_error(Errc::resource, "seccomp_init failed");
    // Another architecture's system call numbers (int 0x80, x32) trap too.
    if (int rc = ::seccomp_attr_set(ctx.get(), SCMP_FLTATR_ACT_BADARCH, SCMP_ACT_TRAP); rc < 0) {
        return seccomp_error("bad-arch action", rc);
    }
    if (int rc = ::seccomp_attr_set(ctx.get(), SCMP_FLTATR_CTL_TSYNC, 1); rc < 0) {
        return seccomp_error("TSYNC", rc);
    }
    if (auto st = add_rules(ctx.get()); !st) return st;
    if (int rc = ::seccomp_load(ctx.get()); rc < 0) return seccomp_error("load", rc);
    return {};
}

}  // namespace domus::vmm
