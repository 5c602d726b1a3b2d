// Faults that do not end a process: a stopped (SIGSTOP) monitor, and a state directory on a
// full file system. The daemon answers with a clear error about the one thing that is wrong
// and goes on serving everything else.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
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

// A monitor that does not answer when a new daemon re-adopts it (stopped) is still the
// domain's: watched and kept running, never taken for dead (which would tear down its TAPs and
// cgroup and, with on_crash=restart, start a second monitor beside it).
TEST(DaemonStalls, AStoppedMonitorIsReadoptedNotTakenForDead) {
    DOMUS_REQUIRE_DAEMON();
    Daemon d;
    ASSERT_TRUE(d.start()) << d.log();
    int status = 0;
    auto dom = d.json("POST", "/v1/domains?start=true",
                      R"({"name":"asleep","cmdline":"service","on_crash":"restart"})", &status);
    ASSERT_EQ(status, 201) << d.log();
    const pid_t pid = static_cast<pid_t>(pid_of(dom.as_object()));
    ASSERT_GT(pid, 0);
    ASSERT_EQ(::kill(pid, SIGSTOP), 0);
    d.kill9();
    ASSERT_TRUE(d.start()) << d.log();  // re-adoption waits out the control timeout
    auto after = d.json("GET", "/v1/domains/asleep").as_object();
    EXPECT_EQ(str(after, "state"), "running") << json::serialize(after);
    EXPECT_EQ(pid_of(after), pid) << json::serialize(after);
    EXPECT_EQ(::kill(pid, 0), 0) << "the monitor was killed";
    EXPECT_EQ(num(after, "restarts"), 0) << json::serialize(after);
    // Once it runs again, the new daemon drives it.
    ASSERT_EQ(::kill(pid, SIGCONT), 0);
    EXPECT_EQ(d.request("POST", "/v1/domains/asleep/pause").status, 200);
    EXPECT_EQ(str(d.json("GET", "/v1/domains/asleep").as_object(), "state"), "paused");
    EXPECT_EQ(d.request("POST", "/v1/domains/asleep/destroy").status, 200);
    // An orphan of the first daemon now: reaped by init, a moment after it ends.
    for (int i = 0; i < 100 && ::kill(pid, 0) == 0; ++i) {
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    EXPECT_NE(::kill(pid, 0), 0) << "destroy did not end the re-adopted monitor";
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
    const std::string id = std::to_string(num(v.as_object(), "id"));
    const std::string ctl = d.state_dir() + "/run/" + id + "/" + id + ".ctl";
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

// A small tmpfs mounted over a path for one test; unmounted (lazily: a daemon may still hold
// files there) when the test ends, after the Daemon declared later is gone.
class SmallFileSystem {
  public:
    ~SmallFileSystem() {
        if (!path_.empty()) ::umount2(path_.c_str(), MNT_DETACH);
    }
    bool mount(const std::string& path, const std::string& size) {
        std::filesystem::create_directories(path);
        if (::mount("domus-test", path.c_str(), "tmpfs", 0, ("size=" + size).c_str()) != 0) {
            return false;
        }
        path_ = path;
        return true;
    }
    // Writes a file until the file system is full; returns its path.
    std::string fill() const {
        const std::string filler = path_ + "/filler";
        std::ofstream out(filler, std::ios::binary);
        const std::string block(64 * 1024, 'x');
        while (out.write(block.data(), static_cast<std::streamsize>(block.size()))) {
        }
        return filler;
    }

  private:
    std::string path_;
};

TEST(DaemonStalls, AFullStateFileSystemRefusesChangesClearlyAndRecovers) {
    DOMUS_REQUIRE_DAEMON();
    Daemon d;
    SmallFileSystem fs;  // unmounted before the Daemon removes its directory
    if (!fs.mount(d.state_dir(), "16m")) GTEST_SKIP() << "cannot mount a tmpfs (not root?)";
    ASSERT_TRUE(d.start()) << d.log();
    int status = 0;
    d.json("POST", "/v1/domains", R"({"name":"before","cmdline":"service"})", &status);
    ASSERT_EQ(status, 201) << d.log();
    const auto defined = json::serialize(d.json("GET", "/v1/domains"));

    const std::string filler = fs.fill();
    // Every change is refused with 507 naming the problem, and changes nothing.
    auto create = d.request("POST", "/v1/domains", R"({"name":"after","cmdline":"service"})");
    EXPECT_EQ(create.status, 507) << create.body;
    EXPECT_NE(create.body.find("insufficient_storage"), std::string::npos) << create.body;
    EXPECT_NE(create.body.find("file system is full"), std::string::npos) << create.body;
    auto patch = d.request("PATCH", "/v1/domains/before", R"({"memory":48})");
    EXPECT_EQ(patch.status, 507) << patch.body;
    auto start = d.request("POST", "/v1/domains/before/start");
    EXPECT_EQ(start.status, 507) << start.body;
    auto del = d.request("DELETE", "/v1/domains/before");
    EXPECT_EQ(del.status, 507) << del.body;
    // Reads still work and show the state as it was.
    EXPECT_EQ(d.request("GET", "/v1/host").status, 200);
    EXPECT_EQ(json::serialize(d.json("GET", "/v1/domains")), defined);
    EXPECT_EQ(d.request("GET", "/v1/domains/after").status, 404);

    // Space returns: the daemon goes on without a restart.
    std::filesystem::remove(filler);
    d.json("POST", "/v1/domains?start=true", R"({"name":"after","cmdline":"service"})", &status);
    EXPECT_EQ(status, 201) << d.log();
    d.json("PATCH", "/v1/domains/before", R"({"memory":48})", &status);
    EXPECT_EQ(status, 200);
    EXPECT_EQ(d.request("POST", "/v1/domains/after/destroy").status, 200);
    // And what it stored is whole: a restarted daemon reads the same domains.
    const auto now = json::serialize(d.json("GET", "/v1/domains/before")) +
                     json::serialize(d.json("GET", "/v1/domains/after"));
    d.terminate();
    ASSERT_TRUE(d.start()) << d.log();
    EXPECT_EQ(json::serialize(d.json("GET", "/v1/domains/before")) +
                  json::serialize(d.json("GET", "/v1/domains/after")),
              now);
}

}  // namespace
}  // namespace domus::test
