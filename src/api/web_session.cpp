// Session ids, the cookie and Origin checks, and the header-time decision for TCP requests.
#include "api/web_session.hpp"

#include <boost/json/parse.hpp>

#include "api/api_token.hpp"

namespace domus::api {
namespace {

bool is_session_id(std::string_view s) {
    return is_lower_hex(s, kSessionIdHexChars);
}

std::string_view trim(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
    return s;
}

char lower(char c) {
    return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
}

bool iequal(std::string_view a, std::string_view b) {
    if (a.size() != b.size()) return false;
    for (size_t i = 0; i < a.size(); ++i) {
        if (lower(a[i]) != lower(b[i])) return false;
    }
    return true;
}

// host[:port] as a Host header or an origin's authority may spell it: a name or an IPv4
// address (letters, digits, '.', '-') or a bracketed IPv6 address, then an optional port.
bool valid_authority(std::string_view a) {
    if (a.empty() || a.size() > 255) return false;
    size_t i = 0;
    if (a[0] == '[') {
        const size_t close = a.find(']');
        if (close == std::string_view::npos || close == 1) return false;
        for (size_t k = 1; k < close; ++k) {
            const char c = lower(a[k]);
            if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || c == ':' || c == '.')) {
                return false;
            }
        }
        i = close + 1;
    } else {
        while (i < a.size() && a[i] != ':') {
            const char c = lower(a[i]);
            if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || c == '.' || c == '-')) {
                return false;
            }
            ++i;
        }
        if (i == 0) return false;
    }
    if (i == a.size()) return true;
    if (a[i] != ':' || i + 1 == a.size() || a.size() - i - 1 > 5) return false;
    for (size_t k = i + 1; k < a.size(); ++k) {
        if (a[k] < '0' || a[k] > '9') return false;
    }
    return true;
}

bool safe_method(std::string_view method) {
    return method == "GET" || method == "HEAD";
}

}  // namespace

std::string_view session_cookie(std::string_view header) {
    std::string_view found;
    bool seen = false;
    while (!header.empty()) {
        const size_t semi = header.find(';');
        const std::string_view pair = trim(header.substr(0, semi));
        header = semi == std::string_view::npos ? std::string_view() : header.substr(semi + 1);
        const size_t eq = pair.find('=');
        if (eq == std::string_view::npos) continue;
        if (trim(pair.substr(0, eq)) != kSessionCookieName) continue;
        std::string_view value = trim(pair.substr(eq + 1));
        if (value.size() >= 2 && value.front() == '"' && value.back() == '"') {
            value = value.substr(1, value.size() - 2);
        }
        if (seen && value != found) return {};  // two different sessions: trust neither
        seen = true;
        found = value;
    }
    return is_session_id(found) ? found : std::string_view();
}

bool same_origin(std::string_view origin, std::string_view host, bool tls) {
    const std::string_view scheme = tls ? "https://" : "http://";
    if (origin.size() <= scheme.size() || !iequal(origin.substr(0, scheme.size()), scheme)) {
        return false;
    }
    const std::string_view authority = origin.substr(scheme.size());
    if (!valid_authority(authority) || !valid_authority(host)) return false;
    // The default port may be left out of either side.
    auto strip_default = [&](std::string_view a) {
        const std::string_view def = tls ? ":443" : ":80";
        if (a.size() > def.size() && a.substr(a.size() - def.size()) == def &&
            a[a.size() - def.size() - 1] != ':') {
            a.remove_suffix(def.size());
        }
        return a;
    };
    return iequal(strip_default(authority), strip_default(host));
}

std::string session_set_cookie(std::string_view id, std::chrono::seconds lifetime) {
    return std::string(kSessionCookieName) + "=" + std::string(id) +
           "; HttpOnly; Secure; SameSite=Strict; Path=/; Max-Age=" +
           std::to_string(lifetime.count());
}

std::string session_clear_cookie() {
    return std::string(kSessionCookieName) +
           "=; HttpOnly; Secure; SameSite=Strict; Path=/; Max-Age=0";
}

