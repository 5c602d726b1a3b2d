// translate(): every route of docs/api.md, query validation, 404/405, hostile paths.
#include <gtest/gtest.h>

#include "api/api_metrics.hpp"
#include "api/routes.hpp"

namespace domus::api {
namespace {

using control::Action;

Translation tr(std::string_view method, std::string_view target, std::string_view body = "",
               std::string_view accept = "", std::string_view last_event_id = "") {
    return translate(HttpInput{method, target, body, accept, last_event_id});
}

ApiRequest ok(std::string_view method, std::string_view target, std::string_view body = "") {
    Translation t = tr(method, target, body);
    EXPECT_TRUE(t.ok()) << method << " " << target << ": " << t.error.message;
    return t.ok() ? *t.request : ApiRequest{};
}

void expect_error(const Translation& t, int status, const std::string& code,
                  const std::string& message = "") {
    ASSERT_FALSE(t.ok());
    EXPECT_EQ(t.error.status, status) << t.error.message;
    EXPECT_EQ(t.error.code, code) << t.error.message;
    if (!message.empty()) {
        EXPECT_EQ(t.error.message, message);
    }
}

TEST(Routes, EveryRouteOfTheTable) {
    EXPECT_EQ(ok("GET", "/v1/domains").route, RouteId::list_domains);
    EXPECT_EQ(ok("POST", "/v1/domains", R"({"name":"web1"})").route, RouteId::create_domain);
    EXPECT_EQ(ok("GET", "/v1/domains/web1").route, RouteId::get_domain);
    EXPECT_EQ(ok("PATCH", "/v1/domains/web1", R"({"memory":128})").route, RouteId::patch_domain);
    EXPECT_EQ(ok("DELETE", "/v1/domains/web1").route, RouteId::delete_domain);
    EXPECT_EQ(ok("GET", "/v1/domains/web1/console").route, RouteId::console_tail);
    EXPECT_EQ(ok("GET", "/v1/domains/web1/console/ws").route, RouteId::console_ws);
    EXPECT_EQ(ok("GET", "/v1/host").route, RouteId::host);
    EXPECT_EQ(ok("GET", "/v1/events").route, RouteId::events);
    EXPECT_EQ(ok("GET", "/metrics").route, RouteId::metrics);
    EXPECT_EQ(ok("GET", "/openapi.json").route, RouteId::openapi);
    const std::pair<const char*, Action> actions[] = {
        {"start", Action::start},       {"pause", Action::pause},   {"unpause", Action::unpause},
        {"shutdown", Action::shutdown}, {"reboot", Action::reboot}, {"destroy", Action::destroy}};
    for (const auto& [path, action] : actions) {
        const ApiRequest r = ok("POST", std::string("/v1/domains/web1/") + path);
        EXPECT_EQ(r.route, RouteId::domain_action);
        EXPECT_EQ(r.action, action);
        EXPECT_EQ(r.name, "web1");
        EXPECT_STREQ(action_name(action), path);
    }
    EXPECT_EQ(ok("GET", "/v1/images").route, RouteId::list_images);
    const ApiRequest image = ok("POST", "/v1/images", R"({"name":"a.img","size":"2M"})");
    EXPECT_EQ(image.route, RouteId::create_image);
    EXPECT_EQ(image.image.name, "a.img");
    EXPECT_EQ(image.image.size, 2u << 20);
    const ApiRequest pin = ok("POST", "/v1/domains/web1/vcpu-pin", R"({"vcpu":1,"cpus":"0-1"})");
    EXPECT_EQ(pin.route, RouteId::vcpu_pin);
    EXPECT_EQ(pin.pin.vcpu, 1);
    EXPECT_EQ(pin.pin.cpus, "0-1");
    EXPECT_EQ(ok("POST", "/v1/domains/web1/vcpu-pin", R"({"cpus":"1","vcpu":"all"})").pin.vcpu, -1);
    const ApiRequest sign_in = ok("POST", "/v1/session", R"({"token":"abc"})");
    EXPECT_EQ(sign_in.route, RouteId::session_create);
    EXPECT_EQ(sign_in.session_token, "abc");
    EXPECT_EQ(ok("DELETE", "/v1/session").route, RouteId::session_delete);
    const ApiRequest core = ok("GET", "/v1/domains/web1/core");
    EXPECT_EQ(core.route, RouteId::dump_core);
    EXPECT_EQ(core.name, "web1");
    EXPECT_EQ(route_table().size(), 23u);
}

// The metrics label: the matched route's template, also when its arguments are refused; none
// when no route matched, so a client's path never becomes a label value.
TEST(Routes, TheMatchedRouteIsKeptForMetrics) {
    Translation t = tr("GET", "/v1/domains/web1");
    ASSERT_NE(t.route, nullptr);
    EXPECT_STREQ(t.route->path, "/v1/domains/{name}");
    EXPECT_STREQ(t.route->method, "GET");
    t = tr("POST", "/v1/domains/web1/shutdown?timeout=lots");
    expect_error(t, 400, "bad_request");
    ASSERT_NE(t.route, nullptr);
    EXPECT_STREQ(t.route->path, "/v1/domains/{name}/shutdown");
    t = tr("GET", "/v1/domains/bad%20name");
    expect_error(t, 404, "not_found");
    ASSERT_NE(t.route, nullptr);
    EXPECT_EQ(tr("GET", "/v1/nowhere/at-all").route, nullptr);
    EXPECT_EQ(tr("PUT", "/v1/domains").route, nullptr);  // 405: no route for that method
    EXPECT_EQ(method_label("PATCH"), "PATCH");
    EXPECT_EQ(method_label("BREW"), "other");
    EXPECT_EQ(method_label("get"), "other");
}

TEST(Routes, VcpuPinBodiesAreCheckedBeforeTheController) {
    struct Case {
        const char* body;
        const char* code;
        const char* field;
    };
    const Case cases[] = {
        {"", "invalid_json", ""},
        {"[1]", "invalid_json", ""},
        {R"({"vcpu":0})", "invalid_field", "cpus"},
        {R"({"cpus":"0"})", "invalid_field", "vcpu"},
        {R"({"vcpu":-1,"cpus":"0"})", "invalid_field", "vcpu"},
        {R"({"vcpu":64,"cpus":"0"})", "invalid_field", "vcpu"},
        {R"({"vcpu":1.5,"cpus":"0"})", "invalid_field", "vcpu"},
        {R"({"vcpu":"ALL","cpus":"0"})", "invalid_field", "vcpu"},
        {R"({"vcpu":0,"cpus":5})", "invalid_field", "cpus"},
        {R"({"vcpu":0,"cpus":"^0"})", "invalid_field", "cpus"},
        {R"({"vcpu":0,"cpus":"0","x":1})", "unknown_field", "x"},
        {R"({"vcpu":0,"cpus":"\u0000"})", "invalid_field", "cpus"},
        {R"({"vcpu":0,"cpus":[[[[[["0"]]]]]]})", "invalid_json", ""},
    };
    for (const auto& c : cases) {
        const Translation t =
            translate(HttpInput{"POST", "/v1/domains/a/vcpu-pin", c.body, "", ""});
        ASSERT_FALSE(t.ok()) << c.body;
        EXPECT_EQ(t.error.code, c.code) << c.body << ": " << t.error.message;
        EXPECT_EQ(t.error.field, c.field) << c.body;
        EXPECT_EQ(t.error.status, 400) << c.body;
    }
}

TEST(Routes, ImageRequestsAreCheckedBeforeTheController) {
    expect_error(
        translate(HttpInput{"POST", "/v1/images", R"({"name":"../a","size":"2M"})", "", ""}), 400,
        "invalid_field");
    expect_error(
        translate(HttpInput{"POST", "/v1/images", R"({"name":"a","size":"2M","x":1})", "", ""}),
        400, "unknown_field", "unknown field \"x\"");
    expect_error(translate(HttpInput{"POST", "/v1/images", "{", "", ""}), 400, "invalid_json");
    expect_error(
        translate(HttpInput{"POST", "/v1/images?force=1", R"({"name":"a","size":"2M"})", "", ""}),
        400, "bad_request");
    expect_error(translate(HttpInput{"DELETE", "/v1/images", "", "", ""}), 405,
                 "method_not_allowed");
}

TEST(Routes, NameIsCapturedAndDecoded) {
    EXPECT_EQ(ok("GET", "/v1/domains/Domain-0").name, "Domain-0");
    EXPECT_EQ(ok("GET", "/v1/domains/web%2D1").name, "web-1");
    EXPECT_EQ(ok("GET", "/v1/domains/a.b_c-D9").name, "a.b_c-D9");
}

TEST(Routes, UnknownPathsAre404) {
    expect_error(tr("GET", "/"), 404, "not_found");
    expect_error(tr("GET", "/v2/domains"), 404, "not_found");
    expect_error(tr("GET", "/v1/domains/"), 404, "not_found");
    expect_error(tr("GET", "/v1//domains"), 404, "not_found");
    expect_error(tr("GET", "/v1/domains/web1/console/ws/x"), 404, "not_found");
    expect_error(tr("POST", "/v1/domains/web1/explode"), 404, "not_found");
    expect_error(tr("GET", "/V1/DOMAINS"), 404, "not_found");
    expect_error(tr("GET", "/nope"), 404, "not_found", "no route for \"/nope\"");
}

TEST(Routes, WrongMethodIs405WithAllow) {
    Translation t = tr("PUT", "/v1/domains");
    expect_error(t, 405, "method_not_allowed");
    EXPECT_EQ(t.allow, "GET, POST");
    t = tr("POST", "/v1/domains/web1");
    expect_error(t, 405, "method_not_allowed");
    EXPECT_EQ(t.allow, "GET, PATCH, DELETE");
    t = tr("GET", "/v1/domains/web1/start");
    EXPECT_EQ(t.allow, "POST");
    t = tr("get", "/v1/host");  // methods are case-sensitive
    EXPECT_EQ(t.allow, "GET");
    t = tr("HEAD", "/metrics");
    expect_error(t, 405, "method_not_allowed");
}

TEST(Routes, HostileNames) {
    // Dot segments are not normalised: ".." is a name no domain can have.
    expect_error(tr("GET", "/v1/domains/.."), 404, "not_found", "no domain named \"..\"");
    expect_error(tr("GET", "/v1/domains/%2e%2e"), 404, "not_found");
    expect_error(tr("GET", "/v1/domains/."), 404, "not_found");
    expect_error(tr("GET", "/v1/domains/../host"), 404, "not_found");
    expect_error(tr("GET", "/v1/domains/..%2Fhost"), 404, "not_found");
    expect_error(tr("GET", "/v1/domains/a%2Fb"), 404, "not_found");
    expect_error(tr("GET", "/v1/domains/web%001"), 404, "not_found",
                 "no domain named \"web\\x001\"");
    expect_error(tr("GET", "/v1/domains/%C3%A9t%C3%A9"), 404, "not_found",
                 "no domain named \"\\xc3\\xa9t\\xc3\\xa9\"");
    expect_error(tr("GET", "/v1/domains/web 1"), 404, "not_found");
    expect_error(tr("GET", "/v1/domains/" + std::string(65, 'a')), 404, "not_found");
    EXPECT_TRUE(tr("GET", "/v1/domains/" + std::string(64, 'a')).ok());
    expect_error(tr("GET", "/v1/domains/%zz"), 400, "bad_request");
    expect_error(tr("GET", "v1/domains"), 400, "bad_request");
    expect_error(tr("GET", std::string("/v1/\0domains", 12)), 404, "not_found");
    expect_error(tr("GET", "/" + std::string(10000, 'x')), 400, "bad_request");
}

TEST(Routes, StartFlagOnCreate) {
    EXPECT_FALSE(ok("POST", "/v1/domains", R"({"name":"a"})").start);
    EXPECT_TRUE(ok("POST", "/v1/domains?start=true", R"({"name":"a"})").start);
    EXPECT_FALSE(ok("POST", "/v1/domains?start=false", R"({"name":"a"})").start);
    expect_error(tr("POST", "/v1/domains?start=yes", R"({"name":"a"})"), 400, "bad_request",
                 "start must be true or false (got \"yes\")");
    expect_error(tr("POST", "/v1/domains?start", R"({"name":"a"})"), 400, "bad_request");
}

TEST(Routes, ShutdownTimeout) {
    EXPECT_EQ(ok("POST", "/v1/domains/w/shutdown").options.shutdown_timeout,
              std::chrono::seconds(30));
    EXPECT_EQ(ok("POST", "/v1/domains/w/shutdown?timeout=5").options.shutdown_timeout,
              std::chrono::seconds(5));
    EXPECT_EQ(ok("POST", "/v1/domains/w/shutdown?timeout=3600").options.shutdown_timeout,
              std::chrono::seconds(3600));
    const std::string range = "timeout must be an integer between 1 and 3600 (got ";
    expect_error(tr("POST", "/v1/domains/w/shutdown?timeout=0"), 400, "bad_request",
                 range + "\"0\")");
    expect_error(tr("POST", "/v1/domains/w/shutdown?timeout=3601"), 400, "bad_request");
    expect_error(tr("POST", "/v1/domains/w/shutdown?timeout=-1"), 400, "bad_request");
    expect_error(tr("POST", "/v1/domains/w/shutdown?timeout=1.5"), 400, "bad_request");
    expect_error(tr("POST", "/v1/domains/w/shutdown?timeout=99999999999999999999999"), 400,
                 "bad_request");
    // Only shutdown takes a timeout.
    expect_error(tr("POST", "/v1/domains/w/start?timeout=5"), 400, "bad_request",
                 "unknown query parameter \"timeout\" (this route takes none)");
}

TEST(Routes, ConsoleTail) {
    EXPECT_EQ(ok("GET", "/v1/domains/w/console").tail, 100u);
    EXPECT_EQ(ok("GET", "/v1/domains/w/console?tail=1").tail, 1u);
    EXPECT_EQ(ok("GET", "/v1/domains/w/console?tail=10000").tail, 10000u);
    expect_error(tr("GET", "/v1/domains/w/console?tail=abc"), 400, "bad_request",
                 "tail must be an integer between 1 and 10000 (got \"abc\")");
    expect_error(tr("GET", "/v1/domains/w/console?tail=0"), 400, "bad_request");
    expect_error(tr("GET", "/v1/domains/w/console?tail=10001"), 400, "bad_request");
    expect_error(tr("GET", "/v1/domains/w/console?tail="), 400, "bad_request");
    expect_error(tr("GET", "/v1/domains/w/console?tail=+5"), 400, "bad_request");
    expect_error(tr("GET", "/v1/domains/w/console?tail=%00"), 400, "bad_request",
                 "tail must be an integer between 1 and 10000 (got \"\\x00\")");
    expect_error(tr("GET", "/v1/domains/w/console?tail=5&tail=6"), 400, "bad_request",
                 "query parameter \"tail\" is given twice");
    expect_error(tr("GET", "/v1/domains/w/console?lines=5"), 400, "bad_request",
                 "unknown query parameter \"lines\" (this route takes tail)");
}

TEST(Routes, Events) {
    ApiRequest r = ok("GET", "/v1/events");
    EXPECT_EQ(r.after, 0);
    EXPECT_EQ(r.timeout, std::chrono::seconds(0));
    EXPECT_FALSE(r.event_stream);
    r = ok("GET", "/v1/events?after=41&timeout=60");
    EXPECT_EQ(r.after, 41);
    EXPECT_EQ(r.timeout, std::chrono::seconds(60));
    expect_error(tr("GET", "/v1/events?timeout=61"), 400, "bad_request",
                 "timeout must be an integer between 0 and 60 (got \"61\")");
    expect_error(tr("GET", "/v1/events?after=-1"), 400, "bad_request");
    expect_error(tr("GET", "/v1/events?after=9223372036854775808"), 400, "bad_request");
    EXPECT_EQ(ok("GET", "/v1/events?after=9223372036854775807").after, INT64_MAX);

    Translation t = tr("GET", "/v1/events?after=3", "", "text/event-stream");
    ASSERT_TRUE(t.ok());
    EXPECT_TRUE(t.request->event_stream);
    t = tr("GET", "/v1/events?after=3", "", "text/html, text/event-stream;q=0.9", "17");
    ASSERT_TRUE(t.ok());
    EXPECT_TRUE(t.request->event_stream);
    EXPECT_EQ(t.request->after, 17);  // Last-Event-ID wins: an SSE reconnect
    expect_error(tr("GET", "/v1/events", "", "text/event-stream", "x"), 400, "bad_request");
}

TEST(Routes, NoQueryOnPlainRoutes) {
    expect_error(tr("GET", "/v1/domains?verbose=1"), 400, "bad_request");
    expect_error(tr("GET", "/v1/host?x"), 400, "bad_request");
    expect_error(tr("GET", "/metrics?a=b"), 400, "bad_request");
    EXPECT_TRUE(tr("GET", "/v1/host?").ok());
}

TEST(Routes, CreateBodyErrorsMapToCodes) {
    expect_error(tr("POST", "/v1/domains", ""), 400, "invalid_json");
    expect_error(tr("POST", "/v1/domains", "not json"), 400, "invalid_json");
    expect_error(tr("POST", "/v1/domains", "[1,2]"), 400, "invalid_json");
    expect_error(tr("POST", "/v1/domains", "{\"name\":\"a\""), 400, "invalid_json");
    Translation t = tr("POST", "/v1/domains", R"({"name":"a","disk":["x"]})");
    expect_error(t, 400, "unknown_field");
    EXPECT_EQ(t.error.field, "disk");
    t = tr("POST", "/v1/domains", R"({"name":"a","memory":0})");
    expect_error(t, 400, "invalid_field");
    EXPECT_EQ(t.error.field, "memory");
    t = tr("POST", "/v1/domains", R"({"name":"a","vcpus":"two"})");
    expect_error(t, 400, "invalid_field");
    EXPECT_EQ(t.error.field, "vcpus");
    t = tr("POST", "/v1/domains", R"({"memory":64})");
    expect_error(t, 400, "invalid_field");
    EXPECT_EQ(t.error.field, "name");
    t = tr("POST", "/v1/domains", R"({"name":"Domain-0"})");
    expect_error(t, 400, "invalid_field");

    const ApiRequest r =
        ok("POST", "/v1/domains", R"({"name":"web1","memory":128,"vcpus":2,"on_crash":"restart"})");
    EXPECT_EQ(r.config.name, "web1");
    EXPECT_EQ(r.config.memory, 128u);
    EXPECT_EQ(r.config.vcpus, 2u);
    EXPECT_EQ(r.config.on_crash, control::Policy::restart);
}

TEST(Routes, PatchBody) {
    const ApiRequest r = ok("PATCH", "/v1/domains/web1", R"({"on_reboot":"destroy"})");
    EXPECT_EQ(r.patch.on_reboot, control::Policy::destroy);
    EXPECT_FALSE(r.patch.memory.has_value());
    expect_error(tr("PATCH", "/v1/domains/web1", "{"), 400, "invalid_json");
    Translation t = tr("PATCH", "/v1/domains/web1", R"({"colour":"red"})");
    expect_error(t, 400, "unknown_field");
    EXPECT_EQ(t.error.field, "colour");
    expect_error(tr("PATCH", "/v1/domains/web1?x=1", R"({"memory":64})"), 400, "bad_request");
}

}  // namespace
}  // namespace domus::api
