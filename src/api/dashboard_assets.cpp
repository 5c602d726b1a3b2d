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
extern const char domus_dashboard_index_gz_start[];
extern const char domus_dashboard_index_gz_end[];
extern const char domus_dashboard_js_gz_start[];
extern const char domus_dashboard_js_gz_end[];
extern const char domus_dashboard_css_gz_start[];
extern const char domus_dashboard_css_gz_end[];
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
    static constexpr size_t kCount = 3;
    std::array<std::string, 2 * kCount> etags;
    std::array<DashboardAsset, kCount> assets;
    // The bodies as shared strings, sent without a copy: plain at [i], gzipped at [kCount + i].
    std::array<std::shared_ptr<const std::string>, 2 * kCount> shared;
    Table() {
        const std::array<std::string_view, 2 * kCount> bodies = {
            span(domus_dashboard_index_start, domus_dashboard_index_end),
            span(domus_dashboard_js_start, domus_dashboard_js_end),
            span(domus_dashboard_css_start, domus_dashboard_css_end),
            span(domus_dashboard_index_gz_start, domus_dashboard_index_gz_end),
            span(domus_dashboard_js_gz_start, domus_dashboard_js_gz_end),
            span(domus_dashboard_css_gz_start, domus_dashboard_css_gz_end)};
        for (size_t i = 0; i < bodies.size(); ++i) {
            etags[i] = etag_of(bodies[i]);
            shared[i] = std::make_shared<const std::string>(bodies[i]);
        }
        const std::array<std::pair<std::string_view, std::string_view>, kCount> kinds = {
            {{"/", "text/html; charset=utf-8"},
             {"/app.js", "text/javascript; charset=utf-8"},
             {"/app.css", "text/css; charset=utf-8"}}};
        for (size_t i = 0; i < kCount; ++i) {
            assets[i] = {kinds[i].first, kinds[i].second,    bodies[i],
                         etags[i],       bodies[kCount + i], etags[kCount + i]};
        }
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

bool accepts_gzip(std::string_view accept_encoding) {
    // A list of "coding[;q=V]"; gzip counts unless its q is 0 (0, 0.0, 0.00, 0.000).
    while (!accept_encoding.empty()) {
        const size_t comma = accept_encoding.find(',');
        std::string_view item = accept_encoding.substr(0, comma);
        accept_encoding = comma == std::string_view::npos ? std::string_view()
                                                          : accept_encoding.substr(comma + 1);
        auto trim = [](std::string_view v) {
            while (!v.empty() && (v.front() == ' ' || v.front() == '\t')) v.remove_prefix(1);
            while (!v.empty() && (v.back() == ' ' || v.back() == '\t')) v.remove_suffix(1);
            return v;
        };
        const size_t semi = item.find(';');
        const std::string_view coding = trim(item.substr(0, semi));
        if (coding.size() != 4) continue;
        bool gzip = true;
        for (size_t i = 0; i < 4; ++i) {
            char c = coding[i];
            if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
            gzip = gzip && c == "gzip"[i];
        }
        if (!gzip) continue;
        if (semi == std::string_view::npos) return true;
        std::string_view q = trim(item.substr(semi + 1));
        if (q.size() < 2 || (q[0] != 'q' && q[0] != 'Q') || q[1] != '=') return true;
        q = trim(q.substr(2));
        return !(q.size() >= 1 && q.size() <= 5 && q[0] == '0' &&
                 q.find_first_not_of(".0", 1) == std::string_view::npos);
    }
    return false;
}

std::optional<HttpReply> dashboard_reply(std::string_view method, std::string_view path,
                                         std::string_view if_none_match,
                                         std::string_view accept_encoding) {
    if (method != "GET") return std::nullopt;
    const DashboardAsset* a = find_dashboard_asset(path);
    if (!a) return std::nullopt;
    const bool gzip = accepts_gzip(accept_encoding);
    const std::string_view etag = gzip ? a->gzip_etag : a->etag;
    HttpReply r;
    r.content_type = std::string(a->content_type);
    r.headers.emplace_back("ETag", std::string(etag));
    r.headers.emplace_back("Cache-Control", "no-cache");
    r.headers.emplace_back("Vary", "Accept-Encoding");
    r.headers.emplace_back("X-Content-Type-Options", "nosniff");
    if (a->path == "/") {
        r.headers.emplace_back("Content-Security-Policy", kCsp);
        r.headers.emplace_back("X-Frame-Options", "DENY");
        r.headers.emplace_back("Referrer-Policy", "no-referrer");
    }
    // If-None-Match: a list of ETags or "*".
    if (!if_none_match.empty() &&
        (if_none_match.find(etag) != std::string_view::npos || if_none_match == "*")) {
        r.status = 304;
        r.content_type.clear();
        return r;
    }
    if (gzip) r.headers.emplace_back("Content-Encoding", "gzip");
    const size_t i = static_cast<size_t>(a - table().assets.data());
    r.shared_body = table().shared[gzip ? Table::kCount + i : i];
    return r;
}

}  // namespace domus::api
