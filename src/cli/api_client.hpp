// A small HTTP/1.1 client for domusd's API on its Unix socket or its HTTPS listener: one
// keep-alive connection, a connect timeout and a per-request timeout, and errors already
// rendered as the one line `domus` prints (see errors.hpp). Boost.Beast stays inside
// api_client.cpp.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include <boost/json/fwd.hpp>

#include "base/result.hpp"

namespace domus::cli {

enum class Method { get, post, patch, del };

struct HttpResponse {
    unsigned status = 0;
    std::string reason;
    std::string content_type;
    std::string body;
};

struct ClientTimeouts {
    std::chrono::milliseconds connect{2000};
    std::chrono::milliseconds request{60000};  // writing the request and reading the response
};

// Where domusd is: its Unix socket, or (url set) its TCP listener, which speaks only HTTPS.
struct Endpoint {
    std::string socket;  // used when url is empty
    std::string url;     // "https://HOST:PORT" as given (named in messages)
    std::string host;    // from url: a DNS name, an IPv4 or an IPv6 address (no brackets)
    uint16_t port = 0;
    std::string cacert;  // PEM file of the CAs to trust (domusd's <state-dir>/tls/cert.pem);
                         // empty: the system's
    std::string token;   // the bearer token every TCP request carries
    bool tcp() const { return !url.empty(); }
    const std::string& where() const { return tcp() ? url : socket; }
};

// Pure: "https://HOST:PORT" (HOST a name, an IPv4 address or [IPv6]; PORT 1-65535, default
// 443) into `endpoint`'s url, host and port. http:// is refused: the listener speaks HTTPS.
Status parse_https_url(std::string_view url, Endpoint& endpoint);

class ApiClient {
  public:
    explicit ApiClient(std::string socket_path, ClientTimeouts timeouts = {});
    explicit ApiClient(Endpoint endpoint, ClientTimeouts timeouts = {});
    ~ApiClient();
    ApiClient(const ApiClient&) = delete;
    ApiClient& operator=(const ApiClient&) = delete;

    const std::string& socket_path() const { return socket_path_; }  // or the URL
    const Endpoint& endpoint() const;

    // Any HTTP status is returned; only transport failures (unreachable daemon, timeout, broken
    // connection, malformed HTTP) are errors.
    Result<HttpResponse> send(Method method, const std::string& target,
                              const std::string& json_body = {});

    // A GET whose 2xx body is written to `out_fd` as it arrives (a core dump: never held in
    // memory); the returned response's body is empty then. Any other status is returned with
    // its body, and nothing is written. The request timeout applies to each read.
    Result<HttpResponse> download(const std::string& target, int out_fd);

    // 2xx: the body. Else the API's error object as `error: <message> (field: f)`.
    Result<std::string> call(Method method, const std::string& target,
                             const std::string& json_body = {});

    // call() whose 2xx body must be a JSON value.
    Result<boost::json::value> call_json(Method method, const std::string& target,
                                         const std::string& json_body = {});

  private:
    struct Impl;
    std::string socket_path_;
    std::unique_ptr<Impl> impl_;
};

// "/v1/domains/" + name + suffix. Names are checked by the command line (no escaping needed).
std::string domain_path(const std::string& name, const std::string& suffix = {});

}  // namespace domus::cli
