// VmmClient against a scripted fake monitor: answers, refusals, silence, garbage, hang-ups.
// Every call must come back within its timeout with an error naming the socket path.
#include "vmm/vmm_client.hpp"

#include <gtest/gtest.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <functional>
#include <string>
#include <thread>

#include "vmm/unix_socket.hpp"

namespace domus::vmm {
namespace {

using Clock = std::chrono::steady_clock;

// One connection at a time; `reply` maps each request line to the text sent back ("" = none).
class FakeMonitor {
  public:
    explicit FakeMonitor(std::function<std::string(const std::string&)> reply)
        : reply_(std::move(reply)) {
        char tmpl[] = "/tmp/domus-client-test-XXXXXX";
        dir_ = ::mkdtemp(tmpl);
        path_ = dir_ + "/1.ctl";
        auto fd = unix_listen(path_);
        EXPECT_TRUE(fd.ok()) << fd.error().message;
        if (fd) listener_ = std::move(*fd);
        EXPECT_EQ(::pipe(stop_), 0);
        thread_ = std::thread([this] { serve(); });
    }
    ~FakeMonitor() {
        (void)!::write(stop_[1], "x", 1);
        thread_.join();
        ::close(stop_[0]);
        ::close(stop_[1]);
        ::unlink(path_.c_str());
        ::rmdir(dir_.c_str());
    }
    const std::string& path() const { return path_; }

  private:
    void serve() {
        std::vector<Fd> conns;
        std::string buffer;
        for (;;) {
            std::vector<pollfd> fds{{stop_[0], POLLIN, 0}, {listener_.get(), POLLIN, 0}};
            for (auto& c : conns) fds.push_back({c.get(), POLLIN, 0});
            if (::poll(fds.data(), fds.size(), -1) <= 0) continue;
            if (fds[0].revents) return;
            if (fds[1].revents) conns.emplace_back(::accept4(listener_.get(), nullptr, nullptr, 0));
            for (size_t i = 2; i < fds.size(); ++i) {
                if (!fds[i].revents) continue;
                char buf[4096];
                const ssize_t n = ::recv(fds[i].fd, buf, sizeof buf, 0);
                if (n <= 0) continue;
                buffer.append(buf, static_cast<size_t>(n));
                size_t nl;
                while ((nl = buffer.find('\n')) != std::string::npos) {
                    const std::string line = buffer.substr(0, nl);
                    buffer.erase(0, nl + 1);
                    const std::string out = reply_(line);
                    if (out == "HANGUP") {
                        ::shutdown(fds[i].fd, SHUT_RDWR);
                    } else if (!out.empty()) {
                        (void)!::send(fds[i].fd, out.data(), out.size(), MSG_NOSIGNAL);
                    }
                }
            }
        }
    }

