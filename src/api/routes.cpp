// Route matching (path templates with {name}), 404/405, and per-route argument translation.
#include "api/routes.hpp"

#include <array>

#include "api/query_params.hpp"
#include "api/uri.hpp"
#include "api/web_session.hpp"

namespace domus::api {
namespace {

using control::Action;
using control::ApiError;
using control::config_detail::quote;

constexpr std::array<RouteSpec, 23> kRoutes = {{
    {"GET", "/v1/domains", RouteId::list_domains, Action::start},
    {"POST", "/v1/domains", RouteId::create_domain, Action::start},
    {"GET", "/v1/domains/{name}", RouteId::get_domain, Action::start},
    {"PATCH", "/v1/domains/{name}", RouteId::patch_domain, Action::start},
    {"DELETE", "/v1/domains/{name}", RouteId::delete_domain, Action::start},
    {"POST", "/v1/domains/{name}/start", RouteId::domain_action, Action::start},
    {"POST", "/v1/domains/{name}/pause", RouteId::domain_action, Action::pause},
    {"POST", "/v1/domains/{name}/unpause", RouteId::domain_action, Action::unpause},
    {"POST", "/v1/domains/{name}/shutdown", RouteId::domain_action, Action::shutdown},
    {"POST", "/v1/domains/{name}/reboot", RouteId::domain_action, Action::reboot},
    {"POST", "/v1/domains/{name}/destroy", RouteId::domain_action, Action::destroy},
    {"POST", "/v1/domains/{name}/vcpu-pin", RouteId::vcpu_pin, Action::start},
    {"GET", "/v1/domains/{name}/console", RouteId::console_tail, Action::start},
    {"GET", "/v1/domains/{name}/console/ws", RouteId::console_ws, Action::start},
    {"GET", "/v1/domains/{name}/core", RouteId::dump_core, Action::start},
    {"GET", "/v1/images", RouteId::list_images, Action::start},
    {"POST", "/v1/images", RouteId::create_image, Action::start},
    {"GET", "/v1/host", RouteId::host, Action::start},
    {"GET", "/v1/events", RouteId::events, Action::start},
    {"GET", "/metrics", RouteId::metrics, Action::start},
    {"GET", "/openapi.json", RouteId::openapi, Action::start},
    {"POST", "/v1/session", RouteId::session_create, Action::start},
    {"DELETE", "/v1/session", RouteId::session_delete, Action::start},
}};

// Matches the decoded segments against a template; stores the {name} segment.
bool match(std::string_view pattern, const std::vector<std::string>& segments, std::string& name) {
    size_t i = 0;
    pattern.remove_prefix(1);  // leading '/'
    while (true) {
        const size_t slash = pattern.find('/');
        const std::string_view part = pattern.substr(0, slash);
        if (i >= segments.size()) return false;
        if (part == "{name}") {
            if (segments[i].empty()) return false;
            name = segments[i];
        } else if (part != segments[i]) {
            return false;
        }
        ++i;
        if (slash == std::string_view::npos) break;
        pattern.remove_prefix(slash + 1);
    }
    return i == segments.size();
}

Translation fail(ApiError e) {
    return Translation{std::nullopt, std::move(e), {}};
}

ApiError from_config_error(const control::ConfigError& e) {
    switch (e.kind) {
        case control::ConfigErrorKind::syntax:
            return ApiError{400, "invalid_json", e.message, e.field};
        case control::ConfigErrorKind::unknown_field:
            return ApiError{400, "unknown_field", e.message, e.field};
        case control::ConfigErrorKind::invalid_field:
            break;
    }
    return ApiError{400, "invalid_field", e.message, e.field};
}

// Fills the route-specific arguments from the query and body; nullopt when all is well.
std::optional<ApiError> fill(ApiRequest& r, const QueryParams& q, const HttpInput& in) {
    int64_t n = 0;
    switch (r.route) {
        case RouteId::create_domain: {
            if (auto e = check_query_names(q, {"start"})) return e;
            if (const auto* v = find_param(q, "start")) {
                if (auto e = parse_bool_param("start", *v, r.start)) return e;
            }
            auto parsed = control::parse_config_json(in.body);
            if (!parsed.ok()) return from_config_error(parsed.error);
            r.config = std::move(*parsed.value);
            return std::nullopt;
        }
        case RouteId::create_image: {
            if (auto e = check_query_names(q, {})) return e;
            auto parsed = control::parse_image_request_json(in.body);
            if (!parsed.ok()) return from_config_error(parsed.error);
            r.image = std::move(*parsed.value);
            return std::nullopt;
        }
        case RouteId::patch_domain: {
            if (auto e = check_query_names(q, {})) return e;
            auto parsed = control::parse_patch_json(in.body);
            if (!parsed.ok()) return from_config_error(parsed.error);
            r.patch = std::move(*parsed.value);
            return std::nullopt;
        }
        case RouteId::vcpu_pin: {
            if (auto e = check_query_names(q, {})) return e;
            auto parsed = control::parse_vcpu_pin_json(in.body);
            if (!parsed.ok()) return from_config_error(parsed.error);
            r.pin = std::move(*parsed.value);
            return std::nullopt;
        }
        case RouteId::session_create: {
            if (auto e = check_query_names(q, {})) return e;
            auto token = parse_session_request(in.body);
            if (!token) return ApiError{400, "invalid_field", token.error().message, "token"};
            r.session_token = std::move(*token);
            return std::nullopt;
        }
        case RouteId::domain_action:
            if (r.action != Action::shutdown) return check_query_names(q, {});
            if (auto e = check_query_names(q, {"timeout"})) return e;
            if (const auto* v = find_param(q, "timeout")) {
                if (auto e = parse_int_param("timeout", *v, 1, kMaxShutdownTimeoutS, n)) return e;
                r.options.shutdown_timeout = std::chrono::seconds(n);
            }
            return std::nullopt;
        case RouteId::console_ws:  // ?tail=N: the last N lines first (default none)
            r.tail = 0;
            [[fallthrough]];
        case RouteId::console_tail:
            if (auto e = check_query_names(q, {"tail"})) return e;
            if (const auto* v = find_param(q, "tail")) {
                if (auto e = parse_int_param("tail", *v, 1, kMaxTail, n)) return e;
                r.tail = static_cast<size_t>(n);
            }
            return std::nullopt;
        case RouteId::events: {
            if (auto e = check_query_names(q, {"after", "timeout"})) return e;
            constexpr int64_t kMaxId = INT64_MAX;
            if (const auto* v = find_param(q, "after")) {
                if (auto e = parse_int_param("after", *v, 0, kMaxId, r.after)) return e;
            }
            if (!in.last_event_id.empty()) {  // an SSE reconnect resumes where it left off
                if (auto e =
                        parse_int_param("Last-Event-ID", in.last_event_id, 0, kMaxId, r.after)) {
                    return e;
                }
            }
            if (const auto* v = find_param(q, "timeout")) {
                if (auto e = parse_int_param("timeout", *v, 0, kMaxEventsTimeoutS, n)) return e;
                r.timeout = std::chrono::seconds(n);
            }
            r.event_stream = in.accept.find("text/event-stream") != std::string_view::npos;
            return std::nullopt;
        }
        default:
            return check_query_names(q, {});
    }
}

}  // namespace

std::span<const RouteSpec> route_table() {
    return kRoutes;
}

const char* action_name(Action a) {
    return control::to_string(a);
}

Translation translate(const HttpInput& in) {
    const TargetResult target = parse_target(in.target);
    if (!target.ok()) return fail(bad_request(target.error));

    const RouteSpec* found = nullptr;
    std::string allow, name;
    for (const RouteSpec& spec : kRoutes) {
        std::string captured;
        if (!match(spec.path, target.value->segments, captured)) continue;
        allow += allow.empty() ? "" : ", ";
        allow += spec.method;
        if (in.method == spec.method) {
            found = &spec;
            name = std::move(captured);
        }
    }
    if (!found && allow.empty()) {
        return fail(ApiError{404, "not_found", "no route for " + quote(in.target), {}});
    }
    if (!found) {
        Translation t = fail(ApiError{405,
                                      "method_not_allowed",
                                      "method " + quote(in.method) + " is not allowed on " +
                                          quote(in.target) + " (allowed: " + allow + ")",
                                      {}});
        t.allow = std::move(allow);
        return t;
    }
    // Names the controller could never have stored cannot exist: 404 without asking it.
    if (std::string_view(found->path).find("{name}") != std::string_view::npos &&
        !control::valid_domain_name(name)) {
        Translation t = fail(ApiError{404, "not_found", "no domain named " + quote(name), {}});
        t.route = found;
        return t;
    }

    ApiRequest r;
    r.route = found->id;
    r.action = found->action;
    r.name = std::move(name);
    Translation t = fail({});
    if (auto e = fill(r, target.value->query, in)) {
        t.error = std::move(*e);
    } else {
        t.request = std::move(r);
    }
    t.route = found;
    return t;
}

}  // namespace domus::api
