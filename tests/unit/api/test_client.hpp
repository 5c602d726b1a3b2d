// Clients for the in-process server tests: a raw HTTP/1.1 connection (POSIX socket + Beast's
// response parser, every read bounded by a timeout so a bug fails a test instead of hanging
// it) and a WebSocket client. Beast stays in test_client.cpp.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/fd.hpp"

namespace domus::api::test {

using namespace std::chrono_literals;

struct Response {
    int status = 0;
    std::map<std::string, std::string> headers;  // names lowercased
    std::string body;
    bool keep_alive = false;
    std::string header(const std::string& name) const;
};

class HttpConn {
  public:
    static HttpConn unix_socket(const std::string& path);
    static HttpConn tcp(uint16_t port);
    bool connected() const { return fd_.valid(); }

    bool send(std::string_view bytes);
    // A complete request ("Host" and "Content-Length" added), then its response.
    std::optional<Response> request(const std::string& method, const std::string& target,
                                    const std::string& body = "",
                                    const std::vector<std::string>& headers = {});
    std::optional<Response> read_response(std::chrono::milliseconds timeout = 5s);
    // Reads raw bytes until `needle` is among those not yet taken; false on timeout/EOF.
    bool wait_for(std::string_view needle, std::chrono::milliseconds timeout = 5s);
    std::string take();  // the raw bytes read and not yet taken
    // True when the server closes (EOF or reset) within the timeout; discards data.
    bool closed_within(std::chrono::milliseconds timeout);
    void close() { fd_.reset(); }

  private:
    explicit HttpConn(Fd fd) : fd_(std::move(fd)) {}
    // Appends what arrives within the timeout; false on EOF/error/timeout with nothing read.
    bool fill(std::chrono::milliseconds timeout);

    Fd fd_;
    std::string pending_;
    bool eof_ = false;
};

std::string make_request(const std::string& method, const std::string& target,
                         const std::string& body = "",
                         const std::vector<std::string>& headers = {});

class WsClient {
  public:
    // Connects to the Unix socket and upgrades on `target`; nullptr when the upgrade fails
    // (then `failure` holds the HTTP status, when there was a response).
    static std::unique_ptr<WsClient> connect(const std::string& socket_path,
                                             const std::string& target, int* failure = nullptr);
    ~WsClient();
    bool write(const std::string& data, bool binary);
    // One message, or nullopt on timeout/close (then closed() tells which).
    std::optional<std::string> read(std::chrono::milliseconds timeout = 5s);
    bool closed() const { return closed_; }
    void close();

    struct Impl;

  private:
    explicit WsClient(std::unique_ptr<Impl> impl);
    std::unique_ptr<Impl> impl_;
    bool closed_ = false;
};

}  // namespace domus::api::test
