// Real domus-vmm processes driven over their control socket, as domusd drives them: the
// handshake, status, pause/unpause, shutdown/reboot/destroy, console input, start-up failures,
// kill -9, and malformed control traffic. The guest runs the `service` workload.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <boost/json.hpp>
#include <chrono>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "process.hpp"

extern char** environ;

namespace domus::test {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

std::string slurp(const std::string& path) {
    std::ifstream f(path);
    std::stringstream ss;
    ss << f.rdbuf();
    return ss.str();
}

bool exists(const std::string& path) {
    struct stat st {};
    return ::lstat(path.c_str(), &st) == 0;
}

// A connected control-socket client with a receive timeout.
class Conn {
  public:
    explicit Conn(const std::string& path) {
        fd_ = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        sockaddr_un addr{};
        addr.sun_family = AF_UNIX;
        std::snprintf(addr.sun_path, sizeof addr.sun_path, "%s", path.c_str());
        connected_ = ::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
        timeval tv{5, 0};
        ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    }
    ~Conn() { ::close(fd_); }
    bool connected() const { return connected_; }
    void send(const std::string& s) { (void)!::send(fd_, s.data(), s.size(), MSG_NOSIGNAL); }
    // One line without '\n'; "" on timeout or EOF.
    std::string line() {
        for (;;) {
            if (auto nl = buf_.find('\n'); nl != std::string::npos) {
                std::string l = buf_.substr(0, nl);
                buf_.erase(0, nl + 1);
                return l;
            }
            char c[4096];
            const ssize_t n = ::recv(fd_, c, sizeof c, 0);
            if (n <= 0) return "";
            buf_.append(c, static_cast<size_t>(n));
        }
    }
    // Reads until `needle` shows up in the stream (true) or `timeout` passes.
    bool read_until(const std::string& needle, std::chrono::milliseconds timeout) {
        const auto end = Clock::now() + timeout;
        while (buf_.find(needle) == std::string::npos) {
            if (Clock::now() > end) return false;
            char c[4096];
            const ssize_t n = ::recv(fd_, c, sizeof c, 0);
            if (n == 0) return false;
            if (n > 0) buf_.append(c, static_cast<size_t>(n));
        }
        return true;
    }
    // Drains the stream: true when the peer closes it within the receive timeout.
    bool closed_by_peer() {
        char c[4096];
        for (;;) {
            const ssize_t n = ::recv(fd_, c, sizeof c, 0);
            if (n == 0) return true;
            if (n < 0) return false;
        }
    }

  private:
    int fd_ = -1;
    bool connected_ = false;
    std::string buf_;
};

boost::json::object parse(const std::string& line) {
    boost::system::error_code ec;
    auto v = boost::json::parse(line, ec);
    if (ec || !v.is_object()) return {};
    return v.as_object();
}

// One domus-vmm in a private run directory; killed and cleaned up at the end of the test.
class Vmm {
  public:
    explicit Vmm(std::vector<std::string> extra = {}, uint32_t id = 7, std::string dir = "") {
        if (dir.empty()) {
            char tmpl[] = "/tmp/domus-vmm-test-XXXXXX";
            dir_ = ::mkdtemp(tmpl);
            own_dir_ = true;
        } else {
            dir_ = std::move(dir);
        }
        id_ = std::to_string(id);
        std::vector<std::string> argv{DOMUS_VMM_BIN, "--name", "t" + id_,   "--id", id_,
                                      "--memory",    "32",     "--run-dir", dir_};
        argv.insert(argv.end(), extra.begin(), extra.end());
        int out[2];
        if (::pipe2(out, O_CLOEXEC) != 0) return;
        posix_spawn_file_actions_t fa;
        posix_spawn_file_actions_init(&fa);
        posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
        posix_spawn_file_actions_adddup2(&fa, out[1], 1);
        posix_spawn_file_actions_addopen(&fa, 2, path(".log").c_str(),
                                         O_WRONLY | O_CREAT | O_APPEND, 0600);
        posix_spawnattr_t attr;
        posix_spawnattr_init(&attr);
        posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSID);
        std::vector<char*> args;
        for (auto& a : argv) args.push_back(a.data());
        args.push_back(nullptr);
        ::posix_spawn(&pid_, args[0], &fa, &attr, args.data(), environ);
        posix_spawn_file_actions_destroy(&fa);
        posix_spawnattr_destroy(&attr);
        ::close(out[1]);
        // The handshake: everything up to EOF, since domus-vmm closes stdout right after it.
        const auto end = Clock::now() + 20s;
        char buf[512];
        fcntl(out[0], F_SETFL, O_NONBLOCK);
        while (Clock::now() < end) {
            const ssize_t n = ::read(out[0], buf, sizeof buf);
            if (n == 0) break;
            if (n > 0) stdout_.append(buf, static_cast<size_t>(n));
            if (n < 0) std::this_thread::sleep_for(5ms);
        }
        ::close(out[0]);
    }
    ~Vmm() {
        if (pid_ > 0 && status_ < 0) {
            ::kill(pid_, SIGKILL);
            ::waitpid(pid_, nullptr, 0);
        }
        if (own_dir_) {
            for (const char* ext : {".ctl", ".console.log", ".exit", ".exit.tmp", ".log"}) {
                ::unlink(path(ext).c_str());
            }
            ::rmdir(dir_.c_str());
        }
    }

