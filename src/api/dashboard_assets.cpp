// The embedded dashboard files and their replies.
#include "api/dashboard_assets.hpp"

#include <array>
#include <cstdint>
#include <memory>
#include <string>

extern "C" {
extern const char domus_dashboard_index_start[];
extern const char domus_dashboard_index_end[];
extern const char domus_dashboard_js_start[];
extern const char domus_dashboard_js_end[];
extern const char domus_dashboard_css_start[];
extern const char domus_dashboard_css_end[];
}

namespace domus::api {
namespace {

std::string_view span(const char* begin, const char* end) {
    return std::string_view(begin, static_cast<size_t>(end - begin));
}

std::string etag_of(std::string_view body) {
    uint64_t h = 1469598103934665603ull;  // FNV-1a 64: a validator, not a security property
    for (unsigned char c : body) {
        h ^= c;
        h *= 1099511628211ull;
    }
    static constexpr char kDigits[] = "0123456789abcdef";
    std::string out = "\"";
    for (int shift = 60; shift >= 0; shift -= 4) out += kDigits[(h >> shift) & 15];
    out += '"';
    return out;
}

struct Table {
    std::array<std::string, 3> etags;
    std::array<DashboardAsset, 3> assets;
    std::array<std::shared_ptr<const std::string>, 3> shared;  // sent without a copy
    Table() {
        const std::array<std::string_view, 3> bodies = {
            span(domus_dashboard_index_start, domus_dashboard_index_end),
            span(domus_dashboard_js_start, domus_dashboard_js_end),
            span(domus_dashboard_css_start, domus_dashboard_css_end)};
        for (size_t i = 0; i < bodies.size(); ++i) {
            etags[i] = etag_of(bodies[i]);
            shared[i] = std::make_shared<const std::string>(bodies[i]);
        }
        assets = {{{"/", "text/html; charset=utf-8", bodies[0], etags[0]},
                   {"/app.js", "text/javascript; charset=utf-8", bodies[1], etags[1]},
                   {"/app.css", "text/css; charset=utf-8", bodies[2], etags[2]}}};
    }
};

const Table& table() {
    static const Table t;
    return t;
}

// The page may load only its own script and style sheet (xterm.js sets inline styles) and
// connect only to this server (fetch, the event stream, the console WebSocket); no framing.
constexpr const char* kCsp =
    "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' "
    "data:; connect-src 'self'; font-src 'self'; base-uri 'none'; form-action 'none'; "
    "frame-ancestors 'none'";

}  // namespace

const DashboardAsset* find_dashboard_asset(std::string_view path) {
    if (path == "/index.html") path = "/";
    for (const auto& a : table().assets) {
        if (a.path == path) return &a;
    }
    return nullptr;
}

bool is_dashboard_path(std::string_view path) {
    return find_dashboard_asset(path) != nullptr;
}

std::optional<HttpReply> dashboard_reply(std::string_view method, std::string_view path,
                                         std::string_view if_none_match) {
    if (method != "GET") return std::nullopt;
    const DashboardAsset* a = find_dashboard_asset(path);
    if (!a) return std::nullopt;
    HttpReply r;
    r.content_type = std::string(a->content_type);
    r.headers.emplace_back("ETag", std::string(a->etag));
    r.headers.emplace_back("Cache-Control", "no-cache");
    r.headers.emplace_back("X-Content-Type-Options", "nosniff");
    if (a->path == "/") {
        r.headers.emplace_back("Content-Security-Policy", kCsp);
        r.headers.emplace_back("X-Frame-Options", "DENY");
        r.headers.emplace_back("Referrer-Policy", "no-referrer");
    }
    // If-None-Match: a list of ETags or "*".
    if (!if_none_match.empty() &&
        (if_none_match.find(a->etag) != std::string_view::npos || if_none_match == "*")) {
        r.status = 304;
        r.content_type.clear();
        return r;
    }
    r.shared_body = table().shared[static_cast<size_t>(a - table().assets.data())];
    return r;
}

}  // namespace domus::api
