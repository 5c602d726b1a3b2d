// The API's metric families and domusd's process figures.
#include "api/api_metrics.hpp"

#include <array>
#include <utility>
#include <vector>

#include "api/routes.hpp"
#include "telemetry/process_figures.hpp"

namespace domus::api {
namespace {

using Samples = std::vector<std::pair<telemetry::Labels, double>>;

}  // namespace

std::string_view method_label(std::string_view method) {
    static constexpr std::array<std::string_view, 7> kKnown = {"GET",    "HEAD",    "POST", "PUT",
                                                               "DELETE", "OPTIONS", "PATCH"};
    for (std::string_view m : kKnown) {
        if (m == method) return m;
    }
    return "other";
}

ApiMetrics::ApiMetrics() {
    requests_ = &registry_.counter("domus_api_requests_total",
                                   "API requests answered, by method, route template and status.",
                                   {"method", "route", "code"});
    latency_ = &registry_.histogram(
        "domus_api_request_duration_seconds",
        "Time from a request's first byte to its answer being handed to the socket, by route "
        "(event streams and console WebSockets: until the stream or upgrade starts).",
        {"method", "route"},
        {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10});
    const auto gauge = [this](const char* name, const char* help, std::atomic<size_t>* value) {
        registry_.callback({name, help, "gauge", {}, [value] {
                                return Samples{{{}, static_cast<double>(value->load())}};
                            }});
    };
    gauge("domus_api_console_clients", "Console WebSocket clients connected.", &console_clients);
    gauge("domus_api_event_stream_clients", "SSE event stream (GET /v1/events) clients connected.",
          &event_streams);
    gauge("domus_api_long_poll_clients", "Long-poll GET /v1/events requests waiting.", &long_polls);
}

void ApiMetrics::record(const RouteSpec* route, bool dashboard, std::string_view method, int status,
                        double seconds) {
    const std::string m(route ? std::string_view(route->method) : method_label(method));
    const std::string r = route ? route->path : dashboard ? "dashboard" : "unmatched";
    requests_->inc({m, r, std::to_string(status)});
    latency_->observe({m, r}, seconds);
}

uint64_t ApiMetrics::requests(std::string_view method, std::string_view route, int status) const {
    return requests_->value({std::string(method), std::string(route), std::to_string(status)});
}

std::string ApiMetrics::expose() const {
    // The daemon's own figures: one read of /proc per scrape, shared by its families.
    const telemetry::ProcessFigures f = telemetry::read_process_figures();
    telemetry::Registry process;
    const auto family = [&process](const char* name, const char* help, const char* type,
                                   double value) {
        process.callback({name, help, type, {}, [value] { return Samples{{{}, value}}; }});
    };
    family("process_cpu_seconds_total", "domusd's user and system CPU time.", "counter",
           f.cpu_seconds);
    family("process_resident_memory_bytes", "domusd's resident memory.", "gauge", f.resident_bytes);
    family("process_virtual_memory_bytes", "domusd's virtual memory.", "gauge", f.virtual_bytes);
    family("process_open_fds", "domusd's open file descriptors.", "gauge", f.open_fds);
    family("process_max_fds", "domusd's file descriptor limit.", "gauge", f.max_fds);
    family("process_threads", "domusd's threads.", "gauge", f.threads);
    family("process_start_time_seconds", "When domusd started (unix time).", "gauge",
           f.start_time_seconds);
    return registry_.expose() + process.expose();
}

}  // namespace domus::api