    std::string path(const char* ext) const { return dir_ + "/" + id_ + ext; }
    const std::string& handshake() const { return stdout_; }
    pid_t pid() const { return pid_; }
    const std::string& dir() const { return dir_; }

    std::string request(const std::string& line) {
        Conn c(path(".ctl"));
        if (!c.connected()) return "<not connected>";
        c.send(line + "\n");
        return c.line();
    }
    boost::json::object op(const char* name) {
        return parse(request(std::string("{\"op\":\"") + name + "\"}"));
    }

    // The exit status, or -1 if it is still running after `timeout`.
    int wait(std::chrono::milliseconds timeout = 10s) {
        const auto end = Clock::now() + timeout;
        while (status_ < 0 && Clock::now() < end) {
            int st = 0;
            if (::waitpid(pid_, &st, WNOHANG) == pid_) {
                status_ = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
                break;
            }
            std::this_thread::sleep_for(10ms);
        }
        return status_;
    }

    std::string console() const { return slurp(path(".console.log")); }
    bool wait_console(const std::string& needle, std::chrono::milliseconds timeout = 5s) const {
        const auto end = Clock::now() + timeout;
        while (console().find(needle) == std::string::npos) {
            if (Clock::now() > end) return false;
            std::this_thread::sleep_for(20ms);
        }
        return true;
    }
    boost::json::object exit_file() const { return parse(slurp(path(".exit"))); }
    std::string log() const { return slurp(path(".log")); }

  private:
    std::string dir_, id_, stdout_;
    bool own_dir_ = false;
    pid_t pid_ = -1;
    int status_ = -1;
};

const std::vector<std::string> kService = {"--cmdline", "service"};

std::string str(const boost::json::object& o, const char* key) {
    const auto* v = o.if_contains(key);
    return v != nullptr && v->is_string() ? std::string(v->as_string()) : std::string("<none>");
}

