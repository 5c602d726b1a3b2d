#include "fake_console.hpp"

#include <fcntl.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <cstring>

#include <boost/beast/websocket/detail/hybi13.hpp>

namespace domus::test {

namespace {

std::string header_value(const std::string& headers, const std::string& name) {
    const auto at = headers.find(name + ": ");
    if (at == std::string::npos) return {};
    const auto start = at + name.size() + 2;
    return headers.substr(start, headers.find("\r\n", start) - start);
}

}  // namespace

FakeConsole::FakeConsole(int close_after_ms) : close_after_ms_(close_after_ms) {
    thread_ = std::thread([this] { serve(); });
}

FakeConsole::~FakeConsole() {
    sock_.wake();
    thread_.join();
}

std::string FakeConsole::target() const {
    std::lock_guard lock(mu_);
    return target_;
}

std::string FakeConsole::received() const {
    std::lock_guard lock(mu_);
    return received_;
}

bool FakeConsole::client_closed() const {
    std::lock_guard lock(mu_);
    return client_closed_;
}

// False on end of file, on the deadline (timeout_ms >= 0) or when the test ends.
bool FakeConsole::read_exact(int fd, void* out, size_t n, int timeout_ms) {
    auto* p = static_cast<char*>(out);
    while (n > 0) {
        pollfd fds[2] = {{fd, POLLIN, 0}, {sock_.wake_fd(), POLLIN, 0}};
        if (::poll(fds, 2, timeout_ms) <= 0 || fds[1].revents != 0) return false;
        ssize_t r = ::read(fd, p, n);
        if (r <= 0) return false;
        p += r;
        n -= static_cast<size_t>(r);
    }
    return true;
}

void FakeConsole::send_frame(int fd, int opcode, const std::string& payload) {
    std::string frame;
    frame += static_cast<char>(0x80 | opcode);
    frame += static_cast<char>(payload.size());  // < 126 bytes in these tests
    frame += payload;
    (void)!::write(fd, frame.data(), frame.size());
}

void FakeConsole::serve() {
    pollfd fds[2] = {{sock_.listener(), POLLIN, 0}, {sock_.wake_fd(), POLLIN, 0}};
    if (::poll(fds, 2, -1) <= 0 || fds[1].revents != 0) return;
    Fd conn(::accept4(sock_.listener(), nullptr, nullptr, SOCK_CLOEXEC));
    std::string req;
    while (req.find("\r\n\r\n") == std::string::npos) {
        char c;
        if (!read_exact(conn.get(), &c, 1, -1)) return;
        req += c;
    }
    {
        std::lock_guard lock(mu_);
        const auto sp = req.find(' ');
        target_ = req.substr(sp + 1, req.find(' ', sp + 1) - sp - 1);
    }
    boost::beast::websocket::detail::sec_ws_accept_type accept;
    boost::beast::websocket::detail::make_sec_ws_accept(accept,
                                                        header_value(req, "Sec-WebSocket-Key"));
    const std::string response =
        "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
        "Sec-WebSocket-Accept: " +
        std::string(accept.data(), accept.size()) + "\r\n\r\n";
    (void)!::write(conn.get(), response.data(), response.size());
    send_frame(conn.get(), 2, "welcome\r\n");

    const auto close_at =
        std::chrono::steady_clock::now() + std::chrono::milliseconds(close_after_ms_);
    bool server_closed = false;
    for (;;) {
        int wait_ms = -1;
        if (close_after_ms_ > 0 && !server_closed) {
            wait_ms = static_cast<int>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                           close_at - std::chrono::steady_clock::now())
                                           .count());
            if (wait_ms <= 0) {
                send_frame(conn.get(), 8, std::string("\x03\xe8", 2) + "domain stopped");
                server_closed = true;
                wait_ms = -1;
            }
        }
        unsigned char head[2];
        pollfd pfd[2] = {{conn.get(), POLLIN, 0}, {sock_.wake_fd(), POLLIN, 0}};
        const int ready = ::poll(pfd, 2, wait_ms);
        if (ready < 0 || pfd[1].revents != 0) return;
        if (ready == 0) continue;  // time to close
        if (!read_exact(conn.get(), head, 2, 2000)) return;
        const int opcode = head[0] & 0x0f;
        uint64_t len = head[1] & 0x7f;
        if (len == 126) {
            unsigned char ext[2];
            if (!read_exact(conn.get(), ext, 2, 2000)) return;
            len = (uint64_t{ext[0]} << 8) | ext[1];
        } else if (len == 127) {
            return;  // not needed here
        }
        unsigned char mask[4] = {0, 0, 0, 0};
        if ((head[1] & 0x80) != 0 && !read_exact(conn.get(), mask, 4, 2000)) return;
        std::string payload(len, '\0');
        if (len > 0 && !read_exact(conn.get(), payload.data(), len, 2000)) return;
        for (size_t i = 0; i < payload.size(); ++i) payload[i] ^= static_cast<char>(mask[i % 4]);
        if (opcode == 8) {
            {
                std::lock_guard lock(mu_);
                client_closed_ = true;
            }
            if (!server_closed) send_frame(conn.get(), 8, payload.substr(0, 2));
            return;
        }
        {
            std::lock_guard lock(mu_);
            received_ += payload;
        }
        if (!server_closed) send_frame(conn.get(), 2, "echo: " + payload);
    }
}

StdinFrom::StdinFrom(const std::string& bytes, bool keep_open) {
    int p[2];
    (void)!::pipe2(p, O_CLOEXEC);
    (void)!::write(p[1], bytes.data(), bytes.size());
    write_end_.reset(p[1]);
    if (!keep_open) write_end_.reset();
    saved_.reset(::dup(STDIN_FILENO));
    ::dup2(p[0], STDIN_FILENO);
    ::close(p[0]);
}

StdinFrom::~StdinFrom() {
    ::dup2(saved_.get(), STDIN_FILENO);
}

}  // namespace domus::test
