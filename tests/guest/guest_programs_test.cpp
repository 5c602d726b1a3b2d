// Unmodified static Linux programs in real domains: busybox, C programs built with musl and
// glibc, a Go program. Each test boots `domus run` with the initramfs build_images.sh made and
// compares what the program prints with the same binary run on this host; where the guest
// differs from Linux by design, the expectation is spelled out instead.
#include <gtest/gtest.h>
#include <time.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "guest_expect.hpp"
#include "guest_runner.hpp"
#include "process.hpp"

namespace domus::test::guest {
namespace {

const std::vector<std::string> kBaseEnv = {"HOME=/", "TERM=linux"};

// ---------------------------------------------------------------------------------------------
// The busybox shell and applets.

TEST(GuestShell, AppletScriptMatchesHost) {
    DOMUS_REQUIRE_GUEST_IMAGES();
    auto g = run_guest(boot("init=/bin/sh -- /tests/run-applets.sh /tmp/applets", 2, 128, 90));
    expect_kernel_healthy(g);
    EXPECT_EQ(g.exit_code, 0) << context(g);

    TempDir tmp;
    auto h = run_host(root_path("bin/busybox"),
                      {"sh", root_path("tests/run-applets.sh"), tmp.path() + "/applets"},
                      {"PATH=" + root_path("bin"), "HOME=/", "TERM=linux"});
    ASSERT_EQ(h.exit_code, 0) << h.out;
    ASSERT_TRUE(contains(h.lines, "applets.sh exit status: 0")) << h.out;
    EXPECT_TRUE(g.lines == h.lines) << line_diff(h.lines, g.lines, "host", "guest");
}

// Facts only the guest can check: what its /proc, tty and clock say. Explicit expectations.
TEST(GuestShell, ProcTtyAndClock) {
    DOMUS_REQUIRE_GUEST_IMAGES();
    const std::string script =
        "echo uname-s: $(uname -s); "
        "echo uname-m: $(uname -m); "
        "echo cpuinfo-processors: $(grep -c ^processor /proc/cpuinfo); "
        "echo meminfo: $(head -n 1 /proc/meminfo | cut -d: -f1); "
        "echo self-exe: $(readlink /proc/self/exe); "
        "echo self-fd: $(ls /proc/self/fd | sort -n | head -n 3 | tr '\\n' ' '); "
        "echo self-cmdline: $(tr '\\0' ' ' < /proc/self/cmdline); "
        "echo stat-comm: $(cut -d' ' -f2 /proc/self/stat); "
        "sleep 5 & "
        "i=0; while [ $i -lt 50 ] && ! ps -o comm | grep -qx sleep; do sleep 0.1; i=$((i+1)); "
        "done; "
        "echo ps-sees-sleep: $(ps -o comm | grep -cx sleep); "
        "kill $!; "
        "echo tty: $(tty); "
        "echo stty-size: $(stty size | sed 's/[0-9][0-9]*/N/g'); "
        "echo id: $(id -u):$(id -g); "
        "echo epoch: $(date +%s); "
        "echo devnull: $(echo x > /dev/null && echo ok); "
        "echo zero: $(head -c 4 /dev/zero | od -An -tx1)";
    const time_t before = ::time(nullptr);
    auto g = run_guest(boot("init=/bin/sh -- -c \"" + script + "\"", 2));
    const time_t after = ::time(nullptr);
    expect_kernel_healthy(g);
    EXPECT_EQ(g.exit_code, 0) << context(g);
    auto facts = parse_outcomes(g.lines);
    const std::map<std::string, std::string> expected = {
        {"uname-s", "Linux"},       {"uname-m", "x86_64"},        {"cpuinfo-processors", "2"},
        {"meminfo", "MemTotal"},    {"self-exe", "/bin/busybox"}, {"self-fd", "0 1 2"},
        {"self-cmdline", "tr \\0"}, {"stat-comm", "(cut)"},       {"ps-sees-sleep", "1"},
        {"tty", "/dev/console"},    {"stty-size", "N N"},         {"id", "0:0"},
        {"devnull", "ok"},          {"zero", "00 00 00 00"},
    };
    for (const auto& [key, value] : expected) {
        EXPECT_EQ(facts[key], value) << key << context(g);
    }
    const long epoch = std::atol(facts["epoch"].c_str());
    EXPECT_GE(epoch, static_cast<long>(before) - 2) << "the guest's clock" << context(g);
    EXPECT_LE(epoch, static_cast<long>(after) + 2) << "the guest's clock" << context(g);
}

// The initramfs's files read back byte for byte, whether the kernel kept the archive's own
// pages for them (the monitor page-aligns the largest file, busybox) or copied them, and the
// archive's memory is RAM again once unpacked: MemTotal counts it.
TEST(GuestShell, InitramfsFilesAreExactAndTheArchiveMemoryReturns) {
    DOMUS_REQUIRE_GUEST_IMAGES();
    auto g = run_guest(
        boot("init=/bin/sh -- -c \"echo busybox: $(sha256sum /bin/busybox | cut -d' ' -f1); "
             "echo hello: $(sha256sum /bin/hello-musl | cut -d' ' -f1); "
             "echo memtotal: $(grep MemTotal /proc/meminfo | tr -s ' ' | cut -d' ' -f2)\""));
    expect_kernel_healthy(g);
    EXPECT_EQ(g.exit_code, 0) << context(g);
    auto facts = parse_outcomes(g.lines);
    for (const char* name : {"busybox", "hello-musl"}) {
        auto h = run_host(root_path("bin/busybox"),
                          {"sha256sum", root_path(std::string("bin/") + name)}, {});
        ASSERT_EQ(h.exit_code, 0) << h.out;
        const std::string key = std::string(name) == "busybox" ? "busybox" : "hello";
        EXPECT_EQ(facts[key], h.out.substr(0, 64)) << name << context(g);
    }
    // The uncompressed archive's size: gzip's ISIZE trailer (the image is one member < 4 GiB).
    std::ifstream gz(image_path("guest.cpio.gz"), std::ios::binary | std::ios::ate);
    ASSERT_TRUE(gz) << image_path("guest.cpio.gz");
    gz.seekg(-4, std::ios::end);
    unsigned char isize[4] = {};
    gz.read(reinterpret_cast<char*>(isize), 4);
    const uint64_t archive = isize[0] | isize[1] << 8 | isize[2] << 16 | uint64_t(isize[3]) << 24;
    ASSERT_GT(archive, 4u << 20) << "the test needs an archive bigger than the kernel's share";
    // Kept back: the boot area, the kernel image and the page-info array, all well below the
    // archive's size; without the archive's pages MemTotal would be lower by all of it.
    const uint64_t total_kib = std::strtoull(facts["memtotal"].c_str(), nullptr, 10);
    EXPECT_GT(total_kib * 1024, (128ull << 20) - archive) << context(g);
}

// CPU time is split into user and system time (wait4's rusage, as busybox `time` shows it):
// a shell loop without system calls is user time; the kernel's side of system calls is system
// time (on the PVM host the hardware entry and exit around each call count as user time, so
// only "some" is asked of a loop of reads and writes).
TEST(GuestShell, UserAndSystemTimeAreSplit) {
    DOMUS_REQUIRE_GUEST_IMAGES();
    auto g = run_guest(
        boot("init=/bin/sh -- -c \"time -f 'spin %U %S' sh -c 'i=0; while [ $i -lt 40000 ]; "
             "do i=$((i+1)); done'; time -f 'io %U %S' sh -c 'dd if=/dev/zero of=/dev/null "
             "bs=1 count=20000 2>/dev/null'\""));
    expect_kernel_healthy(g);
    EXPECT_EQ(g.exit_code, 0) << context(g);
    double spin_user = -1, spin_sys = -1, io_user = -1, io_sys = -1;
    for (const std::string& line : g.lines) {
        std::sscanf(line.c_str(), "spin %lf %lf", &spin_user, &spin_sys);
        std::sscanf(line.c_str(), "io %lf %lf", &io_user, &io_sys);
    }
    EXPECT_GT(spin_user, 0.0) << context(g);
    EXPECT_LT(spin_sys, spin_user) << context(g);
    EXPECT_GT(io_sys, 0.0) << context(g);
}

// The kernel's random numbers are reseeded from the domain's virtio-rng device (the monitor's
// back end fills the request from the host's getrandom) once programs have asked for some, when
// a vCPU is idle (the sleep): what programs read differs between reads, and the monitor counts
// the requests it served.
TEST(GuestShell, RandomnessIsReseededFromTheVirtioRngDevice) {
    DOMUS_REQUIRE_GUEST_IMAGES();
    ::setenv("DOMUS_STATS", "1", 1);
    auto g = run_guest(
        boot("init=/bin/sh -- -c \"a=$(head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \\n'); "
             "b=$(head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \\n'); echo len ${#a}; "
             "[ $a != $b ] && echo differ; sleep 0.05\""));
    ::unsetenv("DOMUS_STATS");
    expect_kernel_healthy(g);
    EXPECT_EQ(g.exit_code, 0) << context(g);
    EXPECT_TRUE(contains(g.lines, "len 64")) << context(g);
    EXPECT_TRUE(contains(g.lines, "differ")) << context(g);
    const auto at = g.err.find("virtio_rng_requests=");
    ASSERT_NE(at, std::string::npos) << g.err;
    EXPECT_GE(std::atoi(g.err.c_str() + at + 20), 1) << g.err;
    const auto bytes = g.err.find("virtio_rng_bytes=");
    ASSERT_NE(bytes, std::string::npos) << g.err;
    EXPECT_GE(std::atoi(g.err.c_str() + bytes + 17), 32) << g.err;
}

// A fault kills the program, the shell reports it, the kernel says which process and where.
TEST(GuestShell, ShellReportsAFaultAndCarriesOn) {
    DOMUS_REQUIRE_GUEST_IMAGES();
    auto g =
        run_guest(boot("init=/bin/sh -- -c '/bin/faults-musl --fault-now; echo status $?; "
                       "/bin/hello-musl > /dev/null && echo still running programs'"));
    expect_kernel_healthy(g);
    EXPECT_EQ(g.exit_code, 0) << context(g);
    // (Whether it adds "(core dumped)" is checked by the no-core-flag fault case.)
    EXPECT_TRUE(any_contains(g.lines, "Segmentation fault")) << context(g);
    EXPECT_TRUE(contains(g.lines, "status 139")) << context(g);
    EXPECT_TRUE(contains(g.lines, "still running programs")) << context(g);
    EXPECT_TRUE(any_contains(g.kernel_lines, "faults-musl")) << context(g);
    EXPECT_TRUE(any_contains(g.kernel_lines, "signal 11")) << context(g);
}

// ---------------------------------------------------------------------------------------------
// Start-up: argv, envp, auxv, TLS; static and static-PIE, musl and glibc.

class GuestHello : public ::testing::TestWithParam<const char*> {};

TEST_P(GuestHello, ArgvEnvpAuxvMatchHost) {
    DOMUS_REQUIRE_GUEST_IMAGES();
    const std::string name = GetParam();
    const std::string guest_path = "/bin/" + name;
    auto g = run_guest(boot("init=" + guest_path + " FOO=bar -- one 'two words' x=y"));
    expect_kernel_healthy(g);
    EXPECT_EQ(g.exit_code, 0) << context(g);
    // Linux's meaning of the command line: words with '=' before "--" are the environment.
    for (const std::string& line : std::vector<std::string>{
             "argc: 4", "argv[0]: \"" + guest_path + "\"", "argv[2]: \"two words\"",
             "argv[3]: \"x=y\"", "envp[0]: \"HOME=/\"", "envp[1]: \"TERM=linux\"",
             "envp[2]: \"FOO=bar\"", "AT_RANDOM bytes: random", "AT_ENTRY is _start: yes",
             "AT_PAGESZ: 4096", "tls: 47, data: 5, bss zero: yes"}) {
        EXPECT_TRUE(contains(g.lines, line)) << "missing: " << line << context(g);
    }
    auto h = run_host(program_path(name), {guest_path, "one", "two words", "x=y"},
                      {"HOME=/", "TERM=linux", "FOO=bar"});
    ASSERT_EQ(h.exit_code, 0) << h.out;
    EXPECT_TRUE(g.lines == h.lines) << line_diff(h.lines, g.lines, "host", "guest");
}

INSTANTIATE_TEST_SUITE_P(Programs, GuestHello,
                         ::testing::Values("hello-musl", "hello-glibc", "hello-musl-pie",
                                           "hello-glibc-pie"),
                         [](const auto& info) {
                             std::string n = info.param;
                             std::replace(n.begin(), n.end(), '-', '_');
                             return n;
                         });

// ---------------------------------------------------------------------------------------------
// Exit status of init and of the domain.

TEST(GuestExit, InitExitStatusIsTheDomains) {
    DOMUS_REQUIRE_GUEST_IMAGES();
    auto g = run_guest(boot("init=/bin/sh -- -c 'echo bye; exit 3'"));
    expect_kernel_healthy(g);
    EXPECT_EQ(g.exit_code, 3) << context(g);
    EXPECT_EQ(g.lines, std::vector<std::string>{"bye"}) << context(g);
}

TEST(GuestExit, ProgramExitStatus) {
    DOMUS_REQUIRE_GUEST_IMAGES();
    auto g = run_guest(boot("init=/bin/hello-glibc -- exit7"));
    expect_kernel_healthy(g);
    EXPECT_EQ(g.exit_code, 7) << context(g);
}

TEST(GuestExit, InitKilledBySignalIs128PlusSignal) {
    DOMUS_REQUIRE_GUEST_IMAGES();
    auto g = run_guest(boot("init=/bin/faults-musl -- --raise-segv"));
    expect_kernel_healthy(g);
    EXPECT_EQ(g.exit_code, 139) << context(g);
}

TEST(GuestExit, InitFaultingIs139WithTheKernelsMessage) {
    DOMUS_REQUIRE_GUEST_IMAGES();
    auto g = run_guest(boot("init=/bin/faults-musl -- --fault-now"));
    expect_kernel_healthy(g);
    EXPECT_EQ(g.exit_code, 139) << context(g);
    EXPECT_TRUE(any_contains(g.kernel_lines, "signal 11")) << context(g);
}

TEST(GuestExit, MissingInitIs127) {
    DOMUS_REQUIRE_GUEST_IMAGES();
    auto g = run_guest(boot("init=/nonexistent"));
    expect_kernel_healthy(g);
    EXPECT_EQ(g.exit_code, 127) << context(g);
    EXPECT_TRUE(any_contains(g.kernel_lines, "/nonexistent")) << context(g);
}

TEST(GuestExit, DefaultInitIsSlashInitWithTheCommandLineWords) {
    DOMUS_REQUIRE_GUEST_IMAGES();
    auto g = run_guest(boot("a b FOO=1"));
    expect_kernel_healthy(g);
    EXPECT_EQ(g.exit_code, 5) << context(g);  // /init is a script: a shebang exec too
    EXPECT_EQ(g.lines, std::vector<std::string>{"default /init ran with 2 arguments: a b"})
        << context(g);
}

// ---------------------------------------------------------------------------------------------
// Threads on two vCPUs.

class GuestThreads : public ::testing::TestWithParam<const char*> {};

TEST_P(GuestThreads, MutexesCondvarsBarrierMatchHost) {
    DOMUS_REQUIRE_GUEST_IMAGES();
    const std::string name = GetParam();
    auto g = run_guest(boot("init=/bin/" + name, 2));
    expect_kernel_healthy(g);
    EXPECT_EQ(g.exit_code, 0) << context(g);
    for (const char* line :
         {"mutex counter: 800000 (expected 800000)",
          "queue: 2000 items, sum 2001000 (expected 2001000)", "turns: ABCDABCDABCDABCDABCDABCD",
          "barrier serial threads: 1", "ping-pong: 600", "timedwait: ETIMEDOUT", "threads done"}) {
        EXPECT_TRUE(contains(g.lines, line)) << "missing: " << line << context(g);
    }
    auto h = run_host(program_path(name), {"/bin/" + name}, kBaseEnv);
    ASSERT_EQ(h.exit_code, 0) << h.out;
    EXPECT_TRUE(g.lines == h.lines) << line_diff(h.lines, g.lines, "host", "guest");
}

INSTANTIATE_TEST_SUITE_P(Libc, GuestThreads, ::testing::Values("threads-musl", "threads-glibc"),
                         [](const auto& info) {
                             return std::string(info.param).substr(sizeof("threads-") - 1);
                         });

// ---------------------------------------------------------------------------------------------
// The extended register state (SSE, AVX, AVX-512) survives preemption, migration and signal
// handlers. glibc's string functions use AVX-512 registers where the CPU and kernel enable them.

class GuestXstate : public ::testing::TestWithParam<int> {};

TEST_P(GuestXstate, RegistersSurviveSwitchesAndSignals) {
    DOMUS_REQUIRE_GUEST_IMAGES();
    auto g = run_guest(boot("init=/bin/xstate-musl", GetParam()));
    expect_kernel_healthy(g);
    EXPECT_EQ(g.exit_code, 0) << context(g);
    auto h = run_host(program_path("xstate-musl"), {"/bin/xstate-musl"}, kBaseEnv);
    ASSERT_EQ(h.exit_code, 0) << h.out;
    auto guest = parse_outcomes(g.lines);
    auto host = parse_outcomes(h.lines);
    // A component the kernel does not enable (XCR0) is its choice; one it enables must be kept.
    for (const char* name : {"sse", "avx", "avx512"}) {
        const std::string plain = name;
        for (const std::string& key : {plain, plain + " across a signal handler"}) {
            for (auto* side : {&guest, &host}) {
                const std::string& v = (*side)[key];
                EXPECT_TRUE(v == "preserved" || v == "not enabled")
                    << (side == &guest ? "guest" : "host") << ": \"" << key << ": " << v << "\"";
            }
        }
    }
    EXPECT_EQ(guest["sse"], "preserved") << context(g);
}

INSTANTIATE_TEST_SUITE_P(Vcpus, GuestXstate, ::testing::Values(1, 2),
                         [](const auto& info) { return std::to_string(info.param) + "vcpu"; });

// ---------------------------------------------------------------------------------------------
// Go: goroutines on two vCPUs, channels, timers, signals, os/exec.

TEST(GuestGo, GoroutinesChannelsTimersMatchHost) {
    DOMUS_REQUIRE_GUEST_IMAGES();
    auto g = run_guest(boot("init=/bin/guestgo -- /tmp", 2));
    expect_kernel_healthy(g);
    EXPECT_EQ(g.exit_code, 0) << context(g);
    // The CPUs are the domain's: by design not the host's.
    EXPECT_TRUE(contains(g.lines, "numcpu: 2")) << context(g);
    EXPECT_TRUE(contains(g.lines, "gomaxprocs: 2")) << context(g);
    EXPECT_TRUE(contains(g.lines, "go: done")) << context(g);
    TempDir tmp;
    auto h = run_host(program_path("guestgo"), {"/bin/guestgo", tmp.path()}, kBaseEnv);
    ASSERT_EQ(h.exit_code, 0) << h.out;
    auto cpu_line = [](const std::string& l) {
        return l.rfind("numcpu: ", 0) == 0 || l.rfind("gomaxprocs: ", 0) == 0;
    };
    auto gl = without(g.lines, cpu_line);
    auto hl = without(h.lines, cpu_line);
    EXPECT_TRUE(gl == hl) << line_diff(hl, gl, "host", "guest");
}

// ---------------------------------------------------------------------------------------------
// Faults, privileged instructions, exhaustion: the faults program runs each case in a child
// and prints "<case>: <how it ended>". Expected outcomes are explicit; the host runs the same
// binary (with --host: bounded exhaustion) and must agree except where noted.

struct Outcome {
    std::string name;
    std::set<std::string> guest;  // accepted in the guest
    std::set<std::string> host;   // accepted on the host; empty: as the guest; {"*"}: any
};

const std::set<std::string> kSegv = {"SIGSEGV"};
const std::set<std::string> kAny = {"*"};

const std::vector<Outcome> kMemoryFaults = {
    {"kernel-read", kSegv, {}},         {"kernel-write", kSegv, {}},
    {"noncanonical-read", kSegv, {}},   {"unmapped-read", kSegv, {}},
    {"unmapped-write", kSegv, {}},      {"null-read", kSegv, {}},
    {"prot-none-read", kSegv, {}},      {"read-only-write", kSegv, {}},
    {"mprotect-then-write", kSegv, {}}, {"write-code", kSegv, {}},
    {"exec-data", kSegv, {}},           {"exec-stack", kSegv, {}},
    {"jump-kernel", kSegv, {}},         {"jump-noncanonical", kSegv, {}},
    {"jump-null", kSegv, {}},           {"stack-overflow", kSegv, {}},
    {"mmap-past-eof", {"SIGBUS"}, {}},
};

const std::vector<Outcome> kInstructions = {
    {"cli", kSegv, {}},
    {"sti", kSegv, {}},
    {"hlt", kSegv, {}},
    {"in", kSegv, {}},
    {"out", kSegv, {}},
    {"out-uart", kSegv, {}},
    {"out-hypercall", kSegv, {}},  // the Domus hypercall port: never from user mode
    // A 32-bit system call on Linux; never a system call here.
    {"int80", {"SIGSEGV", "SIGILL"}, kAny},
    {"sysenter", {"SIGSEGV", "SIGILL"}, kAny},
    {"int14", kSegv, {}},
    {"int32", kSegv, {}},
    {"int255", kSegv, {}},
    {"int3", {"SIGTRAP"}, {}},
    {"ud2", {"SIGILL"}, {}},
    // Under a hypervisor a user-mode vmcall (Intel's) or vmmcall (AMD's) is refused by KVM
    // (rax = -KVM_EPERM, "exit 0") when it is the host CPU's own instruction, else raises #UD;
    // what it must not do is reach the monitor as a hypercall ("exit 1").
    {"vmcall", {"exit 0", "SIGILL", "SIGSEGV"}, kAny},
    {"vmmcall", {"exit 0", "SIGILL", "SIGSEGV"}, kAny},
    {"rdmsr", kSegv, {}},
    {"wrmsr", kSegv, {}},
    {"read-cr3", kSegv, {}},
    {"write-cr3", kSegv, {}},
    {"swapgs", kSegv, {}},
    {"sysretq", kSegv, {}},
    {"lgdt", kSegv, {}},
    {"invlpg", kSegv, {}},
    {"wbinvd", kSegv, {}},
    {"divide-by-zero", {"SIGFPE"}, {}},
    {"divide-overflow", {"SIGFPE"}, {}},
};

const std::vector<Outcome> kSignals = {
    {"signal-bad-stack", kSegv, {}},
    {"handler-kernel", kSegv, {}},
    {"handler-noncanonical", kSegv, {}},
    {"restorer-kernel", kSegv, {}},
    {"sigreturn-zeros", kSegv, {}},
    {"sigreturn-ones", kSegv, {}},
    {"sigreturn-iopl", kSegv, {}},
    {"sigreturn-kernel-rip", kSegv, {}},
    {"sigreturn-noncanonical-rip", kSegv, {}},
    {"sigreturn-good", {"exit 0"}, {}},
    {"segv-handler", {"exit 0"}, {}},  // si_addr, si_code for SEGV/FPE/ILL; recovery
    {"raise-segv", kSegv, {}},
    {"abort", {"SIGABRT"}, {}},
    {"sigpipe", {"SIGPIPE"}, {}},
    {"exit42", {"exit 42"}, {}},
    {"vfork-exit", {"exit 0"}, {}},    // a vfork parent resumes when the child exits
    {"no-core-flag", {"exit 0"}, {}},  // WCOREDUMP only when a core was written
};

// exit 0: the base survived sleeps and another process with its own base; exit 7: the
// instruction raised SIGILL (then fsgsbase-hwcap2 checks the kernel does not offer it).
const std::vector<Outcome> kFsGsBase = {
    {"fs-arch-prctl", {"exit 0"}, {}},         {"gs-arch-prctl", {"exit 0"}, {}},
    {"fs-wrfsbase", {"exit 0", "exit 7"}, {}}, {"gs-wrgsbase", {"exit 0", "exit 7"}, {}},
    {"fsgsbase-hwcap2", {"exit 0"}, {}},
};

// On one vCPU: the parent gets the CPU back from spinning children and kills them.
const std::vector<Outcome> kPreemption = {
    {"spin-kill", {"SIGKILL"}, {}},
    {"spin-term", {"SIGTERM"}, {}},
    {"sleep-kill", {"SIGKILL"}, {}},
    {"spin-share", {"exit 0"}, {}},
    // A child spinning with its stack pointer at nothing is killed by the parent on Linux.
    // On PVM the kernel returns from an interrupt through the user stack (the sysretq
    // trampoline of ../shared/docs/pvm-ring3.md), so such a process may instead die of SIGSEGV
    // at the next interrupt: by design, as long as the kernel survives.
    {"spin-rsp-kernel", {"SIGKILL", "SIGSEGV"}, {"SIGKILL"}},
    {"spin-rsp-unmapped", {"SIGKILL", "SIGSEGV"}, {"SIGKILL"}},
    {"spin-rsp-noncanonical", {"SIGKILL", "SIGSEGV"}, {"SIGKILL"}},
    {"spin-rsp-code", {"SIGKILL", "SIGSEGV"}, {"SIGKILL"}},
};

// ENOMEM (the child stopped on the error) or killed; the host is bounded by RLIMIT_AS.
const std::set<std::string> kOom = {"ENOMEM", "SIGKILL", "SIGSEGV", "SIGBUS"};
// fork-cow: 16 MiB touched and 6 children reading it fit a 48 MiB domain only with
// copy-on-write.
const std::vector<Outcome> kExhaustion = {
    {"alloc-mmap", kOom, {"ENOMEM"}},
    {"alloc-brk", kOom, {"ENOMEM"}},
    {"alloc-lazy", kOom, {"ENOMEM"}},
    {"fork-cow", {"exit 0"}, {}},
};

std::string faults_cmdline(const std::string& binary, const std::vector<Outcome>& cases) {
    std::string cmd = "init=/bin/" + binary + " --";
    for (const auto& c : cases) cmd += " " + c.name;
    return cmd;
}

void check_outcomes(const std::vector<Outcome>& cases, const std::vector<std::string>& lines,
                    bool host, const std::string& where) {
    auto got = parse_outcomes(lines);
    for (const auto& c : cases) {
        const auto& accepted = host && !c.host.empty() ? c.host : c.guest;
        auto it = got.find(c.name);
        if (it == got.end()) {
            ADD_FAILURE() << where << ": no outcome for " << c.name << "\n" << join_lines(lines);
            continue;
        }
        if (accepted.count("*")) continue;
        std::string expected;
        for (const auto& a : accepted) expected += (expected.empty() ? "" : " or ") + a;
        EXPECT_TRUE(accepted.count(it->second))
            << where << ": \"" << c.name << ": " << it->second << "\", expected " << expected;
    }
    // The parent survived every case and the kernel still gives memory and processes.
    EXPECT_TRUE(std::find(lines.begin(), lines.end(), "after: 16 MiB ok, fork ok") != lines.end())
        << where << "\n"
        << join_lines(lines);
    EXPECT_TRUE(std::find(lines.begin(), lines.end(), "faults: done") != lines.end())
        << where << "\n"
        << join_lines(lines);
}

struct FaultGroup {
    const char* name;
    const std::vector<Outcome>* cases;
    int vcpus;  // 0: one for musl, two for glibc (both paths, UP and SMP)
    int memory_mib;
    bool on_host;
};

void PrintTo(const FaultGroup& g, std::ostream* os) {
    *os << g.name;
}

class GuestFaults : public ::testing::TestWithParam<std::tuple<FaultGroup, std::string>> {};

TEST_P(GuestFaults, OutcomesAsExpectedAndTheKernelSurvives) {
    DOMUS_REQUIRE_GUEST_IMAGES();
    const auto& [group, libc] = GetParam();
    const std::string binary = std::string("faults-") + libc;
    const int vcpus = group.vcpus > 0 ? group.vcpus : (libc == "glibc" ? 2 : 1);
    auto g = run_guest(boot(faults_cmdline(binary, *group.cases), vcpus, group.memory_mib, 120,
                            image_path("small.cpio")));
    expect_kernel_healthy(g);
    EXPECT_EQ(g.exit_code, 0) << context(g);
    check_outcomes(*group.cases, g.lines, false, "guest");
    if (!group.on_host) return;
    std::vector<std::string> argv = {"/bin/" + binary, "--host"};
    for (const auto& c : *group.cases) argv.push_back(c.name);
    auto h = run_host(program_path(binary), argv, kBaseEnv);
    EXPECT_EQ(h.exit_code, 0) << h.out;
    check_outcomes(*group.cases, h.lines, true, "host");
}

const FaultGroup kGroups[] = {
    {"MemoryFaults", &kMemoryFaults, 0, 64, true},
    {"PrivilegedInstructions", &kInstructions, 0, 64, true},
    {"SignalsAndSigreturn", &kSignals, 0, 64, true},
    {"FsGsBase", &kFsGsBase, 2, 64, true},
    {"PreemptionOneVcpu", &kPreemption, 1, 64, true},
    {"MemoryExhaustion", &kExhaustion, 0, 48, true},
};

INSTANTIATE_TEST_SUITE_P(Cases, GuestFaults,
                         ::testing::Combine(::testing::ValuesIn(kGroups),
                                            ::testing::Values(std::string("musl"),
                                                              std::string("glibc"))),
                         [](const auto& info) {
                             return std::string(std::get<0>(info.param).name) + "_" +
                                    std::get<1>(info.param);
                         });

// Forking without end meets the per-domain process limit: EAGAIN, and the forker survives,
// cleans up and forks again. Not on the host (root has no limit there).
TEST(GuestFaults, ForkWithoutEndFailsWithEagain) {
    DOMUS_REQUIRE_GUEST_IMAGES();
    const std::vector<Outcome> cases = {{"fork-forever", {"EAGAIN"}, {}}};
    auto g = run_guest(
        boot(faults_cmdline("faults-musl", cases), 1, 128, 120, image_path("small.cpio")));
    expect_kernel_healthy(g);
    EXPECT_EQ(g.exit_code, 0) << context(g);
    check_outcomes(cases, g.lines, false, "guest");
    auto got = parse_outcomes(g.lines);
    RecordProperty("processes", got["fork-forever-processes"]);
}

// ITIMER_REAL and alarm(2) (kernel timers): the same program's lines on the host.
TEST(GuestPrograms, IntervalTimersAndAlarmMatchHost) {
    DOMUS_REQUIRE_GUEST_IMAGES();
    for (const char* libc : {"musl", "glibc"}) {
        const std::string prog = std::string("timers-") + libc;
        auto g = run_guest(boot("init=/bin/" + prog));
        expect_kernel_healthy(g);
        EXPECT_EQ(g.exit_code, 0) << context(g);
        auto h = run_host(program_path(prog), {"/bin/" + prog}, kBaseEnv);
        ASSERT_EQ(h.exit_code, 0) << h.out;
        EXPECT_TRUE(contains(h.lines, "timers: done")) << h.out;
        EXPECT_TRUE(g.lines == h.lines) << line_diff(h.lines, g.lines, "host", "guest");
    }
}

// ---------------------------------------------------------------------------------------------
// Hostile system-call arguments, one family per domain: the same binary on the host gives the
// reference line by line.

class GuestSyscalls : public ::testing::TestWithParam<const char*> {};

TEST_P(GuestSyscalls, ErrnosMatchHost) {
    DOMUS_REQUIRE_GUEST_IMAGES();
    const std::string family = GetParam();
    auto g = run_guest(boot("init=/bin/sysargs-musl -- " + family + " /tmp"));
    expect_kernel_healthy(g);
    EXPECT_EQ(g.exit_code, 0) << context(g);
    EXPECT_TRUE(contains(g.lines, family + ": done")) << context(g);
    if (family == "process") {
        // Unknown system calls are reported once each on the console.
        EXPECT_TRUE(any_contains(g.kernel_lines, "unimplemented system call 1000")) << context(g);
    }
    TempDir tmp;
    auto h =
        run_host(program_path("sysargs-musl"), {"/bin/sysargs-musl", family, tmp.path()}, kBaseEnv);
    ASSERT_EQ(h.exit_code, 0) << h.out;
    EXPECT_TRUE(g.lines == h.lines) << line_diff(h.lines, g.lines, "host", "guest");
}

INSTANTIATE_TEST_SUITE_P(Families, GuestSyscalls,
                         ::testing::Values("files", "memory", "process", "signals", "time", "futex",
                                           "poll", "random"));

}  // namespace
}  // namespace domus::test::guest