TEST(VmmProcess, HandshakeStatusAndShutdown) {
    DOMUS_REQUIRE_KVM();
    Vmm vmm({"--cmdline", "service", "--vcpus", "2"});
    EXPECT_EQ(vmm.handshake(), "{\"ok\":true,\"pid\":" + std::to_string(vmm.pid()) + "}\n")
        << vmm.log();
    struct stat st {};
    ASSERT_EQ(::stat(vmm.path(".ctl").c_str(), &st), 0);
    EXPECT_TRUE(S_ISSOCK(st.st_mode));
    EXPECT_EQ(st.st_mode & 0777, 0600u);
    ASSERT_TRUE(vmm.wait_console("service: heartbeat 1")) << vmm.console() << vmm.log();
    EXPECT_NE(vmm.console().find("service: started"), std::string::npos);

    auto s = vmm.op("status");
    EXPECT_EQ(s["ok"], true) << s;
    EXPECT_EQ(str(s, "state"), "running");
    EXPECT_EQ(s["pid"].to_number<int64_t>(), vmm.pid());
    EXPECT_EQ(s["vcpus"].to_number<int64_t>(), 2);
    EXPECT_EQ(s["memory_mib"].to_number<int64_t>(), 32);
    EXPECT_GT(s["exits"].to_number<int64_t>(), 0);
    EXPECT_GT(s["hypercalls"].to_number<int64_t>(), 0);
    EXPECT_GT(s["vcpu_time_ns"].to_number<int64_t>(), 0);
    EXPECT_GT(s["uptime_ns"].to_number<int64_t>(), 900'000'000);
    EXPECT_GT(s["resident_kib"].to_number<int64_t>(), 0);

    EXPECT_EQ(vmm.op("shutdown")["ok"], true);
    EXPECT_EQ(vmm.wait(), 0) << vmm.log();
    EXPECT_NE(vmm.console().find("service: shutdown requested, powering off"), std::string::npos);
    auto e = vmm.exit_file();
    EXPECT_EQ(str(e, "reason"), "poweroff") << e;
    EXPECT_EQ(e["code"], 0);
    EXPECT_FALSE(exists(vmm.path(".ctl"))) << "the control socket outlived the monitor";
    EXPECT_FALSE(exists(vmm.path(".exit.tmp")));
}

TEST(VmmProcess, RebootRequestEndsWithReasonReboot) {
    DOMUS_REQUIRE_KVM();
    Vmm vmm(kService);
    ASSERT_TRUE(vmm.wait_console("service: started")) << vmm.log();
    EXPECT_EQ(vmm.op("reboot")["ok"], true);
    EXPECT_EQ(vmm.wait(), 4) << vmm.log();
    EXPECT_NE(vmm.console().find("service: reboot requested"), std::string::npos);
    EXPECT_EQ(str(vmm.exit_file(), "reason"), "reboot");
}

TEST(VmmProcess, DestroyAnswersThenExits) {
    DOMUS_REQUIRE_KVM();
    Vmm vmm({"--cmdline", "service", "--vcpus", "2"});
    ASSERT_TRUE(vmm.wait_console("service: started")) << vmm.log();
    EXPECT_EQ(vmm.request("{\"op\":\"destroy\"}"), "{\"ok\":true}");
    EXPECT_EQ(vmm.wait(5s), 143) << vmm.log();
    auto e = vmm.exit_file();
    EXPECT_EQ(str(e, "reason"), "destroyed") << e;
    EXPECT_NE(str(e, "detail").find("destroy request"), std::string::npos) << e;
}

TEST(VmmProcess, SigtermDestroys) {
    DOMUS_REQUIRE_KVM();
    Vmm vmm(kService);
    ASSERT_TRUE(vmm.wait_console("service: started")) << vmm.log();
    ::kill(vmm.pid(), SIGTERM);
    EXPECT_EQ(vmm.wait(5s), 143);
    auto e = vmm.exit_file();
    EXPECT_EQ(str(e, "reason"), "destroyed");
    EXPECT_EQ(str(e, "detail"), "destroyed by SIGTERM");
}

TEST(VmmProcess, GuestCrashIsReported) {
    DOMUS_REQUIRE_KVM();
    Vmm vmm({"--cmdline", "crash"});
    EXPECT_EQ(vmm.wait(), 2) << vmm.log();
    auto e = vmm.exit_file();
    EXPECT_EQ(str(e, "reason"), "crash") << e;
    EXPECT_EQ(e["code"], 6);
}

