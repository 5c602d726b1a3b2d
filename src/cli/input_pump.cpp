#include "cli/input_pump.hpp"

#include <fcntl.h>
#include <poll.h>
#include <unistd.h>

#include <cerrno>

namespace domus::cli {

bool InputPump::start(int fd, Sink sink) {
    int p[2];
    if (::pipe2(p, O_CLOEXEC) != 0) return false;
    wake_read_.reset(p[0]);
    wake_write_.reset(p[1]);
    fd_ = fd;
    sink_ = std::move(sink);
    thread_ = std::thread([this] { loop(); });
    return true;
}

void InputPump::resume() {
    std::lock_guard lock(mu_);
    ready_ = true;
    cv_.notify_one();
}

void InputPump::stop() {
    {
        std::lock_guard lock(mu_);
        if (stopping_ && !thread_.joinable()) return;
        stopping_ = true;
        cv_.notify_one();
    }
    if (wake_write_.valid()) {
        const char c = 0;
        (void)!::write(wake_write_.get(), &c, 1);
    }
    if (thread_.joinable()) thread_.join();
}

void InputPump::loop() {
    char buf[4096];
    for (;;) {
        {
            std::unique_lock lock(mu_);
            cv_.wait(lock, [this] { return ready_ || stopping_; });
            if (stopping_) return;
            ready_ = false;
        }
        pollfd fds[2] = {{fd_, POLLIN, 0}, {wake_read_.get(), POLLIN, 0}};
        int n = ::poll(fds, 2, -1);
        if (n < 0 && errno == EINTR) {
            resume();
            continue;
        }
        if (n < 0 || fds[1].revents != 0) return;  // stop() woke us
        ssize_t r = ::read(fd_, buf, sizeof buf);
        if (r < 0 && (errno == EINTR || errno == EAGAIN)) {
            resume();
            continue;
        }
        {
            std::lock_guard lock(mu_);
            if (stopping_) return;
        }
        if (r <= 0) {
            sink_(std::string());
            return;
        }
        sink_(std::string(buf, static_cast<size_t>(r)));
    }
}

}  // namespace domus::cli
