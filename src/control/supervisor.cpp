#include "control/supervisor.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <boost/json.hpp>
#include <cerrno>
#include <cstring>

extern char** environ;

namespace domus::control {

namespace {

int pidfd_open(pid_t pid) {
    return static_cast<int>(::syscall(SYS_pidfd_open, pid, 0));
}

int64_t now_ms() {
    timespec ts{};
    ::clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

std::string last_line_of(const std::string& path) {
    Fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
    if (!fd.valid()) return {};
    char buf[4096];
    off_t size = ::lseek(fd.get(), 0, SEEK_END);
    off_t start = size > static_cast<off_t>(sizeof buf) ? size - static_cast<off_t>(sizeof buf) : 0;
    ssize_t n = ::pread(fd.get(), buf, sizeof buf, start);
    if (n <= 0) return {};
    std::string s(buf, static_cast<size_t>(n));
    while (!s.empty() && (s.back() == '\n' || s.back() == '\r')) s.pop_back();
    auto pos = s.rfind('\n');
    std::string line = pos == std::string::npos ? s : s.substr(pos + 1);
    // A JSON log line (log-format = json): its message is what the error should quote.
    boost::system::error_code ec;
    auto doc = boost::json::parse(line, ec);
    if (!ec && doc.is_object()) {
        if (const auto* msg = doc.as_object().if_contains("msg"); msg && msg->is_string()) {
            return std::string(msg->as_string().c_str());
        }
    }
    return line;
}

// Reads one handshake line from `fd` within the deadline.
std::string read_handshake(int fd, int timeout_ms) {
    std::string line;
    const int64_t deadline = now_ms() + timeout_ms;
    while (line.find('\n') == std::string::npos && line.size() < 4096) {
        const int64_t left = deadline - now_ms();
        if (left <= 0) break;
        pollfd p{fd, POLLIN, 0};
        int r = ::poll(&p, 1, static_cast<int>(left));
        if (r < 0 && errno == EINTR) continue;
        if (r <= 0) break;
        char buf[512];
        ssize_t n = ::read(fd, buf, sizeof buf);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) break;
        line.append(buf, static_cast<size_t>(n));
    }
    auto pos = line.find('\n');
    return pos == std::string::npos ? line : line.substr(0, pos);
}

}  // namespace

Result<pid_t> spawn_monitor(const SpawnRequest& req) {
    int pipefd[2];
    if (::pipe2(pipefd, O_CLOEXEC) != 0) {
        return make_error(Errc::resource, std::string("pipe: ") + std::strerror(errno));
    }
    Fd rd(pipefd[0]), wr(pipefd[1]);

    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_adddup2(&fa, wr.get(), 1);
    posix_spawn_file_actions_addopen(&fa, 2, req.log_path.c_str(), O_WRONLY | O_CREAT | O_APPEND,
                                     0600);
    posix_spawn_file_actions_addclosefrom_np(&fa, 3);
    posix_spawnattr_t attr;
    posix_spawnattr_init(&attr);
    // Its own session: the monitor outlives the daemon and ignores the daemon's terminal.
    // Signals are reset to defaults and unblocked so SIGTERM works for it.
    sigset_t none, all;
    sigemptyset(&none);
    sigfillset(&all);
    posix_spawnattr_setsigmask(&attr, &none);
    posix_spawnattr_setsigdefault(&attr, &all);
    posix_spawnattr_setflags(&attr,
                             POSIX_SPAWN_SETSID | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);

    std::vector<char*> argv;
    argv.push_back(const_cast<char*>(req.vmm_path.c_str()));
    for (const auto& a : req.args) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    pid_t pid = -1;
    int rc = ::posix_spawn(&pid, req.vmm_path.c_str(), &fa, &attr, argv.data(), environ);
    posix_spawn_file_actions_destroy(&fa);
    posix_spawnattr_destroy(&attr);
    wr.reset();
    if (rc != 0) {
        return make_error(Errc::resource,
                          "cannot start monitor " + req.vmm_path + ": " + std::strerror(rc));
    }

    const std::string line = read_handshake(rd.get(), req.handshake_timeout_ms);
    boost::system::error_code ec;
    auto doc = boost::json::parse(line, ec);
    const auto* obj = (!ec && doc.is_object()) ? &doc.as_object() : nullptr;
    if (obj != nullptr) {
        const auto* ok = obj->if_contains("ok");
        if (ok != nullptr && ok->is_bool() && ok->as_bool()) return pid;
    }
    // Failed: make sure nothing is left running, then report the monitor's own words.
    std::string message;
    if (obj != nullptr) {
        if (const auto* e = obj->if_contains("error"); e != nullptr && e->is_string()) {
            message = std::string(e->as_string().c_str());
        }
    }
    const bool refused = !message.empty();
    ::kill(pid, SIGKILL);
    int status = 0;
    ::waitpid(pid, &status, 0);
    if (message.empty()) {
        std::string tail = last_line_of(req.log_path);
        message = line.empty() ? "the monitor did not start within " +
                                     std::to_string(req.handshake_timeout_ms) + " ms"
                               : "the monitor sent a malformed handshake";
        if (!tail.empty()) message += ": " + tail;
    }
    // The monitor's own refusal (a bad kernel, memory it cannot get, ...) is about the domain;
    // no handshake at all (it died or hung) is the host's fault.
    return make_error(refused ? Errc::invalid_argument : Errc::io, message);
}

bool is_monitor_process(pid_t pid) {
    if (pid <= 0) return false;
    char path[64];
    std::snprintf(path, sizeof path, "/proc/%d/cmdline", pid);
    Fd fd(::open(path, O_RDONLY | O_CLOEXEC));
    if (!fd.valid()) return false;
    char buf[256] = {};
    ssize_t n = ::read(fd.get(), buf, sizeof buf - 1);
    if (n <= 0) return false;
    std::string argv0(buf);  // up to the first NUL
    auto slash = argv0.rfind('/');
    return (slash == std::string::npos ? argv0 : argv0.substr(slash + 1)) == "domus-vmm";
}

bool wait_for_exit(pid_t pid, int timeout_ms) {
    Fd pidfd(pidfd_open(pid));
    if (!pidfd.valid()) return errno == ESRCH;
    pollfd p{pidfd.get(), POLLIN, 0};
    int r;
    do {
        r = ::poll(&p, 1, timeout_ms);
    } while (r < 0 && errno == EINTR);
    if (r == 1) {
        ::waitpid(pid, nullptr, WNOHANG);  // reap it if it is our child
        return true;
    }
    return false;
}

Supervisor::Supervisor(ExitCallback on_exit) : on_exit_(std::move(on_exit)) {}

Supervisor::~Supervisor() {
    stop();
}

void Supervisor::stop() {
    {
        std::lock_guard lock(mu_);
        stopping_ = true;
    }
    if (wake_.valid()) {
        uint64_t one = 1;
        (void)!::write(wake_.get(), &one, sizeof one);
    }
    if (thread_.joinable()) thread_.join();
}

Status Supervisor::start() {
    epoll_.reset(::epoll_create1(EPOLL_CLOEXEC));
    wake_.reset(::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK));
    if (!epoll_.valid() || !wake_.valid()) {
        return make_error(Errc::resource, std::string("epoll/eventfd: ") + std::strerror(errno));
    }
    epoll_event ev{};
    ev.events = EPOLLIN;
    ev.data.u64 = 0;  // the wake eventfd; pids are never 0
    ::epoll_ctl(epoll_.get(), EPOLL_CTL_ADD, wake_.get(), &ev);
    thread_ = std::thread([this] { run(); });
    return {};
}

