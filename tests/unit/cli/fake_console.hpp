// A stand-in for domusd's console WebSocket in tests: one connection on a Unix socket, the
// upgrade handshake, a greeting frame, each client frame echoed back as "echo: <data>", and
// optionally a close frame from the server side. Plain POSIX code on one thread.
#pragma once

#include <mutex>
#include <string>
#include <thread>

#include "base/fd.hpp"
#include "fake_socket.hpp"

namespace domus::test {

class FakeConsole {
  public:
    // close_after_ms > 0: the server closes the console ("domain stopped") after that long.
    explicit FakeConsole(int close_after_ms = 0);
    ~FakeConsole();
    FakeConsole(const FakeConsole&) = delete;
    FakeConsole& operator=(const FakeConsole&) = delete;

    const std::string& path() const { return sock_.path(); }
    std::string target() const;    // the request target of the upgrade
    std::string received() const;  // the payloads of the client's data frames, concatenated
    bool client_closed() const;    // the client sent a close frame

  private:
    void serve();
    bool read_exact(int fd, void* out, size_t n, int timeout_ms);
    void send_frame(int fd, int opcode, const std::string& payload);

    int close_after_ms_;
    FakeSocket sock_{"/tmp/domus-cli-console-", 4};
    mutable std::mutex mu_;
    std::string target_, received_;
    bool client_closed_ = false;
    std::thread thread_;
};

// While alive, standard input (fd 0) reads `bytes`, then end of file unless keep_open.
class StdinFrom {
  public:
    explicit StdinFrom(const std::string& bytes, bool keep_open = false);
    ~StdinFrom();
    StdinFrom(const StdinFrom&) = delete;
    StdinFrom& operator=(const StdinFrom&) = delete;

  private:
    Fd saved_, write_end_;
};

}  // namespace domus::test
