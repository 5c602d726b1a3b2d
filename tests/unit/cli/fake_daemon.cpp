#include "fake_daemon.hpp"

#include <fcntl.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>

namespace domus::test {

std::string dead_socket_path() {
    char tmpl[] = "/tmp/domus-cli-test-XXXXXX";
    const char* dir = ::mkdtemp(tmpl);
    return std::string(dir != nullptr ? dir : "/tmp") + "/nobody.sock";
}

std::string http_response(int status, const std::string& reason, const std::string& body,
                          const std::string& extra_headers) {
    return "HTTP/1.1 " + std::to_string(status) + " " + reason +
           "\r\nContent-Type: application/json\r\nContent-Length: " + std::to_string(body.size()) +
           "\r\n" + extra_headers + "\r\n" + body;
}

FakeDaemon::FakeDaemon(Handler handler, bool close_after_response)
    : handler_(std::move(handler)), close_after_response_(close_after_response) {
    thread_ = std::thread([this] { serve(); });
}

FakeDaemon::~FakeDaemon() {
    sock_.wake();
    thread_.join();
}

std::vector<FakeRequest> FakeDaemon::requests() const {
    std::lock_guard lock(mu_);
    return requests_;
}

int FakeDaemon::connections() const {
    std::lock_guard lock(mu_);
    return connections_;
}

bool FakeDaemon::wait_readable(int fd) {
    pollfd fds[2] = {{fd, POLLIN, 0}, {sock_.wake_fd(), POLLIN, 0}};
    while (::poll(fds, 2, -1) < 0) {
    }
    return fds[1].revents == 0;
}

void FakeDaemon::serve() {
    while (wait_readable(sock_.listener())) {
        Fd conn(::accept4(sock_.listener(), nullptr, nullptr, SOCK_CLOEXEC));
        if (!conn.valid()) continue;
        {
            std::lock_guard lock(mu_);
            ++connections_;
        }
        if (!serve_connection(conn.get())) return;
    }
}

bool FakeDaemon::serve_connection(int fd) {
    std::string in;
    for (;;) {
        size_t end = in.find("\r\n\r\n");
        while (end == std::string::npos) {
            if (!wait_readable(fd)) return false;
            char buf[4096];
            ssize_t n = ::read(fd, buf, sizeof buf);
            if (n <= 0) return true;  // the client closed: next connection
            in.append(buf, static_cast<size_t>(n));
            end = in.find("\r\n\r\n");
        }
        FakeRequest req;
        req.headers = in.substr(0, end);
        const auto sp1 = req.headers.find(' ');
        const auto sp2 = req.headers.find(' ', sp1 + 1);
        req.method = req.headers.substr(0, sp1);
        req.target = req.headers.substr(sp1 + 1, sp2 - sp1 - 1);
        size_t length = 0;
        if (auto cl = req.headers.find("Content-Length: "); cl != std::string::npos) {
            length = std::strtoul(req.headers.c_str() + cl + 16, nullptr, 10);
        }
        while (in.size() < end + 4 + length) {
            if (!wait_readable(fd)) return false;
            char buf[4096];
            ssize_t n = ::read(fd, buf, sizeof buf);
            if (n <= 0) return true;
            in.append(buf, static_cast<size_t>(n));
        }
        req.body = in.substr(end + 4, length);
        in.erase(0, end + 4 + length);
        {
            std::lock_guard lock(mu_);
            requests_.push_back(req);
        }
        const std::string out = handler_(req);
        if (out.empty()) return wait_readable(fd);  // no answer: hold it until the client gives up
        (void)!::write(fd, out.data(), out.size());
        if (close_after_response_) return true;
    }
}

}  // namespace domus::test
