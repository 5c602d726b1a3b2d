// AF_UNIX sockets in real domains: the sockets program (tests/guest/programs/sockets.c, musl
// and glibc) compared line by line with the same binary on this host, and busybox's socket
// applets (nc over unix sockets, netstat -x from /proc/net/unix) with explicit expectations.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "guest_expect.hpp"
#include "guest_runner.hpp"
#include "process.hpp"

namespace domus::test::guest {
namespace {

const std::vector<std::string> kBaseEnv = {"HOME=/", "TERM=linux"};

class GuestSockets : public ::testing::TestWithParam<const char*> {};

TEST_P(GuestSockets, ProgramMatchesHost) {
    DOMUS_REQUIRE_GUEST_IMAGES();
    const std::string prog = GetParam();
    auto g = run_guest(boot("init=/bin/" + prog + " -- /tmp", 2, 128, 120));
    expect_kernel_healthy(g);
    EXPECT_EQ(g.exit_code, 0) << context(g);
    EXPECT_TRUE(contains(g.lines, "sockets: done")) << context(g);
    TempDir tmp;
    auto h = run_host(program_path(prog), {"/bin/" + prog, tmp.path()}, kBaseEnv, "", 120);
    ASSERT_EQ(h.exit_code, 0) << h.out;
    ASSERT_TRUE(contains(h.lines, "sockets: done")) << h.out;
    EXPECT_TRUE(g.lines == h.lines) << line_diff(h.lines, g.lines, "host", "guest");
}

INSTANTIATE_TEST_SUITE_P(Libc, GuestSockets, ::testing::Values("sockets-musl", "sockets-glibc"));

// /proc/net/unix in Linux's format, as busybox netstat reads it (busybox's nc has no unix
// sockets: the sockets program's serve and send modes stand in), and /proc/<pid>/fd links
// that read socket:[inode].
TEST(GuestSocketsBusybox, ProcNetUnixAndNetstat) {
    DOMUS_REQUIRE_GUEST_IMAGES();
    const std::string script =
        "/bin/sockets-musl serve /tmp/srv.sock & "
        "i=0; while [ $i -lt 50 ] && [ ! -S /tmp/srv.sock ]; do sleep 0.1; i=$((i+1)); done; "
        "echo header: $(head -n 1 /proc/net/unix); "
        "echo listening: $(grep -c ': 00000002 00000000 00010000 0001 01 .* /tmp/srv.sock$' "
        "/proc/net/unix); "
        "echo netstat-listen: $(netstat -xl | grep -c 'ACC.*STREAM.*LISTENING.*/tmp/srv.sock'); "
        "echo fd-link: $(ls -l /proc/$!/fd | grep -c 'socket:.[0-9]*.'); "
        "echo reply: $(/bin/sockets-musl send /tmp/srv.sock ping-over-unix); "
        "kill $!; wait $!; "
        "echo after-kill: $(grep -c /tmp/srv.sock /proc/net/unix); "
        "echo refused: $(/bin/sockets-musl send /tmp/srv.sock x)";
    auto g = run_guest(boot("init=/bin/sh -- -c \"" + script + "\"", 2));
    expect_kernel_healthy(g);
    auto facts = parse_outcomes(g.lines);
    EXPECT_EQ(facts["header"], "Num RefCount Protocol Flags Type St Inode Path") << context(g);
    EXPECT_EQ(facts["listening"], "1") << context(g);
    EXPECT_EQ(facts["netstat-listen"], "1") << context(g);
    EXPECT_EQ(facts["fd-link"], "1") << context(g);
    EXPECT_EQ(facts["reply"], "PING-OVER-UNIX") << context(g);
    EXPECT_EQ(facts["after-kill"], "0") << context(g);
    EXPECT_EQ(facts["refused"], "connect: ECONNREFUSED") << context(g);
}

}  // namespace
}  // namespace domus::test::guest
