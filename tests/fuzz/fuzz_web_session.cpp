// fuzz_web_session: arbitrary header values through the dashboard's header-time checks: the
// session cookie parser, the Origin check and the TCP auth decision (with one live session),
// and the sign-in body parser. Input: newline-separated method, path, Authorization, Cookie,
// Origin, Host, then the rest (a 'U' first: an upgrade; also the sign-in body). Nothing may
// crash or hang; whatever the cookie parser returns must be a well-formed session id; no
// decision may let a request through with the cookie alone unless it names the live session,
// nor let a change through from another origin; no message may hold the session id (unless
// the client itself put it in the Origin or Host the 403 quotes).
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "api/web_session.hpp"

namespace {

using namespace domus::api;

bool is_public(std::string_view path) {
    return path == "/" || path == "/app.js";
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    static WebSessions sessions;
    static const std::string live = [] {
        auto id = sessions.create();
        if (!id) std::abort();
        return *id;
    }();
    const std::string_view in(reinterpret_cast<const char*>(data), size);
    std::vector<std::string_view> f;
    size_t start = 0;
    while (f.size() < 6) {
        const size_t nl = in.find('\n', start);
        if (nl == std::string_view::npos) break;
        f.push_back(in.substr(start, nl - start));
        start = nl + 1;
    }
    while (f.size() < 6) f.push_back({});
    const std::string_view rest = start <= in.size() ? in.substr(start) : std::string_view();

    const std::string_view id = session_cookie(f[3]);
    if (!id.empty()) {
        if (id.size() != kSessionIdHexChars) std::abort();
        for (char c : id) {
            if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) std::abort();
        }
    }
    const bool same = same_origin(f[4], f[5], true);
    if (same && (f[4].empty() || f[5].empty())) std::abort();

    TcpAuthInput req;
    req.method = f[0];
    req.path = f[1];
    req.authorization = f[2];
    req.cookie = f[3];
    req.origin = f[4];
    req.host = f[5];
    req.upgrade = !rest.empty() && rest[0] == 'U';
    req.tls = true;
    const auto d = decide_tcp_auth(req, std::string(64, 'a'), sessions, &is_public);
    if (d.status != 0 && d.status != 401 && d.status != 403) std::abort();
    // (The Origin and Host a client sent are quoted back; an id it put there is no leak.)
    if (d.message.find(live) != std::string::npos && f[4].find(live) == std::string::npos &&
        f[5].find(live) == std::string::npos) {
        std::abort();
    }
    if (d.status == 0 && f[2].empty()) {
        const bool public_read =
            (f[0] == "GET" || f[0] == "HEAD") && !req.upgrade && is_public(f[1]);
        const bool sign_in = f[1] == "/v1/session" && (f[0] == "POST" || f[0] == "DELETE");
        if (!public_read && !sign_in) {
            if (id != live) std::abort();  // through on a cookie that is not the session
            const bool changes = !(f[0] == "GET" || f[0] == "HEAD") || req.upgrade;
            if (changes && !same) std::abort();  // a change from another origin
        }
    }
    (void)parse_session_request(rest);
    return 0;
}
