// The web dashboard's files (web/, bundled at build time by esbuild and linked in by
// dashboard.S with .incbin), served at / on the TCP listener without a credential: they hold
// no secret; the API calls they make need the session cookie.
#pragma once

#include <optional>
#include <string_view>

#include "api/http_reply.hpp"

namespace domus::api {

struct DashboardAsset {
    std::string_view path;  // "/", "/app.js", "/app.css"
    std::string_view content_type;
    std::string_view body;
    std::string_view etag;  // a strong validator: "\"<hash of the body>\""
    std::string_view gzip;  // the body gzipped at build time, and its own ETag
    std::string_view gzip_etag;
};

// The asset served at `path` (the target without its query), or nullptr.
const DashboardAsset* find_dashboard_asset(std::string_view path);
bool is_dashboard_path(std::string_view path);

// Whether an Accept-Encoding header value accepts gzip (present and not with q=0).
bool accepts_gzip(std::string_view accept_encoding);

// The reply to a GET of a dashboard path: the file, gzipped when the client accepts it (with
// Vary: Accept-Encoding and a different ETag), or 304 when If-None-Match names its ETag,
// with Cache-Control: no-cache and, for the page, a Content-Security-Policy that lets it load
// only its own files and talk only to this server. nullopt when `path` is not a dashboard file.
std::optional<HttpReply> dashboard_reply(std::string_view method, std::string_view path,
                                         std::string_view if_none_match,
                                         std::string_view accept_encoding = {});

}  // namespace domus::api
