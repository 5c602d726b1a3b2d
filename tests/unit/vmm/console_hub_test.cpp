// ConsoleHub: output fan-out to sinks and the bounded console input queue.
#include "vmm/console_hub.hpp"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <string>
#include <vector>

#include "base/fd.hpp"

namespace domus::vmm {
namespace {

std::span<const uint8_t> bytes(const std::string& s) {
    return {reinterpret_cast<const uint8_t*>(s.data()), s.size()};
}

std::string drain(int fd) {
    std::string out;
    char buf[65536];
    for (;;) {
        const ssize_t n = ::recv(fd, buf, sizeof buf, MSG_DONTWAIT);
        if (n <= 0) return out;
        out.append(buf, static_cast<size_t>(n));
    }
}

struct SocketPair {
    SocketPair() { EXPECT_EQ(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds), 0); }
    ~SocketPair() {
        for (int fd : fds) {
            if (fd >= 0) ::close(fd);
        }
    }
    int fds[2] = {-1, -1};
};

TEST(ConsoleHubOutput, FansOutToEverySink) {
    ConsoleHub hub;
    SocketPair a, b;
    auto ia = hub.add_sink(a.fds[0], ConsoleHub::SinkKind::blocking);
    auto ib = hub.add_sink(b.fds[0], ConsoleHub::SinkKind::socket);
    ASSERT_TRUE(ia.ok() && ib.ok());
    EXPECT_NE(*ia, *ib);
    hub.write(bytes("hello\n"));
    EXPECT_EQ(drain(a.fds[1]), "hello\n");
    EXPECT_EQ(drain(b.fds[1]), "hello\n");
    hub.remove_sink(*ib);
    hub.write(bytes("again\n"));
    EXPECT_EQ(drain(a.fds[1]), "again\n");
    EXPECT_EQ(drain(b.fds[1]), "");
    EXPECT_EQ(hub.sink_count(), 1u);
}

TEST(ConsoleHubOutput, NoSinksIsFine) {
    ConsoleHub hub;
    hub.write(bytes("into the void"));
    EXPECT_EQ(hub.output_dropped(), 0u);
}

TEST(ConsoleHubOutput, SlowSocketSinkDropsInsteadOfBlocking) {
    ConsoleHub hub;
    SocketPair s;
    ASSERT_TRUE(hub.add_sink(s.fds[0], ConsoleHub::SinkKind::socket).ok());
    const std::string chunk(4096, 'x');
    for (int i = 0; i < 1024; ++i) hub.write(bytes(chunk));  // 4 MiB, never read: must return
    EXPECT_GT(hub.output_dropped(), 0u);
}

TEST(ConsoleHubOutput, ClosedPeerDoesNotRaiseSigpipe) {
    ConsoleHub hub;
    SocketPair s;
    ASSERT_TRUE(hub.add_sink(s.fds[0], ConsoleHub::SinkKind::socket).ok());
    ::close(s.fds[1]);
    s.fds[1] = -1;
    hub.write(bytes("nobody listens\n"));  // EPIPE, not SIGPIPE
    EXPECT_EQ(hub.output_dropped(), 15u);
}

TEST(ConsoleHubOutput, SinkLimit) {
    ConsoleHub hub;
    for (size_t i = 0; i < ConsoleHub::kMaxSinks; ++i) {
        ASSERT_TRUE(hub.add_sink(100 + static_cast<int>(i), ConsoleHub::SinkKind::socket).ok());
    }
    auto extra = hub.add_sink(1, ConsoleHub::SinkKind::socket);
    ASSERT_FALSE(extra.ok());
    EXPECT_NE(extra.error().message.find("too many"), std::string::npos);
}

TEST(ConsoleHubInput, FifoAcrossTheRingBoundary) {
    ConsoleHub hub;
    std::string expected;
    std::string got;
    uint8_t out[1000];
    // Push and pop in uneven chunks so head and tail wrap around the 64 KiB ring many times.
    for (int round = 0; round < 500; ++round) {
        std::string chunk(777, static_cast<char>('a' + round % 26));
        chunk[0] = static_cast<char>(round);
        EXPECT_EQ(hub.push_input(bytes(chunk)), chunk.size());
        expected += chunk;
        size_t remaining = 0;
        const size_t n = hub.read_input(out, &remaining);
        got.append(reinterpret_cast<char*>(out), n);
        EXPECT_EQ(remaining, expected.size() - got.size());
    }
    for (;;) {
        const size_t n = hub.read_input(out);
        if (n == 0) break;
        got.append(reinterpret_cast<char*>(out), n);
    }
    EXPECT_EQ(got, expected);
    EXPECT_EQ(hub.input_pending(), 0u);
}

TEST(ConsoleHubInput, BoundedAndCountsDrops) {
    ConsoleHub hub;
    const std::string big(ConsoleHub::kInputCapacity + 100, 'z');
    EXPECT_EQ(hub.push_input(bytes(big)), ConsoleHub::kInputCapacity);
    EXPECT_EQ(hub.input_dropped(), 100u);
    EXPECT_EQ(hub.push_input(bytes("more")), 0u);
    EXPECT_EQ(hub.input_pending(), ConsoleHub::kInputCapacity);
    uint8_t out[10];
    EXPECT_EQ(hub.read_input(out), 10u);
    EXPECT_EQ(hub.push_input(bytes("0123456789abc")), 10u);
}

TEST(ConsoleHubInput, EmptyReads) {
    ConsoleHub hub;
    uint8_t out[4];
    size_t remaining = 99;
    EXPECT_EQ(hub.read_input(out, &remaining), 0u);
    EXPECT_EQ(remaining, 0u);
    hub.push_input(bytes("abc"));
    EXPECT_EQ(hub.read_input(std::span<uint8_t>(), &remaining), 0u);
    EXPECT_EQ(remaining, 3u);
}

}  // namespace
}  // namespace domus::vmm

