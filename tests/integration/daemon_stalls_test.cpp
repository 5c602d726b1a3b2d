// Faults that do not end a process: a stopped (SIGSTOP) monitor, and a state directory on a
// full file system. The daemon answers with a clear error about the one thing that is wrong
// and goes on serving everything else.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <thread>

#include "daemon_fixture.hpp"

namespace domus::test {
namespace {

namespace json = boost::json;
using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point t) {
    return std::chrono::duration<double>(Clock::now() - t).count();
}

TEST(DaemonStalls, AStoppedMonitorTimesOutItsCallsAndTheOthersGoOn) {
    DOMUS_REQUIRE_DAEMON();
    Daemon d;
    ASSERT_TRUE(d.start()) << d.log();
    int status = 0;
    auto stuck = d.json("POST", "/v1/domains?start=true", R"({"name":"stuck","cmdline":"service"})",
                        &status);
    ASSERT_EQ(status, 201) << d.log();
    d.json("POST", "/v1/domains?start=true", R"({"name":"fine","cmdline":"service"})", &status);
    ASSERT_EQ(status, 201) << d.log();
    const pid_t pid = static_cast<pid_t>(pid_of(stuck.as_object()));
    ASSERT_GT(pid, 0);
    ASSERT_EQ(::kill(pid, SIGSTOP), 0);

    // A call that needs the stopped monitor fails with a timeout that names it.
    auto t0 = Clock::now();
    auto r = d.request("POST", "/v1/domains/stuck/pause");
    const double waited = seconds_since(t0);
    EXPECT_EQ(r.status, 504) << r.body;
    EXPECT_NE(r.body.find("did not answer"), std::string::npos) << r.body;
    EXPECT_NE(r.body.find(std::to_string(pid)), std::string::npos) << r.body;
    EXPECT_LT(waited, 10.0);

    // Meanwhile and afterwards the other domain and the daemon answer as usual.
    std::thread slow([&] { (void)d.request("POST", "/v1/domains/stuck/pause"); });
    t0 = Clock::now();
    EXPECT_EQ(d.request("POST", "/v1/domains/fine/pause").status, 200);
    EXPECT_EQ(d.request("POST", "/v1/domains/fine/unpause").status, 200);
    EXPECT_EQ(d.request("GET", "/v1/domains").status, 200);
    EXPECT_EQ(d.request("GET", "/v1/domains/fine").status, 200);
    EXPECT_LT(seconds_since(t0), 2.0) << "calls about another domain waited for the stopped one";
    slow.join();
    // The stopped domain keeps its state: nothing happened to it.
    EXPECT_EQ(str(d.json("GET", "/v1/domains/stuck").as_object(), "state"), "running");

    // Once it runs again it answers again; destroy works on a stopped monitor too.
    ASSERT_EQ(::kill(pid, SIGCONT), 0);
    EXPECT_EQ(d.request("POST", "/v1/domains/stuck/pause").status, 200);
    EXPECT_EQ(d.request("POST", "/v1/domains/stuck/unpause").status, 200);
    ASSERT_EQ(::kill(pid, SIGSTOP), 0);
    t0 = Clock::now();
    auto destroyed = d.request("POST", "/v1/domains/stuck/destroy");
    EXPECT_EQ(destroyed.status, 200) << destroyed.body;
    EXPECT_LT(seconds_since(t0), 15.0);
    EXPECT_EQ(str(d.json("GET", "/v1/domains/stuck").as_object(), "state"), "stopped");
    EXPECT_NE(::kill(pid, 0), 0) << "the stopped monitor was not killed";
}

// Sends one request line straight to a monitor's control socket and returns its answer line.
std::string ask_monitor(const std::string& ctl, const std::string& line) {
    const int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    std::snprintf(addr.sun_path, sizeof addr.sun_path, "%s", ctl.c_str());
    std::string answer;
    if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0 &&
        ::write(fd, line.data(), line.size()) == static_cast<ssize_t>(line.size())) {
        char c;
        while (::read(fd, &c, 1) == 1 && c != '\n') answer.push_back(c);
    }
    ::close(fd);
    return answer;
}

// A pause that took effect in the monitor without the daemon knowing (what a request that timed
// out in the daemon but was carried out later leaves behind): the record follows the monitor.
TEST(DaemonStalls, TheRecordFollowsAPauseTheMonitorReports) {
    DOMUS_REQUIRE_DAEMON();
    Daemon d;
    ASSERT_TRUE(d.start()) << d.log();
    int status = 0;
    auto v = d.json("POST", "/v1/domains?start=true", R"({"name":"drift","cmdline":"service"})",
                    &status);
    ASSERT_EQ(status, 201) << d.log();
    const std::string ctl =
        d.state_dir() + "/run/" + std::to_string(num(v.as_object(), "id")) + ".ctl";
    ASSERT_EQ(ask_monitor(ctl, "{\"op\":\"pause\"}\n"), "{\"ok\":true}");
    auto paused = d.wait_state("drift", "paused", 10);
    EXPECT_EQ(str(paused, "state"), "paused") << json::serialize(paused);
    const auto events = d.json("GET", "/v1/events?after=0").as_object().at("events").as_array();
    ASSERT_FALSE(events.empty());
    const auto& last = events.back().as_object();
    EXPECT_EQ(str(last, "type"), "paused");
    EXPECT_EQ(str(last, "detail"), "as its monitor reports");
    EXPECT_EQ(d.request("POST", "/v1/domains/drift/unpause").status, 200);
}

}  // namespace
}  // namespace domus::test