Status Supervisor::watch(int64_t id, pid_t pid) {
    Fd pidfd(pidfd_open(pid));
    if (!pidfd.valid()) {
        if (errno == ESRCH) {  // already gone: report it like any other exit
            on_exit_(id, pid);
            return {};
        }
        return make_error(Errc::resource,
                          "pidfd_open(" + std::to_string(pid) + "): " + std::strerror(errno));
    }
    std::lock_guard lock(mu_);
    epoll_event ev{};
    ev.events = EPOLLIN;
    ev.data.u64 = static_cast<uint64_t>(pid);
    if (::epoll_ctl(epoll_.get(), EPOLL_CTL_ADD, pidfd.get(), &ev) != 0) {
        return make_error(Errc::resource, std::string("epoll_ctl: ") + std::strerror(errno));
    }
    watched_[pid] = Watched{id, std::move(pidfd)};
    return {};
}

void Supervisor::unwatch(pid_t pid) {
    std::lock_guard lock(mu_);
    auto it = watched_.find(pid);
    if (it == watched_.end()) return;
    ::epoll_ctl(epoll_.get(), EPOLL_CTL_DEL, it->second.pidfd.get(), nullptr);
    watched_.erase(it);
}

void Supervisor::run() {
    for (;;) {
        epoll_event events[16];
        int n = ::epoll_wait(epoll_.get(), events, 16, -1);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) return;
        for (int i = 0; i < n; ++i) {
            if (events[i].data.u64 == 0) {
                uint64_t v;
                (void)!::read(wake_.get(), &v, sizeof v);
                std::lock_guard lock(mu_);
                if (stopping_) return;
                continue;
            }
            const auto pid = static_cast<pid_t>(events[i].data.u64);
            int64_t id = -1;
            {
                std::lock_guard lock(mu_);
                if (stopping_) return;
                auto it = watched_.find(pid);
                if (it == watched_.end()) continue;
                id = it->second.id;
                ::epoll_ctl(epoll_.get(), EPOLL_CTL_DEL, it->second.pidfd.get(), nullptr);
                watched_.erase(it);
            }
            ::waitpid(pid, nullptr, WNOHANG);  // reap our own children; ECHILD for adopted ones
            on_exit_(id, pid);
        }
    }
}

}  // namespace domus::control
