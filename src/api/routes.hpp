// The route table of docs/api.md and the pure translation of an HTTP request (method, target,
// body, a few headers) into an ApiRequest: which Controller call to make, with which validated
// arguments. No I/O here: the server, the unit tests and the fuzzer all call translate().
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "control/controller.hpp"

namespace domus::api {

enum class RouteId {
    list_domains,
    create_domain,
    get_domain,
    patch_domain,
    delete_domain,
    domain_action,  // start pause unpause shutdown reboot destroy
    console_tail,
    console_ws,
    host,
    events,
    metrics,
    openapi,
    list_images,
    create_image,
    vcpu_pin,
    dump_core,       // GET /v1/domains/{name}/core: the ELF core, streamed
    session_create,  // POST /v1/session: the dashboard's sign-in (web_session.hpp)
    session_delete,  // DELETE /v1/session: sign out
};

struct RouteSpec {
    const char* method;  // "GET", "POST", ...
    const char* path;    // OpenAPI template: "/v1/domains/{name}/start"
    RouteId id;
    control::Action action;  // for domain_action
};

// Every route the server serves, in the order of docs/api.md.
std::span<const RouteSpec> route_table();

// Limits of the query parameters (docs/api.md).
inline constexpr int64_t kMaxShutdownTimeoutS = 3600;
inline constexpr int64_t kDefaultTail = 100;
inline constexpr int64_t kMaxTail = 10000;
inline constexpr int64_t kMaxEventsTimeoutS = 60;
inline constexpr size_t kMaxEventsPerResponse = 1000;

// A request translated into the Controller call it needs, every argument validated.
struct ApiRequest {
    RouteId route = RouteId::list_domains;
    std::string name;  // {name}: syntactically a domain name (may be "Domain-0")
    control::Action action = control::Action::start;
    control::ActionOptions options;    // shutdown ?timeout=S
    bool start = false;                // POST /v1/domains?start=true
    control::DomainConfig config;      // POST /v1/domains body
    control::DomainConfigPatch patch;  // PATCH body
    control::ImageRequest image;       // POST /v1/images body
    control::VcpuPinRequest pin;       // POST /v1/domains/{name}/vcpu-pin body
    size_t tail = kDefaultTail;        // console ?tail=N (console/ws: 0 unless given)
    int64_t after = 0;                 // events ?after=ID (or Last-Event-ID)
    std::chrono::seconds timeout{0};   // events ?timeout=S: long-poll
    bool event_stream = false;         // events with Accept: text/event-stream
    std::string session_token;         // POST /v1/session body's token (never logged)
};

struct HttpInput {
    std::string_view method;
    std::string_view target;
    std::string_view body;
    std::string_view accept;         // Accept header
    std::string_view last_event_id;  // Last-Event-ID header (SSE reconnects)
};

struct Translation {
    std::optional<ApiRequest> request;
    control::ApiError error;           // when !request
    std::string allow;                 // 405: the methods the path supports ("GET, PATCH, DELETE")
    const RouteSpec* route = nullptr;  // the route matched (also when its arguments failed)
    bool ok() const { return request.has_value(); }
};

Translation translate(const HttpInput& in);

// The action of a domain_action route as it appears in its path ("start", ...).
const char* action_name(control::Action a);

}  // namespace domus::api