TEST(VmmProcess, PauseStopsTheGuestAndUnpauseResumesIt) {
    DOMUS_REQUIRE_KVM();
    Vmm vmm({"--cmdline", "service", "--vcpus", "2"});
    ASSERT_TRUE(vmm.wait_console("service: heartbeat 1")) << vmm.console() << vmm.log();
    EXPECT_EQ(vmm.op("pause")["ok"], true);
    EXPECT_EQ(str(vmm.op("status"), "state"), "paused");
    const size_t before = vmm.console().size();
    std::this_thread::sleep_for(1500ms);
    EXPECT_EQ(vmm.console().size(), before) << "the guest kept running while paused:\n"
                                            << vmm.console();
    auto again = vmm.op("pause");
    EXPECT_EQ(again["ok"], false);
    EXPECT_NE(str(again, "error").find("paused"), std::string::npos) << again;

    EXPECT_EQ(vmm.op("unpause")["ok"], true);
    EXPECT_EQ(str(vmm.op("status"), "state"), "running");
    const auto end = Clock::now() + 3s;
    while (vmm.console().size() == before && Clock::now() < end) std::this_thread::sleep_for(50ms);
    EXPECT_GT(vmm.console().size(), before) << "no heartbeat after unpause";
    auto not_paused = vmm.op("unpause");
    EXPECT_EQ(not_paused["ok"], false);
    EXPECT_NE(str(not_paused, "error").find("running"), std::string::npos) << not_paused;

    // Shutdown while paused is delivered once the guest runs again.
    EXPECT_EQ(vmm.op("pause")["ok"], true);
    EXPECT_EQ(vmm.op("shutdown")["ok"], true);
    EXPECT_EQ(str(vmm.op("status"), "state"), "paused");
    EXPECT_EQ(vmm.op("unpause")["ok"], true);
    EXPECT_EQ(vmm.wait(), 0) << vmm.log();
}

TEST(VmmProcess, ConsoleInputIsEchoedByTheGuest) {
    DOMUS_REQUIRE_KVM();
    Vmm vmm(kService);
    ASSERT_TRUE(vmm.wait_console("service: started")) << vmm.log();
    Conn console(vmm.path(".ctl"));
    ASSERT_TRUE(console.connected());
    console.send("{\"op\":\"console\"}\n");
    EXPECT_EQ(console.line(), "{\"ok\":true}");
    console.send("hello domus\npartial");
    EXPECT_TRUE(console.read_until("service: input: hello domus\n", 5s));
    console.send(" line\r\n");
    EXPECT_TRUE(console.read_until("service: input: partial line\n", 5s));
    EXPECT_TRUE(console.read_until("service: heartbeat", 3s)) << "no output fanned out";
    EXPECT_NE(vmm.console().find("service: input: hello domus"), std::string::npos);

    // A second console client sees the same output; the first one leaving does not matter.
    Conn second(vmm.path(".ctl"));
    second.send("{\"op\":\"console\"}\nsecond\n");
    EXPECT_TRUE(second.read_until("service: input: second\n", 5s));
    EXPECT_TRUE(console.read_until("service: input: second\n", 5s));

    EXPECT_EQ(vmm.op("destroy")["ok"], true);
    EXPECT_EQ(vmm.wait(5s), 143);
    EXPECT_TRUE(console.closed_by_peer()) << "console clients are closed when the monitor ends";
}

TEST(VmmProcess, BadKernelFailsTheHandshake) {
    DOMUS_REQUIRE_KVM();
    Vmm vmm({"--kernel", "/nonexistent/kernel.elf"});
    EXPECT_EQ(vmm.wait(5s), 1);
    auto h = parse(vmm.handshake());
    EXPECT_EQ(h["ok"], false) << vmm.handshake();
    EXPECT_NE(str(h, "error").find("/nonexistent/kernel.elf"), std::string::npos) << h;
    EXPECT_EQ(vmm.handshake().find('\n'), vmm.handshake().size() - 1) << "exactly one line";
    EXPECT_FALSE(exists(vmm.path(".ctl")));
    EXPECT_FALSE(exists(vmm.path(".exit")));

    char garbage[] = "/tmp/domus-vmm-garbage-XXXXXX";
    const int fd = ::mkstemp(garbage);
    ASSERT_GE(fd, 0);
    (void)!::write(fd, "not an elf at all", 17);
    ::close(fd);
    Vmm bad({"--kernel", garbage});
    EXPECT_EQ(bad.wait(5s), 1);
    EXPECT_EQ(parse(bad.handshake())["ok"], false) << bad.handshake();
    ::unlink(garbage);
}

