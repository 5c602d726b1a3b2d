// A deliberately small HTTP/1.1 client for tests: one request per connection over a Unix or
// TCP socket, so the tests exercise the daemon and not a client library.
#pragma once

#include <map>
#include <string>

namespace domus::test {

struct HttpResponse {
    int status = 0;                              // 0: no response (connection failed or closed)
    std::map<std::string, std::string> headers;  // lower-case names
    std::string body;
};

struct HttpTarget {
    std::string unix_path;  // used when non-empty
    std::string host = "127.0.0.1";
    int port = 0;
};

HttpResponse http_request(const HttpTarget& target, const std::string& method,
                          const std::string& path, const std::string& body = "",
                          const std::map<std::string, std::string>& headers = {},
                          int timeout_ms = 30000);

// Sends raw bytes and returns whatever comes back until the server closes (or the timeout).
std::string raw_exchange(const HttpTarget& target, const std::string& bytes, int timeout_ms);

}  // namespace domus::test
