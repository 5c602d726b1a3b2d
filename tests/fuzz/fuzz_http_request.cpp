// fuzz_http_request: arbitrary bytes through Beast's request parser (with domusd's header and
// body limits) and then the pure API translation (routes, query, JSON bodies) and the error
// replies. Nothing may crash, hang or leak; every translation must be well formed.
#include <boost/beast/http.hpp>
#include <boost/json/parse.hpp>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "api/http_reply.hpp"
#include "api/routes.hpp"
#include "api/uri.hpp"

namespace {

namespace beast = boost::beast;
namespace http = beast::http;
using domus::api::HttpInput;
using domus::api::Translation;

std::string_view sv(beast::string_view s) {
    return {s.data(), s.size()};
}

void check(const Translation& t) {
    if (t.ok()) {
        // console/ws: 0 (no scrollback) unless asked.
        const size_t min_tail = t.request->route == domus::api::RouteId::console_ws ? 0 : 1;
        if (t.request->tail < min_tail || t.request->tail > domus::api::kMaxTail) std::abort();
        if (t.request->timeout.count() < 0 ||
            t.request->timeout.count() > domus::api::kMaxEventsTimeoutS) {
            std::abort();
        }
        return;
    }
    // Every error becomes a JSON object with a 4xx status and a code.
    const domus::api::HttpReply r = domus::api::error_reply(t.error, t.allow);
    if (r.status < 400 || r.status > 499 || t.error.code.empty()) std::abort();
    boost::system::error_code ec;
    const auto doc = boost::json::parse(r.body, ec);
    if (ec || !doc.is_object()) std::abort();
    if ((t.error.status == 405) != !t.allow.empty()) std::abort();
}

void translate_http(std::string_view data) {
    http::request_parser<http::string_body> parser;
    parser.header_limit(8 * 1024);
    parser.body_limit(64 * 1024);
    parser.eager(true);
    beast::error_code ec;
    while (!data.empty() && !parser.is_done()) {
        const size_t used = parser.put(boost::asio::buffer(data.data(), data.size()), ec);
        if (ec == http::error::need_more) {
            ec = {};
            if (used == 0) break;
        }
        if (ec) return;
        data.remove_prefix(used);
    }
    if (!parser.is_done()) {
        parser.put_eof(ec);
        if (ec || !parser.is_done()) return;
    }
    const auto& req = parser.get();
    check(domus::api::translate(HttpInput{sv(req.method_string()), sv(req.target()), req.body(),
                                          sv(req[http::field::accept]), sv(req["Last-Event-ID"])}));
}

// The same bytes as a target (up to the first newline) and a body, for every method.
void translate_raw(std::string_view data) {
    const size_t nl = data.find('\n');
    const std::string_view target = data.substr(0, nl);
    const std::string_view body = nl == std::string_view::npos ? "" : data.substr(nl + 1);
    for (const char* method : {"GET", "POST", "PATCH", "DELETE", "PUT"}) {
        check(domus::api::translate(HttpInput{method, target, body, body, ""}));
    }
    (void)domus::api::parse_target(data);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* bytes, size_t size) {
    const std::string_view data(reinterpret_cast<const char*>(bytes), size);
    translate_http(data);
    translate_raw(data);
    return 0;
}
