// `domus console` against a fake console WebSocket: input, output, and every way out.
#include "cli/console.hpp"

#include <gtest/gtest.h>

#include "fake_console.hpp"

namespace domus::cli {
namespace {

using test::FakeConsole;
using test::StdinFrom;

struct Attach {
    int rc;
    std::string out, err;
};

Attach attach(const FakeConsole& server) {
    testing::internal::CaptureStdout();
    testing::internal::CaptureStderr();
    const int rc = attach_console(server.path(), "web1");
    return {rc, testing::internal::GetCapturedStdout(), testing::internal::GetCapturedStderr()};
}

TEST(ConsoleAttach, PipedInputReachesTheGuestThenEndOfInputDetaches) {
    FakeConsole server;
    StdinFrom input("hello\n");
    auto r = attach(server);
    EXPECT_EQ(r.rc, 0);
    EXPECT_EQ(server.target(), "/v1/domains/web1/console/ws");
    EXPECT_EQ(server.received(), "hello\n");
    EXPECT_EQ(r.out, "welcome\r\necho: hello\n");  // output keeps flowing for a moment
    EXPECT_EQ(r.err, "domus: detached from the console of web1 (end of input)\n");
    EXPECT_TRUE(server.client_closed());
}

TEST(ConsoleAttach, CtrlBracketDetachesAndSendsOnlyWhatCameBefore) {
    FakeConsole server;
    StdinFrom input(std::string("ab") + kDetachKey + "cd", /*keep_open=*/true);
    auto r = attach(server);
    EXPECT_EQ(r.rc, 0);
    EXPECT_EQ(server.received(), "ab");
    EXPECT_EQ(r.err, "domus: detached from the console of web1\n");
    EXPECT_TRUE(server.client_closed());
}

TEST(ConsoleAttach, DaemonClosingTheConsoleEndsTheSession) {
    FakeConsole server(/*close_after_ms=*/200);
    StdinFrom input("", /*keep_open=*/true);
    auto r = attach(server);
    EXPECT_EQ(r.rc, 0);
    EXPECT_EQ(r.out, "welcome\r\n");
    EXPECT_EQ(r.err, "domus: console of web1 closed by domusd: domain stopped\n");
}

}  // namespace
}  // namespace domus::cli
