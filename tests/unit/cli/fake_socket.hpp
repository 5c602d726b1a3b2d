// The listening half the CLI's fake servers share: a Unix socket in a fresh /tmp directory and
// a wake pipe that tells the serving thread to stop.
#pragma once

#include <string>

#include "base/fd.hpp"

namespace domus::test {

class FakeSocket {
  public:
    FakeSocket(const char* dir_template_prefix, int backlog);
    ~FakeSocket();  // removes the socket and its directory
    FakeSocket(const FakeSocket&) = delete;
    FakeSocket& operator=(const FakeSocket&) = delete;

    const std::string& path() const { return path_; }
    int listener() const { return listener_.get(); }
    int wake_fd() const { return wake_read_.get(); }  // readable once wake() was called
    void wake();

  private:
    std::string dir_, path_;
    Fd listener_, wake_read_, wake_write_;
};

}  // namespace domus::test
