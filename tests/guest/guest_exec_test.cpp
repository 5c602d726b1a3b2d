// `domus run --exec PROGRAM [ARGS...]`: the initramfs is packed on the fly around a static
// program (with --with-busybox and --overlay, a small userland too) and the program runs as
// init with ARGS; its exit status is `domus run`'s. Each program's output is compared with the
// same binary run on this host; dynamic and non-ELF programs are refused before any domain.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <algorithm>
#include <string>
#include <vector>

#include "guest_expect.hpp"
#include "guest_runner.hpp"
#include "process.hpp"

namespace domus::test::guest {
namespace {

const std::vector<std::string> kBaseEnv = {"HOME=/", "TERM=linux"};

GuestResult exec(std::vector<std::string> options, const std::string& program,
                 const std::vector<std::string>& args, double timeout_s = 60) {
    std::vector<std::string> argv = {"run"};
    argv.insert(argv.end(), options.begin(), options.end());
    argv.push_back("--exec");
    argv.push_back(program);
    argv.insert(argv.end(), args.begin(), args.end());
    return run_guest_args(argv, timeout_s);
}

class ExecHello : public ::testing::TestWithParam<const char*> {};

TEST_P(ExecHello, ArgumentsPassThroughAndTheOutputMatchesTheHost) {
    DOMUS_REQUIRE_GUEST_IMAGES();
    const std::string name = GetParam();
    const std::vector<std::string> args = {"one", "two words", "x=y", "it's", "", "--", "-c"};
    auto g = exec({"--memory", "64"}, program_path(name), args);
    expect_kernel_healthy(g);
    EXPECT_EQ(g.exit_code, 0) << context(g);
    EXPECT_TRUE(contains(g.lines, "argc: 8")) << context(g);
    EXPECT_TRUE(contains(g.lines, "argv[0]: \"/bin/" + name + "\"")) << context(g);
    std::vector<std::string> host_argv = {"/bin/" + name};
    host_argv.insert(host_argv.end(), args.begin(), args.end());
    auto h = run_host(program_path(name), host_argv, kBaseEnv);
    ASSERT_EQ(h.exit_code, 0) << h.out;
    EXPECT_TRUE(g.lines == h.lines) << line_diff(h.lines, g.lines, "host", "guest");
}

INSTANTIATE_TEST_SUITE_P(Programs, ExecHello,
                         ::testing::Values("hello-musl", "hello-glibc", "hello-musl-pie",
                                           "hello-glibc-pie"),
                         [](const auto& info) {
                             std::string n = info.param;
                             std::replace(n.begin(), n.end(), '-', '_');
                             return n;
                         });

TEST(Exec, TheProgramsExitStatusIsDomusRuns) {
    DOMUS_REQUIRE_GUEST_IMAGES();
    auto g = exec({}, program_path("hello-glibc"), {"exit7"});
    expect_kernel_healthy(g);
    EXPECT_EQ(g.exit_code, 7) << context(g);
    auto s = exec({}, program_path("faults-musl"), {"--raise-segv"});
    expect_kernel_healthy(s);
    EXPECT_EQ(s.exit_code, 139) << context(s);
}

TEST(Exec, AGoProgramWithBusyboxForItsChildren) {
    DOMUS_REQUIRE_GUEST_IMAGES();
    auto g = exec({"--vcpus", "2", "--memory", "128", "--with-busybox"}, program_path("guestgo"),
                  {"/tmp"});
    expect_kernel_healthy(g);
    EXPECT_EQ(g.exit_code, 0) << context(g);
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

TEST(Exec, BusyboxShellWithItsAppletsInBin) {
    DOMUS_REQUIRE_GUEST_IMAGES();
    auto list = run_host("/bin/busybox", {"busybox", "--list"}, kBaseEnv);
    ASSERT_EQ(list.exit_code, 0);
    const auto applets = std::count_if(list.lines.begin(), list.lines.end(),
                                       [](const std::string& l) { return l != "busybox"; });
    auto g = exec({"--with-busybox"}, "busybox", {"sh", "-c", "echo hi; ls /bin | wc -l; exit 3"});
    expect_kernel_healthy(g);
    EXPECT_EQ(g.exit_code, 3) << context(g);
    EXPECT_EQ(g.lines, (std::vector<std::string>{"hi", std::to_string(applets + 1)})) << context(g);
}

TEST(Exec, AnOverlayTreeIsTheProgramsFileSystem) {
    DOMUS_REQUIRE_GUEST_IMAGES();
    TempDir tmp;
    const std::string root = tmp.path() + "/root";
    ASSERT_EQ(::mkdir(root.c_str(), 0755), 0);
    ASSERT_EQ(::mkdir((root + "/etc").c_str(), 0700), 0);
    write_file(root + "/etc/motd", "welcome to the overlay\n");
    write_file(root + "/run.sh", "cat /etc/motd\nls -l /etc/motd | cut -c1-10\nreadlink /motd\n");
    ASSERT_EQ(::symlink("etc/motd", (root + "/motd").c_str()), 0);
    ASSERT_EQ(::chmod((root + "/etc/motd").c_str(), 0640), 0);
    auto g = exec({"--with-busybox", "--overlay", root}, "/bin/busybox", {"sh", "/run.sh"});
    expect_kernel_healthy(g);
    EXPECT_EQ(g.exit_code, 0) << context(g);
    EXPECT_EQ(g.lines,
              (std::vector<std::string>{"welcome to the overlay", "-rw-r-----", "etc/motd"}))
        << context(g);
}

TEST(Exec, ADynamicProgramIsRefusedNamingItsInterpreter) {
    DOMUS_REQUIRE_KVM();
    auto g = exec({}, "/bin/ls", {"-l"});
    EXPECT_EQ(g.exit_code, 125);
    EXPECT_NE(g.err.find("'/bin/ls' is dynamically linked (interpreter "
                         "/lib64/ld-linux-x86-64.so.2); --exec needs a static executable"),
              std::string::npos)
        << g.err;
    EXPECT_EQ(g.console, "");
}

TEST(Exec, NonElfFilesAndMissingProgramsAreRefusedByName) {
    DOMUS_REQUIRE_KVM();
    TempDir tmp;
    write_file(tmp.path() + "/script", "#!/bin/sh\necho hi\n");
    auto s = exec({}, tmp.path() + "/script", {});
    EXPECT_EQ(s.exit_code, 125);
    EXPECT_NE(s.err.find("'" + tmp.path() + "/script' is a script"), std::string::npos) << s.err;
    auto p = exec({}, "/etc/passwd", {});
    EXPECT_EQ(p.exit_code, 125);
    EXPECT_NE(p.err.find("'/etc/passwd' is not an ELF executable"), std::string::npos) << p.err;
    auto m = exec({}, "no-such-program-anywhere", {});
    EXPECT_EQ(m.exit_code, 125);
    EXPECT_NE(m.err.find("'no-such-program-anywhere': no such program in $PATH"), std::string::npos)
        << m.err;
    auto both = run_guest_args({"run", "--ramdisk", "/x.cpio", "--exec", "/bin/busybox"});
    EXPECT_EQ(both.exit_code, 125);
    EXPECT_NE(both.err.find("cannot be combined with a ramdisk"), std::string::npos) << both.err;
    auto lone = run_guest_args({"run", "--with-busybox"});
    EXPECT_EQ(lone.exit_code, 1);
    EXPECT_NE(lone.err.find("--with-busybox needs --exec PROGRAM"), std::string::npos) << lone.err;
}

}  // namespace
}  // namespace domus::test::guest
