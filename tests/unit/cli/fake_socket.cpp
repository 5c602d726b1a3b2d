#include "fake_socket.hpp"

#include <fcntl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>

namespace domus::test {

FakeSocket::FakeSocket(const char* dir_template_prefix, int backlog) {
    std::string tmpl = std::string(dir_template_prefix) + "XXXXXX";
    const char* dir = ::mkdtemp(tmpl.data());
    dir_ = dir != nullptr ? dir : "/tmp";
    path_ = dir_ + "/domusd.sock";
    listener_.reset(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    std::strncpy(addr.sun_path, path_.c_str(), sizeof addr.sun_path - 1);
    (void)!::bind(listener_.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr);
    (void)!::listen(listener_.get(), backlog);
    int p[2];
    (void)!::pipe2(p, O_CLOEXEC);
    wake_read_.reset(p[0]);
    wake_write_.reset(p[1]);
}

FakeSocket::~FakeSocket() {
    ::unlink(path_.c_str());
    if (dir_ != "/tmp") ::rmdir(dir_.c_str());
}

void FakeSocket::wake() {
    (void)!::write(wake_write_.get(), "x", 1);
}

}  // namespace domus::test
