// Shared by the vmm_*_test.cpp integration tests: runs real domus-vmm processes in private run
// directories and talks to their control sockets the way domusd does.
#pragma once

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
#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "process.hpp"

extern char** environ;

// Own namespace: other integration helpers live in domus::test and may use the same names.
namespace domus::test::vmm_harness {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

inline std::string slurp(const std::string& path) {
    std::ifstream f(path);
    std::stringstream ss;
    ss << f.rdbuf();
    return ss.str();
}

inline bool exists(const std::string& path) {
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

inline boost::json::object parse(const std::string& line) {
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

inline const std::vector<std::string> kService = {"--cmdline", "service"};

inline std::string str(const boost::json::object& o, const char* key) {
    const auto* v = o.if_contains(key);
    return v != nullptr && v->is_string() ? std::string(v->as_string()) : std::string("<none>");
}

}  // namespace domus::test::vmm_harness