WebSessions::WebSessions(std::chrono::seconds lifetime, size_t max)
    : lifetime_(lifetime), max_(max == 0 ? 1 : max) {}

Result<std::string> WebSessions::create(Clock::time_point now) {
    auto id = random_hex(kSessionIdHexChars);
    if (!id) return id;
    std::lock_guard lock(mu_);
    std::erase_if(entries_, [&](const Entry& e) { return e.expires <= now; });
    while (entries_.size() >= max_) entries_.erase(entries_.begin());
    entries_.push_back(Entry{*id, now + lifetime_});
    return id;
}

bool WebSessions::valid(std::string_view id, Clock::time_point now) const {
    if (!is_session_id(id)) return false;
    std::lock_guard lock(mu_);
    bool ok = false;
    for (const Entry& e : entries_) {  // every entry compared: the time says nothing of which
        const bool match = token_equal(e.id, id);
        ok = ok || (match && e.expires > now);
    }
    return ok;
}

void WebSessions::remove(std::string_view id) {
    std::lock_guard lock(mu_);
    std::erase_if(entries_, [&](const Entry& e) { return token_equal(e.id, id); });
}

size_t WebSessions::size() const {
    std::lock_guard lock(mu_);
    return entries_.size();
}

TcpAuthDecision decide_tcp_auth(const TcpAuthInput& in, std::string_view expected_token,
                                const WebSessions& sessions,
                                bool (*is_public_asset)(std::string_view),
                                WebSessions::Clock::time_point now) {
    const bool changes = !safe_method(in.method) || in.upgrade;
    auto cross_origin = [&]() -> TcpAuthDecision {
        return {403, "forbidden",
                in.origin.empty()
                    ? "a request with the session cookie that changes something needs an Origin "
                      "header naming this server"
                    : "cross-origin request refused: Origin " +
                          std::string(in.origin.substr(0, 200)) + " is not this server's (" +
                          (in.tls ? "https://" : "http://") + std::string(in.host.substr(0, 200)) +
                          ")"};
    };
    if (!in.authorization.empty()) {  // a client with the token: no cookie, no Origin rules
        if (auto why = tcp_auth_error(expected_token, in.authorization)) {
            return {401, "unauthorized", std::move(*why)};
        }
        return {};
    }
    if (in.path == "/v1/session" && (in.method == "POST" || in.method == "DELETE")) {
        // The handler checks the token of a POST; a browser's sign-in must come from here.
        if (!in.origin.empty() && !same_origin(in.origin, in.host, in.tls)) return cross_origin();
        return {};
    }
    if (safe_method(in.method) && !in.upgrade && is_public_asset && is_public_asset(in.path)) {
        return {};
    }
    const std::string_view id = session_cookie(in.cookie);
    if (!id.empty() && sessions.valid(id, now)) {
        if (changes && !same_origin(in.origin, in.host, in.tls)) return cross_origin();
        return {};
    }
    if (in.cookie.find(kSessionCookieName) != std::string_view::npos) {
        return {401, "unauthorized",
                "the session has ended (signed out, expired or the daemon restarted): sign in "
                "again"};
    }
    return {401, "unauthorized",
            "this TCP endpoint needs Authorization: Bearer <token> (the token is in "
            "<state-dir>/api.token) or a session cookie from POST /v1/session"};
}

Result<std::string> parse_session_request(std::string_view body) {
    boost::system::error_code ec;
    const boost::json::value v = boost::json::parse(body, ec);
    if (ec || !v.is_object()) {
        return make_error(Errc::invalid_argument,
                          "the body must be a JSON object {\"token\": \"...\"}");
    }
    const auto& o = v.as_object();
    for (const auto& kv : o) {
        if (kv.key() != "token") {
            return make_error(Errc::invalid_argument,
                              "unknown field \"" + std::string(kv.key().substr(0, 64)) + "\"");
        }
    }
    const auto* t = o.if_contains("token");
    if (!t || !t->is_string() || t->as_string().empty()) {
        return make_error(Errc::invalid_argument, "token must be a non-empty string");
    }
    return std::string(t->as_string());
}

}  // namespace domus::api
