// Shared by the socket system-call files (net.cpp, net_msg.cpp): the socket of an fd and the
// moving of socket addresses across the user boundary (Linux's move_addr_to_kernel/_to_user).
#pragma once

#include <stdint.h>

#include "sock/socket.hpp"
#include "syscalls/common.hpp"

namespace syscalls {

// The socket behind `fd` with a File reference held: -EBADF / -ENOTSOCK in `err`.
class SockRef {
  public:
    SockRef(Args& a, int fd) : file_(a, fd) {
        err_ = !file_ ? -EBADF : (sock::sock_of(file_.get()) ? 0 : -ENOTSOCK);
    }
    int error() const { return err_; }
    sock::Socket* get() const { return sock::sock_of(file_.get()); }
    sock::Socket* operator->() const { return get(); }
    fs::File* file() const { return file_.get(); }
    bool nonblocking() const {
        return (fs::file_get_flags(file_.get()) & linux_abi::oflag::NONBLOCK) != 0;
    }

  private:
    FileRef file_;
    int err_;
};

// A user sockaddr of `len` bytes into `out` (kSockaddrStorage): -EINVAL for a length outside
// [0, 128], -EFAULT.
int addr_from_user(uint64_t uaddr, int64_t len, uint8_t* out);
// A kernel sockaddr of `klen` bytes to the user: the user's *ulen bytes at most, and klen
// back into *ulen. -EFAULT, -EINVAL for a negative *ulen.
int addr_to_user(const uint8_t* kaddr, uint32_t klen, uint64_t uaddr, uint64_t ulen);

}  // namespace syscalls
