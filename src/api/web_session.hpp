// Browser sessions for the dashboard on the TCP listener. A browser signs in once with the API
// token (POST /v1/session) and then holds a cookie, domus_session=<256 random bits as hex>
// (HttpOnly, Secure, SameSite=Strict, Path=/, Max-Age = the lifetime), that the API and the
// console WebSocket accept instead of the bearer token. Sessions live in memory only: a daemon
// restart (with a new token or not) ends them all. A request that rides on the cookie and
// changes something (any method but GET/HEAD) or upgrades to a WebSocket must carry an Origin
// equal to the daemon's own (the scheme and the Host header it was sent to), else 403.
// The pure parts (cookie parsing, the Origin check, the header-time decision) take no I/O.
#pragma once

#include <chrono>
#include <cstddef>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.hpp"

namespace domus::api {

inline constexpr std::string_view kSessionCookieName = "domus_session";
inline constexpr size_t kSessionIdHexChars = 64;
inline constexpr std::chrono::seconds kDefaultSessionLifetime{12 * 3600};
inline constexpr size_t kDefaultMaxSessions = 64;

// The domus_session value of a Cookie header when it is a well-formed session id (64 lowercase
// hex digits), else "" (absent, empty, repeated with different values, or malformed).
std::string_view session_cookie(std::string_view cookie_header);

// Whether `origin` (an Origin header) is exactly <scheme>://<host>, where host is the Host
// header the request was sent to (host[:port], compared case-insensitively) and scheme is https
// over TLS (http on the plain TCP the unit tests use). "null", empty and anything with a path,
// userinfo or a different port is not.
bool same_origin(std::string_view origin, std::string_view host, bool tls);

// The Set-Cookie values that start and end a session.
std::string session_set_cookie(std::string_view id, std::chrono::seconds lifetime);
std::string session_clear_cookie();

// The live sessions: at most `max` (the oldest goes when a new one would exceed it), each ending
// `lifetime` after it began. Thread-safe. Lookups compare every id in constant time.
class WebSessions {
  public:
    using Clock = std::chrono::steady_clock;
    explicit WebSessions(std::chrono::seconds lifetime = kDefaultSessionLifetime,
                         size_t max = kDefaultMaxSessions);

    Result<std::string> create(Clock::time_point now = Clock::now());
    bool valid(std::string_view id, Clock::time_point now = Clock::now()) const;
    void remove(std::string_view id);
    size_t size() const;
    std::chrono::seconds lifetime() const { return lifetime_; }

  private:
    struct Entry {
        std::string id;
        Clock::time_point expires;
    };
    const std::chrono::seconds lifetime_;
    const size_t max_;
    mutable std::mutex mu_;
    std::vector<Entry> entries_;  // in creation order
};

// What the header of a TCP request carries that decides whether it may go on.
struct TcpAuthInput {
    std::string_view method{};
    std::string_view path{};  // the target without its query
    std::string_view authorization{};
    std::string_view cookie{};
    std::string_view origin{};
    std::string_view host{};
    bool upgrade = false;  // a WebSocket upgrade
    bool tls = true;
};

struct TcpAuthDecision {
    int status = 0;  // 0: go on; 401 or 403: refuse with `message`
    std::string code;
    std::string message;
};

// Decided from the header alone. A bearer token (right: go on, wrong: 401) wins over a cookie;
// the dashboard's static files (`is_public_asset`) and POST/DELETE /v1/session (whose handler
// checks the token in the body) need no credential; else a valid session cookie, with the Origin
// check above; else 401. Neither the token nor the cookie value appears in a message.
TcpAuthDecision decide_tcp_auth(const TcpAuthInput& in, std::string_view expected_token,
                                const WebSessions& sessions,
                                bool (*is_public_asset)(std::string_view),
                                WebSessions::Clock::time_point now = WebSessions::Clock::now());

// POST /v1/session's body: {"token": "<token>"}. The token, or the 400 message.
Result<std::string> parse_session_request(std::string_view body);

}  // namespace domus::api

#include "api/http_reply.hpp"

namespace domus::api {

// The replies of POST /v1/session (the given token right: 201, a new session and its cookie;
// wrong: 401) and DELETE /v1/session (204; the caller's session, if any, ends).
HttpReply session_create_reply(WebSessions& sessions, std::string_view expected_token,
                               std::string_view given_token);
HttpReply session_delete_reply(WebSessions& sessions, std::string_view cookie_header);

}  // namespace domus::api