namespace domus::vmm {
namespace {

std::string file_text(const std::string& path) {
    std::string out;
    Fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
    if (!fd.valid()) return out;
    char buf[4096];
    for (ssize_t n; (n = ::read(fd.get(), buf, sizeof buf)) > 0;) out.append(buf, n);
    return out;
}

// A guest flooding its console: the log and its one rotated predecessor stay under the cap,
// the newest output is in the log, and the caller's descriptor still writes the live file.
TEST(ConsoleHubLog, RotatesPastTheCapKeepingOneOlderFile) {
    char tmpl[] = "/tmp/domus-console-rotate-XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    const std::string dir = tmpl, log = dir + "/7.console.log";
    Fd fd(::open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640));
    ASSERT_TRUE(fd.valid());
    ConsoleHub hub;
    auto id = hub.add_sink(fd.get(), ConsoleHub::SinkKind::blocking);
    ASSERT_TRUE(id.ok());
    ASSERT_TRUE(hub.set_log_rotation(*id, log, 1000).ok());
    for (int i = 0; i < 500; ++i) {
        const std::string line = "line " + std::to_string(i) + " of the flood\n";
        hub.write({reinterpret_cast<const uint8_t*>(line.data()), line.size()});
    }
    struct stat st {};
    ASSERT_EQ(::stat(log.c_str(), &st), 0);
    EXPECT_LE(st.st_size, 1000);
    ASSERT_EQ(::stat((log + ".1").c_str(), &st), 0);
    EXPECT_LE(st.st_size, 1000);
    EXPECT_GT(st.st_size, 900);
    EXPECT_EQ(::access((log + ".2").c_str(), F_OK), -1);  // only one older file
    const std::string text = file_text(log);
    EXPECT_NE(text.find("line 499 of the flood\n"), std::string::npos) << text;
    EXPECT_EQ(file_text(log + ".1").find("line 0 "), std::string::npos);
    // Nothing lost at the last swap: .1 ends with the line just before the current file's first.
    const std::string older = file_text(log + ".1");
    const size_t last = older.rfind("line ", older.size() - 2);
    ASSERT_NE(last, std::string::npos) << older;
    const int last_n = std::stoi(older.substr(last + 5));
    EXPECT_EQ(text.rfind("line " + std::to_string(last_n + 1) + " of the flood\n", 0), 0u)
        << older << "|" << text;
    // The descriptor number the caller owns now writes the fresh file, close-on-exec kept.
    EXPECT_EQ(::write(fd.get(), "tail\n", 5), 5);
    EXPECT_NE(file_text(log).find("tail\n"), std::string::npos);
    EXPECT_EQ(::fcntl(fd.get(), F_GETFD) & FD_CLOEXEC, FD_CLOEXEC);
    hub.remove_sink(*id);
    fd.reset();
    std::filesystem::remove_all(dir);
}

TEST(ConsoleHubLog, NoCapNeverRotatesAndSocketsCannotBeRotated) {
    char tmpl[] = "/tmp/domus-console-rotate-XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    const std::string dir = tmpl, log = dir + "/1.console.log";
    Fd fd(::open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640));
    ConsoleHub hub;
    auto id = hub.add_sink(fd.get(), ConsoleHub::SinkKind::blocking);
    ASSERT_TRUE(hub.set_log_rotation(*id, log, 0).ok());
    const std::string chunk(100, 'x');
    for (int i = 0; i < 100; ++i) {
        hub.write({reinterpret_cast<const uint8_t*>(chunk.data()), chunk.size()});
    }
    EXPECT_EQ(file_text(log).size(), 10000u);
    EXPECT_EQ(::access((log + ".1").c_str(), F_OK), -1);
    int sv[2];
    ASSERT_EQ(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
    auto sock = hub.add_sink(sv[0], ConsoleHub::SinkKind::socket);
    EXPECT_FALSE(hub.set_log_rotation(*sock, log, 10).ok());
    EXPECT_FALSE(hub.set_log_rotation(999, log, 10).ok());
    hub.remove_sink(*sock);
    ::close(sv[0]);
    ::close(sv[1]);
    std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace domus::vmm
