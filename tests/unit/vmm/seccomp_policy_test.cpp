// The monitor's seccomp allow-list (src/vmm/seccomp_policy.hpp) as data, the async-signal-safe
// formatting of a violation, and the filter itself loaded in a child process: allowed calls
// work, open fails with EACCES, threads still start, a forbidden call ends the process with
// its name in the log and an exit record that parses.
#include "vmm/seccomp_policy.hpp"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <linux/kvm.h>
#include <seccomp.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <boost/json.hpp>
#include <climits>
#include <cstdlib>
#include <cstring>
#include <initializer_list>
#include <string>
#include <thread>

#include "vmm/exit_file.hpp"
#include "vmm/seccomp_filter.hpp"

namespace domus::vmm {
namespace {

bool allowed(const std::string& name) {
    for (const char* s : seccomp_allowed_syscalls()) {
        if (name == s) return true;
    }
    return false;
}

TEST(SeccompPolicy, EveryNameIsASystemCallOfThisArchitecture) {
    for (const char* name : seccomp_allowed_syscalls()) {
        EXPECT_GE(::seccomp_syscall_resolve_name(name), 0) << name;
    }
    for (const ErrnoRule& r : seccomp_errno_syscalls()) {
        EXPECT_GE(::seccomp_syscall_resolve_name(r.name), 0) << r.name;
        EXPECT_FALSE(allowed(r.name)) << r.name << " is both allowed and failed";
        EXPECT_GT(r.error, 0);
    }
}

TEST(SeccompPolicy, NothingThatLeavesTheJailOrGainsPrivilege) {
    for (const char* name : {"execve",
                             "execveat",
                             "fork",
                             "vfork",
                             "clone3",
                             "ptrace",
                             "process_vm_readv",
                             "process_vm_writev",
                             "mount",
                             "umount2",
                             "pivot_root",
                             "chroot",
                             "unshare",
                             "setns",
                             "setuid",
                             "setgid",
                             "setresuid",
                             "capset",
                             "prctl",
                             "seccomp",
                             "bpf",
                             "socket",
                             "connect",
                             "bind",
                             "listen",
                             "open",
                             "openat",
                             "openat2",
                             "open_by_handle_at",
                             "name_to_handle_at",
                             "init_module",
                             "finit_module",
                             "kexec_load",
                             "keyctl",
                             "add_key",
                             "perf_event_open",
                             "userfaultfd",
                             "mknod",
                             "mknodat",
                             "chmod",
                             "fchmod",
                             "chown",
                             "fchown",
                             "link",
                             "linkat",
                             "symlink",
                             "kill",
                             "tkill",
                             "tgkill",
                             "ioctl",
                             "clone"}) {
        EXPECT_FALSE(allowed(name)) << name << " must not be allowed unconditionally";
    }
}

TEST(SeccompPolicy, IoctlsAreTheRunLoopsNotTheBuilders) {
    bool run = false;
    for (const IoctlRule& r : seccomp_allowed_ioctls()) {
        run = run || r.request == KVM_RUN;
        for (unsigned long builder : std::initializer_list<unsigned long>{
                 KVM_CREATE_VM, KVM_CREATE_VCPU, KVM_SET_USER_MEMORY_REGION, KVM_GET_API_VERSION,
                 KVM_CREATE_IRQCHIP, KVM_SET_CPUID2, KVM_ENABLE_CAP}) {
            EXPECT_NE(r.request, builder) << r.name;
        }
        EXPECT_NE(std::string(r.name), "TUNSETIFF");
    }
    EXPECT_TRUE(run);
    // No duplicates: each rule is a distinct request number.
    const auto rules = seccomp_allowed_ioctls();
    for (size_t i = 0; i < rules.size(); ++i) {
        for (size_t j = i + 1; j < rules.size(); ++j) EXPECT_NE(rules[i].request, rules[j].request);
    }
}

TEST(SeccompFormat, TheRecordParsesAndNamesTheCall) {
    char buf[320];
    const size_t n = format_seccomp_exit_record(buf, sizeof buf, 59, "execve", 1234);
    EXPECT_EQ(n, std::strlen(buf));
    auto info = parse_exit_info(std::string_view(buf, n));
    ASSERT_TRUE(info.ok()) << info.error().message << ": " << buf;
    EXPECT_EQ(info->reason, "seccomp");
    EXPECT_EQ(info->code, 59);
    EXPECT_EQ(info->detail, "forbidden system call execve (59) by thread 1234");
    const size_t m = format_seccomp_log_line(buf, sizeof buf, 59, "execve", 1234);
    EXPECT_EQ(std::string(buf, m),
              "domus-vmm: seccomp: forbidden system call execve (59) by thread 1234; the monitor "
              "stops\n");
}

TEST(SeccompFormat, TheJsonLogLineIsOneObject) {
    char buf[640];
    const char* prefix =
        R"({"level":"error","component":"domus-vmm","domain":"web1","id":3,"msg":")";
    const size_t n = format_seccomp_json_log_line(buf, sizeof buf, prefix, 59, "execve", 1234);
    EXPECT_EQ(n, std::strlen(buf));
    const std::string line(buf, n);
    ASSERT_EQ(line.find('\n'), line.size() - 1) << line;
    const auto v = boost::json::parse(line).as_object();
    EXPECT_EQ(v.at("domain").as_string(), "web1");
    EXPECT_EQ(v.at("id").as_int64(), 3);
    EXPECT_EQ(v.at("msg").as_string(),
              "seccomp: forbidden system call execve (59) by thread 1234; the monitor stops");
    // A name the handler does not know and a buffer too small still give bounded output.
    const size_t m = format_seccomp_json_log_line(buf, 16, prefix, 999, nullptr, 1);
    EXPECT_LT(m, 16u);
}

TEST(SeccompFormat, HostileNamesNumbersAndSizes) {
    char buf[320];
    // A name that would break the JSON is neutralised; no name at all is "unknown".
    size_t n = format_seccomp_exit_record(buf, sizeof buf, -1, "a\"b\\c\n", 7);
    auto info = parse_exit_info(std::string_view(buf, n));
    ASSERT_TRUE(info.ok()) << buf;
    EXPECT_EQ(info->code, -1);
    EXPECT_EQ(info->detail, "forbidden system call a?b?c? (-1) by thread 7");
    n = format_seccomp_exit_record(buf, sizeof buf, 9999, nullptr, 0);
    info = parse_exit_info(std::string_view(buf, n));
    ASSERT_TRUE(info.ok()) << buf;
    EXPECT_NE(info->detail.find("unknown (9999)"), std::string::npos) << info->detail;
    n = format_seccomp_log_line(buf, sizeof buf, LONG_MIN, "", LONG_MAX);
    EXPECT_NE(std::string(buf, n).find("(-9223372036854775808) by thread 9223372036854775807"),
              std::string::npos)
        << buf;
    // A small buffer: truncated, always NUL-terminated, never overrun.
    char small[16];
    std::memset(small, 'X', sizeof small);
    n = format_seccomp_log_line(small, 10, 59, "execve", 1);
    EXPECT_EQ(n, 9u);
    EXPECT_EQ(small[9], '\0');
    EXPECT_EQ(small[10], 'X');
    EXPECT_EQ(format_seccomp_exit_record(small, 0, 59, "execve", 1), 0u);
    EXPECT_EQ(small[0], 'd');
}

// Runs `body` in a child with the filter loaded; its stderr goes to `log`. Returns the exit
// status (or 128 + signal).
// (ThreadSanitizer builds do not confine the monitor, and their runtime's own system calls are
// not on the list: the filter tests skip there.)
int in_filtered_child(const std::string& dir, void (*body)()) {
    const std::string log = dir + "/log";
    const pid_t pid = ::fork();
    if (pid == 0) {
        const int fd = ::open(log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
        ::dup2(fd, 2);
        const int exit_fd =
            ::open((dir + "/1.exit.tmp").c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
        set_seccomp_exit_record(exit_fd, dir + "/1.exit.tmp", dir + "/1.exit");
        ::prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
        if (!install_seccomp_filter()) ::_exit(100);
        body();
        ::_exit(0);
    }
    int st = 0;
    ::waitpid(pid, &st, 0);
    return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

std::string slurp(const std::string& path) {
    std::string s;
    const int fd = ::open(path.c_str(), O_RDONLY);
    char buf[4096];
    ssize_t n;
    while (fd >= 0 && (n = ::read(fd, buf, sizeof buf)) > 0) s.append(buf, size_t(n));
    if (fd >= 0) ::close(fd);
    return s;
}

#if defined(__SANITIZE_THREAD__)
#define SKIP_UNDER_TSAN() GTEST_SKIP() << "not under ThreadSanitizer"
#else
#define SKIP_UNDER_TSAN() (void)0
#endif

struct TempDir {
    TempDir() {
        char t[] = "/tmp/domus-seccomp-test-XXXXXX";
        path = ::mkdtemp(t);
    }
    ~TempDir() { (void)!std::system(("rm -rf '" + path + "'").c_str()); }
    std::string path;
};

TEST(SeccompFilter, AllowedCallsWorkOpenFailsThreadsStart) {
    SKIP_UNDER_TSAN();
    TempDir dir;
    const int rc = in_filtered_child(dir.path, [] {
        // Files: no opening (EACCES), even of what exists.
        if (::open("/dev/null", O_RDONLY) != -1 || errno != EACCES) ::_exit(1);
        // A thread: clone3 fails with ENOSYS and glibc falls back to clone(CLONE_THREAD).
        int value = 0;
        std::thread t([&value] { value = 42; });
        t.join();
        if (value != 42) ::_exit(2);
        const int e = ::eventfd(0, EFD_CLOEXEC);
        uint64_t one = 1;
        if (e < 0 || ::write(e, &one, sizeof one) != sizeof one) ::_exit(3);
        ::close(e);
        // A new process: clone without CLONE_THREAD traps.
    });
    EXPECT_EQ(rc, 0) << slurp(dir.path + "/log");
}

TEST(SeccompFilter, AForbiddenCallIsNamedAndRecorded) {
    SKIP_UNDER_TSAN();
    TempDir dir;
    const int rc = in_filtered_child(dir.path, [] {
        char* const argv[] = {nullptr};
        ::execve("/bin/true", argv, argv);
        ::_exit(0);  // not reached
    });
    EXPECT_EQ(rc, kExitSeccomp);
    const std::string log = slurp(dir.path + "/log");
    EXPECT_NE(log.find("domus-vmm: seccomp: forbidden system call execve (59)"), std::string::npos)
        << log;
    auto info = read_exit_file(dir.path + "/1.exit");
    ASSERT_TRUE(info.ok()) << info.error().message;
    EXPECT_EQ(info->reason, "seccomp");
    EXPECT_EQ(info->code, SYS_execve);
}

TEST(SeccompFilter, ForkingIsForbidden) {
    SKIP_UNDER_TSAN();
    TempDir dir;
    const int rc = in_filtered_child(dir.path, [] {
        const pid_t p = ::fork();  // glibc: clone without CLONE_THREAD
        if (p == 0) ::_exit(0);
        ::_exit(5);
    });
    EXPECT_EQ(rc, kExitSeccomp);
    EXPECT_NE(slurp(dir.path + "/log").find("forbidden system call clone (56)"), std::string::npos)
        << slurp(dir.path + "/log");
}

pid_t g_test_pid = 0;  // the test process, seen from the child (getppid is not allowed)

TEST(SeccompFilter, SignallingAnotherProcessIsForbidden) {
    SKIP_UNDER_TSAN();
    TempDir dir;
    g_test_pid = ::getpid();
    const int rc = in_filtered_child(dir.path, [] {
        // Its own threads: allowed (the vCPU kick).
        if (::syscall(SYS_tgkill, ::getpid(), ::syscall(SYS_gettid), 0) != 0) ::_exit(1);
        (void)::syscall(SYS_tgkill, g_test_pid, g_test_pid, 0);  // the parent: traps
    });
    EXPECT_EQ(rc, kExitSeccomp);
    EXPECT_NE(slurp(dir.path + "/log").find("forbidden system call tgkill (234)"),
              std::string::npos)
        << slurp(dir.path + "/log");
}

TEST(SeccompFilter, AnIoctlOutsideTheListIsForbidden) {
    SKIP_UNDER_TSAN();
    TempDir dir;
    const int rc = in_filtered_child(dir.path, [] {
        int n = 0;
        (void)::ioctl(0, FIONREAD, &n);
    });
    EXPECT_EQ(rc, kExitSeccomp);
    EXPECT_NE(slurp(dir.path + "/log").find("forbidden system call ioctl (16)"), std::string::npos)
        << slurp(dir.path + "/log");
}

TEST(SeccompFilter, AThreadMayNameItselfButPrctlIsOtherwiseForbidden) {
    TempDir dir;
    const int rc = in_filtered_child(dir.path, [] {
        if (::prctl(PR_SET_NAME, "vcpu0", 0, 0, 0) != 0) ::_exit(1);  // how vCPU threads name
        (void)::prctl(PR_SET_DUMPABLE, 1, 0, 0, 0);                   // anything else: traps
    });
    EXPECT_EQ(rc, kExitSeccomp);
    EXPECT_NE(slurp(dir.path + "/log").find("forbidden system call prctl (157)"), std::string::npos)
        << slurp(dir.path + "/log");
}

}  // namespace
}  // namespace domus::vmm
