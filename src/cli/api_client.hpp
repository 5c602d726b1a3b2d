// A small HTTP/1.1 client for domusd's API on its Unix socket: one keep-alive connection,
// a connect timeout and a per-request timeout, and errors already rendered as the one line
// `domus` prints (see errors.hpp). Boost.Beast stays inside api_client.cpp.
#pragma once

#include <chrono>
#include <memory>
#include <string>

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

class ApiClient {
  public:
    explicit ApiClient(std::string socket_path, ClientTimeouts timeouts = {});
    ~ApiClient();
    ApiClient(const ApiClient&) = delete;
    ApiClient& operator=(const ApiClient&) = delete;

    const std::string& socket_path() const { return socket_path_; }

    // Any HTTP status is returned; only transport failures (unreachable daemon, timeout, broken
    // connection, malformed HTTP) are errors.
    Result<HttpResponse> send(Method method, const std::string& target,
                              const std::string& json_body = {});

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