TEST(VmmProcess, BadArgumentsFailTheHandshake) {
    DOMUS_REQUIRE_KVM();
    auto r = run_process({DOMUS_VMM_BIN, "--name", "x", "--id", "3"});
    EXPECT_EQ(r.exit_code, 1);
    auto h = parse(r.out);
    EXPECT_EQ(h["ok"], false) << r.out;
    EXPECT_NE(str(h, "error").find("run-dir"), std::string::npos) << r.out;
    Vmm too_big({"--vcpus", "1000"});
    EXPECT_EQ(too_big.wait(5s), 1);
    EXPECT_NE(str(parse(too_big.handshake()), "error").find("vcpus 1000"), std::string::npos)
        << too_big.handshake();
}

TEST(VmmProcess, KillNineLeavesNoExitFileAndTheIdCanBeReused) {
    DOMUS_REQUIRE_KVM();
    Vmm first(kService, 11);
    ASSERT_TRUE(first.wait_console("service: started")) << first.log();
    ::kill(first.pid(), SIGKILL);
    EXPECT_EQ(first.wait(5s), 128 + SIGKILL);
    EXPECT_FALSE(exists(first.path(".exit")));
    // A new monitor for the same domain replaces the stale socket.
    Vmm second(kService, 11, first.dir());
    EXPECT_EQ(parse(second.handshake())["ok"], true) << second.handshake() << second.log();
    EXPECT_EQ(second.op("status")["ok"], true);
    // ... and a third one is refused while the second is alive.
    Vmm third(kService, 11, first.dir());
    EXPECT_EQ(third.wait(5s), 1);
    EXPECT_NE(str(parse(third.handshake()), "error").find("another monitor"), std::string::npos)
        << third.handshake();
    EXPECT_EQ(second.op("destroy")["ok"], true);
    EXPECT_EQ(second.wait(5s), 143);
}

TEST(VmmProcess, MalformedRequestsGetErrorsAndNeverCrash) {
    DOMUS_REQUIRE_KVM();
    Vmm vmm(kService);
    ASSERT_EQ(parse(vmm.handshake())["ok"], true) << vmm.log();
    Conn c(vmm.path(".ctl"));
    for (const char* bad : {"garbage", "{}", "{\"op\":42}", "{\"op\":\"fly\"}", "[1,2]", "",
                            "{\"op\":\"status\",\"extra\":1}", "\xff\xfe{", "{\"op\":\"stat"}) {
        c.send(std::string(bad) + "\n");
        auto r = parse(c.line());
        EXPECT_EQ(r["ok"], false) << "request: " << bad;
        EXPECT_NE(str(r, "error"), "<none>") << "request: " << bad;
    }
    // Pipelined requests in one write are answered in order.
    c.send("{\"op\":\"status\"}\n{\"op\":\"nope\"}\n{\"op\":\"status\"}\n");
    EXPECT_EQ(parse(c.line())["ok"], true);
    EXPECT_EQ(parse(c.line())["ok"], false);
    EXPECT_EQ(parse(c.line())["ok"], true);
    // A line over 4 KiB closes the connection; the monitor carries on.
    Conn big(vmm.path(".ctl"));
    big.send(std::string(5000, 'x'));
    EXPECT_EQ(parse(big.line())["ok"], false);
    EXPECT_TRUE(big.closed_by_peer());
    // Clients that connect and vanish, or never send a newline, do not disturb it.
    for (int i = 0; i < 20; ++i) {
        Conn gone(vmm.path(".ctl"));
        gone.send("{\"op\":");
    }
    EXPECT_EQ(vmm.op("status")["ok"], true);
    EXPECT_EQ(vmm.op("shutdown")["ok"], true);
    EXPECT_EQ(vmm.wait(), 0) << vmm.log();
}

}  // namespace
}  // namespace domus::test
