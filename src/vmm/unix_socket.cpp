#include "vmm/unix_socket.hpp"

#include <poll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <thread>

namespace domus::vmm {

namespace {

Error io_error(const std::string& path, const std::string& what) {
    return make_error(Errc::io, "domus-vmm control socket " + path + ": " + what);
}

Error timeout_error(const std::string& path, const std::string& what) {
    return make_error(Errc::timeout, "domus-vmm control socket " + path + ": " + what);
}

Error errno_error(const std::string& path, const char* call) {
    return io_error(path, std::string(call) + ": " + std::strerror(errno));
}

Result<sockaddr_un> address_of(const std::string& path) {
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    if (path.empty() || path.size() >= sizeof addr.sun_path) {
        return io_error(path, "the path must be 1.." + std::to_string(sizeof addr.sun_path - 1) +
                                  " bytes long");
    }
    std::memcpy(addr.sun_path, path.data(), path.size());
    return addr;
}

int remaining_ms(Deadline deadline) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    return left.count() <= 0 ? 0 : static_cast<int>(std::min<int64_t>(left.count(), 1 << 30));
}

// Waits for `events` on fd until the deadline: true when ready, false on timeout.
Result<bool> wait_for(int fd, short events, Deadline deadline, const std::string& path) {
    for (;;) {
        pollfd p{fd, events, 0};
        const int n = ::poll(&p, 1, remaining_ms(deadline));
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) return errno_error(path, "poll");
        return n > 0;
    }
}

Result<Fd> new_socket(const std::string& path) {
    Fd fd(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0));
    if (!fd.valid()) return errno_error(path, "socket");
    return fd;
}

}  // namespace

Deadline deadline_in(int timeout_ms) {
    return std::chrono::steady_clock::now() +
           std::chrono::milliseconds(timeout_ms < 0 ? 0 : timeout_ms);
}

bool unix_socket_answers(const std::string& path) {
    auto addr = address_of(path);
    if (!addr) return false;
    auto probe = new_socket(path);
    if (!probe) return false;
    return ::connect(probe->get(), reinterpret_cast<const sockaddr*>(&*addr), sizeof *addr) == 0 ||
           errno == EAGAIN;
}

Result<Fd> unix_listen(const std::string& path, const UnixListenOptions& options) {
    const auto named = [&](const std::string& what) {
        return make_error(Errc::io, std::string(options.what) + " " + path + ": " + what);
    };
    const auto failed = [&](const char* call) {
        return named(std::string(call) + ": " + std::strerror(errno));
    };
    auto addr = address_of(path);
    if (!addr) {
        return named("the path must be 1.." + std::to_string(sizeof addr->sun_path - 1) +
                     " bytes long");
    }
    struct stat st {};
    if (::lstat(path.c_str(), &st) == 0) {
        if (!S_ISSOCK(st.st_mode)) return named("exists and is not a socket; not replacing it");
        if (unix_socket_answers(path)) {
            return named("another " + std::string(options.peer) + " is listening on it");
        }
        if (::unlink(path.c_str()) != 0 && errno != ENOENT) return failed("unlink");
    }
    auto fd = new_socket(path);
    if (!fd) return fd.error();
    const mode_t old = ::umask(mode_t(~options.mode & 0777));  // the file is born with `mode`
    const int rc = ::bind(fd->get(), reinterpret_cast<const sockaddr*>(&*addr), sizeof *addr);
    const int bind_errno = errno;
    ::umask(old);
    if (rc != 0) {
        errno = bind_errno;
        return failed("bind");
    }
    if (::chmod(path.c_str(), mode_t(options.mode)) != 0) {
        auto e = failed("chmod");
        ::unlink(path.c_str());
        return e;
    }
    if (::listen(fd->get(), options.backlog) != 0) {
        auto e = failed("listen");
        ::unlink(path.c_str());
        return e;
    }
    return fd;
}

Result<Fd> unix_connect(const std::string& path, int timeout_ms) {
    auto addr = address_of(path);
    if (!addr) return addr.error();
    auto fd = new_socket(path);
    if (!fd) return fd.error();
    const Deadline deadline = deadline_in(timeout_ms);
    for (;;) {
        if (::connect(fd->get(), reinterpret_cast<const sockaddr*>(&*addr), sizeof *addr) == 0) {
            return fd;
        }
        if (errno == EINTR) continue;
        if (errno == EAGAIN) {  // the backlog is full: the monitor is busy, try again shortly
            if (remaining_ms(deadline) == 0) {
                return io_error(path, "the monitor did not accept within " +
                                          std::to_string(timeout_ms) + " ms");
            }
            std::this_thread::sleep_for(std::chrono::milliseconds(5));
            continue;
        }
        return errno_error(path, "connect");
    }
}

Status send_all(int fd, std::string_view data, Deadline deadline, const std::string& path) {
    size_t off = 0;
    while (off < data.size()) {
        const ssize_t n =
            ::send(fd, data.data() + off, data.size() - off, MSG_NOSIGNAL | MSG_DONTWAIT);
        if (n > 0) {
            off += static_cast<size_t>(n);
            continue;
        }
        if (n < 0 && errno == EINTR) continue;
        if (n < 0 && errno != EAGAIN) return errno_error(path, "send");
        auto ready = wait_for(fd, POLLOUT, deadline, path);
        if (!ready) return ready.error();
        if (!*ready) return timeout_error(path, "the monitor is not reading its requests");
    }
    return {};
}

Result<std::string> recv_line(int fd, std::string& buffer, size_t max_line, Deadline deadline,
                              const std::string& path) {
    for (;;) {
        if (const size_t nl = buffer.find('\n'); nl != std::string::npos) {
            std::string line = buffer.substr(0, nl);
            buffer.erase(0, nl + 1);
            return line;
        }
        if (buffer.size() > max_line) return io_error(path, "response line too long");
        char chunk[4096];
        const ssize_t n = ::recv(fd, chunk, sizeof chunk, MSG_DONTWAIT);
        if (n > 0) {
            buffer.append(chunk, static_cast<size_t>(n));
            continue;
        }
        if (n == 0) return io_error(path, "the monitor closed the connection");
        if (errno == EINTR) continue;
        if (errno != EAGAIN) return errno_error(path, "recv");
        auto ready = wait_for(fd, POLLIN, deadline, path);
        if (!ready) return ready.error();
        if (!*ready) return timeout_error(path, "no response from the monitor in time");
    }
}

Result<std::string> recv_line_exact(int fd, size_t max_line, Deadline deadline,
                                    const std::string& path) {
    std::string line;
    for (;;) {
        char c = 0;
        const ssize_t n = ::recv(fd, &c, 1, MSG_DONTWAIT);
        if (n == 1) {
            if (c == '\n') return line;
            if (line.size() >= max_line) return io_error(path, "response line too long");
            line.push_back(c);
            continue;
        }
        if (n == 0) return io_error(path, "the monitor closed the connection");
        if (errno == EINTR) continue;
        if (errno != EAGAIN) return errno_error(path, "recv");
        auto ready = wait_for(fd, POLLIN, deadline, path);
        if (!ready) return ready.error();
        if (!*ready) return timeout_error(path, "no response from the monitor in time");
    }
}

}  // namespace domus::vmm
