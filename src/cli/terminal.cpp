#include "cli/terminal.hpp"

#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <utility>

#include "cli/errors.hpp"

namespace domus::cli {

Result<RawTerminal> RawTerminal::enter(int fd) {
    RawTerminal guard;
    if (::isatty(fd) != 1) return guard;
    if (::tcgetattr(fd, &guard.saved_) != 0) {
        return cli_error(std::string("cannot read the terminal settings: ") + std::strerror(errno));
    }
    termios raw = guard.saved_;
    raw.c_iflag &=
        ~static_cast<tcflag_t>(IGNBRK | BRKINT | PARMRK | ISTRIP | INLCR | IGNCR | ICRNL | IXON);
    raw.c_lflag &= ~static_cast<tcflag_t>(ECHO | ECHONL | ICANON | ISIG | IEXTEN);
    raw.c_cflag &= ~static_cast<tcflag_t>(CSIZE | PARENB);
    raw.c_cflag |= CS8;
    raw.c_cc[VMIN] = 1;
    raw.c_cc[VTIME] = 0;
    if (::tcsetattr(fd, TCSANOW, &raw) != 0) {
        return cli_error(std::string("cannot put the terminal in raw mode: ") +
                         std::strerror(errno));
    }
    guard.fd_ = fd;
    return guard;
}

RawTerminal::RawTerminal(RawTerminal&& other) noexcept
    : fd_(std::exchange(other.fd_, -1)), saved_(other.saved_) {}

RawTerminal& RawTerminal::operator=(RawTerminal&& other) noexcept {
    if (this != &other) {
        restore();
        fd_ = std::exchange(other.fd_, -1);
        saved_ = other.saved_;
    }
    return *this;
}

void RawTerminal::restore() {
    if (fd_ < 0) return;
    while (::tcsetattr(fd_, TCSANOW, &saved_) != 0 && errno == EINTR) {
    }
    fd_ = -1;
}

}  // namespace domus::cli
