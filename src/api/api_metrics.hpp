// The API's own Prometheus families: requests by method, route template and status, a latency
// histogram by route, the clients connected to a console WebSocket, an SSE event stream or a
// long-poll, and domusd's process figures (CPU seconds, RSS, open fds: telemetry's
// process_figures). Route labels are the route table's templates ("/v1/domains/{name}"),
// "dashboard" or "unmatched": a client's path never becomes a label value.
#pragma once

#include <atomic>
#include <cstddef>
#include <string>
#include <string_view>

#include "telemetry/metrics.hpp"

namespace domus::api {

struct RouteSpec;

// The method label of a request no route matched: one of a fixed set, else "other".
std::string_view method_label(std::string_view method);

class ApiMetrics {
  public:
    ApiMetrics();
    ApiMetrics(const ApiMetrics&) = delete;
    ApiMetrics& operator=(const ApiMetrics&) = delete;

    // One answered request. `route` null: matched no route; `dashboard`: a dashboard file.
    void record(const RouteSpec* route, bool dashboard, std::string_view method, int status,
                double seconds);
    uint64_t requests(std::string_view method, std::string_view route, int status) const;
    std::string expose() const;

    std::atomic<size_t> console_clients{0};  // console WebSockets open
    std::atomic<size_t> event_streams{0};    // SSE streams open
    std::atomic<size_t> long_polls{0};       // long-polls waiting

  private:
    telemetry::Registry registry_;
    telemetry::CounterFamily* requests_ = nullptr;
    telemetry::HistogramFamily* latency_ = nullptr;
};

}  // namespace domus::api
