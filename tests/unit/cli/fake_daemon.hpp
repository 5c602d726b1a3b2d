// A stand-in for domusd in tests: a Unix socket that answers HTTP requests with canned text,
// served by plain POSIX code on one thread (connections one after the other).
#pragma once

#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "base/fd.hpp"
#include "fake_socket.hpp"

namespace domus::test {

struct FakeRequest {
    std::string method;
    std::string target;
    std::string headers;  // the raw header block
    std::string body;
};

class FakeDaemon {
  public:
    // The whole raw response to send; an empty string holds the connection without answering.
    using Handler = std::function<std::string(const FakeRequest&)>;

    // close_after_response: close each connection after one answer, without saying so.
    explicit FakeDaemon(Handler handler, bool close_after_response = false);
    ~FakeDaemon();
    FakeDaemon(const FakeDaemon&) = delete;
    FakeDaemon& operator=(const FakeDaemon&) = delete;

    const std::string& path() const { return sock_.path(); }
    std::vector<FakeRequest> requests() const;
    int connections() const;

  private:
    void serve();
    bool serve_connection(int fd);  // false when stopping
    bool wait_readable(int fd);     // false when stopping

    Handler handler_;
    bool close_after_response_;
    FakeSocket sock_{"/tmp/domus-cli-test-", 8};
    mutable std::mutex mu_;
    std::vector<FakeRequest> requests_;
    int connections_ = 0;
    std::thread thread_;
};

// "HTTP/1.1 <status> <reason>" with Content-Type: application/json and Content-Length.
std::string http_response(int status, const std::string& reason, const std::string& body,
                          const std::string& extra_headers = "");

// A socket path in a fresh temporary directory where nothing listens.
std::string dead_socket_path();

}  // namespace domus::test
