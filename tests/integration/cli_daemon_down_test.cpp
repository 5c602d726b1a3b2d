// `domus` verbs when domusd is not running: one clear line, status 1, no hang.
#include <gtest/gtest.h>
#include <stdlib.h>
#include <unistd.h>

#include <algorithm>
#include <string>

#include "process.hpp"

namespace domus::test {
namespace {

std::string dead_socket() {
    char tmpl[] = "/tmp/domus-cli-down-XXXXXX";
    const char* dir = ::mkdtemp(tmpl);
    return std::string(dir != nullptr ? dir : "/tmp") + "/domusd.sock";
}

void expect_unreachable(const std::vector<std::string>& args, const std::string& socket) {
    RunOptions opts;
    opts.timeout_s = 20;
    auto r = run_domus(args, opts);
    ASSERT_FALSE(r.timed_out);
    EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
    EXPECT_EQ(r.out, "");
    EXPECT_EQ(r.err, "domus: cannot reach domusd at " + socket +
                         ": No such file or directory (is domusd running? start it with: "
                         "domusd)\n");
}

TEST(CliDaemonDown, ListSaysCannotReach) {
    const auto socket = dead_socket();
    expect_unreachable({"list", "--socket", socket}, socket);
    expect_unreachable({"--socket", socket, "list"}, socket);
    expect_unreachable({"--socket", socket, "list", "--json"}, socket);
}

TEST(CliDaemonDown, EveryDaemonVerb) {
    const auto socket = dead_socket();
    for (const char* verb : {"start", "pause", "unpause", "shutdown", "reboot", "destroy", "delete",
                             "console", "config"}) {
        SCOPED_TRACE(verb);
        expect_unreachable({verb, "web1", "--socket", socket}, socket);
    }
    expect_unreachable({"events", "--socket", socket}, socket);
}

TEST(CliDaemonDown, SocketFromTheEnvironment) {
    const auto socket = dead_socket();
    ::setenv("DOMUS_SOCKET", socket.c_str(), 1);
    expect_unreachable({"list"}, socket);
    ::unsetenv("DOMUS_SOCKET");
}

TEST(CliDaemonDown, InfoStillWorks) {
    if (!have_kvm()) GTEST_SKIP() << "/dev/kvm is not available";
    const auto socket = dead_socket();
    auto r = run_domus({"info", "--socket", socket});
    EXPECT_EQ(r.exit_code, 0) << r.err;
    EXPECT_NE(r.out.find("backend"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("cannot reach domusd"), std::string::npos) << r.out;
    auto j = run_domus({"info", "--json", "--socket", socket});
    EXPECT_EQ(j.exit_code, 0) << j.err;
    EXPECT_NE(j.out.find("\"daemon\":null}"), std::string::npos) << j.out;
}

TEST(CliVerbs, HelpOnEveryNewVerb) {
    for (const char* verb : {"create", "list", "start", "pause", "unpause", "shutdown", "reboot",
                             "destroy", "delete", "console", "events", "config"}) {
        auto r = run_domus({verb, "--help"});
        EXPECT_EQ(r.exit_code, 0) << verb;
        EXPECT_NE(r.out.find("Usage"), std::string::npos) << verb << ": " << r.out;
        EXPECT_NE(r.out.find("--json"), std::string::npos) << verb << ": " << r.out;
    }
}

TEST(CliVerbs, UsageErrorsExitOne) {
    for (const std::vector<std::string>& args :
         {std::vector<std::string>{"start"}, {"start", "bad/name"}, {"frobnicate"}, {}}) {
        auto r = run_domus(args);
        EXPECT_EQ(r.exit_code, 1) << r.err;
        EXPECT_EQ(r.err.rfind("domus: error: ", 0), 0u) << r.err;
        EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
    }
}

TEST(CliVerbs, CreateReportsConfigErrorsBeforeAskingTheDaemon) {
    char path[] = "/tmp/domus-cli-cfg-XXXXXX";
    int fd = ::mkstemp(path);
    const std::string text = "name = \"web1\"\nvcpus = 0\n";
    ASSERT_EQ(::write(fd, text.data(), text.size()), static_cast<ssize_t>(text.size()));
    ::close(fd);
    auto r = run_domus({"create", path, "--socket", dead_socket()});
    EXPECT_EQ(r.exit_code, 1);
    EXPECT_EQ(r.err.rfind("domus: error: " + std::string(path) + ": line 2: ", 0), 0u) << r.err;
    ::unlink(path);
}

}  // namespace
}  // namespace domus::test
