// `domus events [--follow]`: GET /v1/events, and with --follow long-polls for more.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <thread>

#include <boost/json.hpp>

#include "cli/errors.hpp"
#include "cli/format.hpp"
#include "cli/verbs.hpp"

namespace domus::cli {

namespace json = boost::json;

namespace {

constexpr int kLongPollSeconds = 30;  // below the client's 60 s request timeout

uint64_t as_id(const json::value* n) {
    if (n == nullptr) return 0;
    if (n->is_uint64()) return n->as_uint64();
    if (n->is_int64() && n->as_int64() > 0) return static_cast<uint64_t>(n->as_int64());
    return 0;
}

uint64_t id_of(const json::value& event) {
    return event.is_object() ? as_id(event.as_object().if_contains("id")) : 0;
}

}  // namespace

int run_events(ApiClient& api, const Command& cmd) {
    using Clock = std::chrono::steady_clock;
    uint64_t after = cmd.after;
    for (;;) {
        std::string target = "/v1/events?after=" + std::to_string(after);
        if (cmd.follow) target += "&timeout=" + std::to_string(kLongPollSeconds);
        const auto started = Clock::now();
        auto body = api.call(Method::get, target);
        if (!body) return report(body.error());
        if (cmd.json && !cmd.follow) {
            print_raw(*body);
            return 0;
        }
        boost::system::error_code ec;
        auto v = json::parse(*body, ec);
        const json::array* events = nullptr;
        if (!ec && v.is_object()) {
            if (const auto* e = v.as_object().if_contains("events"); e && e->is_array()) {
                events = &e->as_array();
            }
        }
        if (events == nullptr) return report(cli_error("domusd sent a malformed event list"));
        for (const auto& e : *events) {
            if (!e.is_object()) continue;
            // --follow --json: one event object per line (NDJSON), a stream a script can read.
            const std::string line = cmd.json ? json::serialize(e) : format_event(e.as_object());
            std::printf("%s\n", line.c_str());
            after = std::max(after, id_of(e));
        }
        if (const auto* last = v.as_object().if_contains("last_id")) {
            const uint64_t last_id = as_id(last);
            // A daemon that lost its history (restarted fresh) counts from lower again.
            if (events->empty() && last_id < after) after = last_id;
            if (last_id > after) after = last_id;
        }
        if (std::fflush(stdout) != 0 || !cmd.follow) return 0;
        if (events->empty() && Clock::now() - started < std::chrono::seconds(1)) {
            std::this_thread::sleep_for(std::chrono::seconds(1));  // a daemon that does not wait
        }
    }
}

}  // namespace domus::cli