    std::function<std::string(const std::string&)> reply_;
    std::string dir_, path_;
    Fd listener_;
    int stop_[2] = {-1, -1};
    std::thread thread_;
};

TEST(VmmClient, ConnectToNothingNamesThePath) {
    auto c = VmmClient::connect("/tmp/domus-no-such-dir/9.ctl", 200);
    ASSERT_FALSE(c.ok());
    EXPECT_EQ(c.error().code, Errc::io);
    EXPECT_NE(c.error().message.find("/tmp/domus-no-such-dir/9.ctl"), std::string::npos);
}

TEST(VmmClient, PathTooLong) {
    auto c = VmmClient::connect("/tmp/" + std::string(200, 'x'), 200);
    ASSERT_FALSE(c.ok());
    EXPECT_NE(c.error().message.find("bytes long"), std::string::npos);
}

TEST(VmmClient, StatusAndSimpleOps) {
    std::vector<std::string> seen;
    FakeMonitor m([&](const std::string& line) -> std::string {
        seen.push_back(line);
        if (line == "{\"op\":\"status\"}") {
            VmmStatus s;
            s.state = "running";
            s.pid = 77;
            s.vcpus = 2;
            return format_status(s);
        }
        return format_ok();
    });
    auto c = VmmClient::connect(m.path(), 1000);
    ASSERT_TRUE(c.ok()) << c.error().message;
    auto s = c->status();
    ASSERT_TRUE(s.ok()) << s.error().message;
    EXPECT_EQ(s->pid, 77);
    EXPECT_EQ(s->vcpus, 2u);
    EXPECT_TRUE(c->pause().ok());
    EXPECT_TRUE(c->unpause().ok());
    EXPECT_TRUE(c->request_shutdown().ok());
    EXPECT_TRUE(c->request_reboot().ok());
    EXPECT_TRUE(c->destroy().ok());
    EXPECT_EQ(seen, (std::vector<std::string>{"{\"op\":\"status\"}", "{\"op\":\"pause\"}",
                                              "{\"op\":\"unpause\"}", "{\"op\":\"shutdown\"}",
                                              "{\"op\":\"reboot\"}", "{\"op\":\"destroy\"}"}));
}

TEST(VmmClient, RefusalKeepsTheMonitorsWords) {
    FakeMonitor m(
        [](const std::string&) { return format_error("cannot pause: the domain is paused"); });
    auto c = VmmClient::connect(m.path(), 1000);
    ASSERT_TRUE(c.ok());
    auto st = c->pause();
    ASSERT_FALSE(st.ok());
    EXPECT_EQ(st.error().code, Errc::invalid_argument);
    EXPECT_EQ(st.error().message, "cannot pause: the domain is paused");
    EXPECT_FALSE(c->status().ok());
    EXPECT_FALSE(c->unpause().ok());  // still connected after a refusal
}

TEST(VmmClient, SilentMonitorTimesOut) {
    FakeMonitor m([](const std::string&) { return std::string(); });
    auto c = VmmClient::connect(m.path(), 300);
    ASSERT_TRUE(c.ok());
    const auto t0 = Clock::now();
    auto st = c->pause();
    const auto waited = Clock::now() - t0;
    ASSERT_FALSE(st.ok());
    EXPECT_EQ(st.error().code, Errc::timeout);
    EXPECT_NE(st.error().message.find(m.path()), std::string::npos) << st.error().message;
    EXPECT_GE(waited, std::chrono::milliseconds(250));
    EXPECT_LT(waited, std::chrono::seconds(3));
    auto again = c->status();  // the connection was dropped after the failure
    ASSERT_FALSE(again.ok());
    EXPECT_NE(again.error().message.find("not connected"), std::string::npos);
}

TEST(VmmClient, GarbageAndHangupAreIoErrors) {
    FakeMonitor garbage([](const std::string&) { return std::string("not json\n"); });
    auto c = VmmClient::connect(garbage.path(), 500);
    ASSERT_TRUE(c.ok());
    auto st = c->status();
    ASSERT_FALSE(st.ok());
    EXPECT_EQ(st.error().code, Errc::io);
    EXPECT_NE(st.error().message.find(garbage.path()), std::string::npos);

    FakeMonitor hangup([](const std::string&) { return std::string("HANGUP"); });
    auto h = VmmClient::connect(hangup.path(), 500);
    ASSERT_TRUE(h.ok());
    auto hs = h->destroy();
    ASSERT_FALSE(hs.ok());
    EXPECT_NE(hs.error().message.find("closed the connection"), std::string::npos);
}

TEST(VmmClient, OpenConsoleLeavesTheStreamUnread) {
    FakeMonitor m([](const std::string& line) -> std::string {
        if (line == "{\"op\":\"console\"}") return format_ok() + "guest output\n";
        return format_error("unexpected");
    });
    auto fd = open_console(m.path(), 1000);
    ASSERT_TRUE(fd.ok()) << fd.error().message;
    std::string got;
    char buf[64];
    while (got.size() < 13) {
        const ssize_t n = ::recv(fd->get(), buf, sizeof buf, 0);
        ASSERT_GT(n, 0);
        got.append(buf, static_cast<size_t>(n));
    }
    EXPECT_EQ(got, "guest output\n");
}

TEST(VmmClient, OpenConsoleRefused) {
    FakeMonitor m([](const std::string&) { return format_error("too many console clients"); });
    auto fd = open_console(m.path(), 1000);
    ASSERT_FALSE(fd.ok());
    EXPECT_EQ(fd.error().message, "too many console clients");
}

TEST(UnixListen, RefusesALiveSocketAndReplacesAStaleOne) {
    FakeMonitor m([](const std::string&) { return format_ok(); });
    auto second = unix_listen(m.path());
    ASSERT_FALSE(second.ok());
    EXPECT_NE(second.error().message.find("another monitor is listening"), std::string::npos);

    char tmpl[] = "/tmp/domus-listen-test-XXXXXX";
    const std::string dir = ::mkdtemp(tmpl);
    const std::string path = dir + "/2.ctl";
    {
        auto stale = unix_listen(path);
        ASSERT_TRUE(stale.ok());
    }  // closed: the file stays
    auto fresh = unix_listen(path);
    EXPECT_TRUE(fresh.ok()) << fresh.error().message;
    ::unlink(path.c_str());
    ::rmdir(dir.c_str());
}

}  // namespace
}  // namespace domus::vmm
