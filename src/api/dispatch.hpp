// Runs a translated request against the Controller and builds the reply. Most routes may
// block (the Controller talks to SQLite and monitors): the server calls them on its worker
// pool; the few that never block run on the I/O thread that read the request.
#pragma once

#include <memory>
#include <mutex>
#include <string>

#include "api/api_metrics.hpp"
#include "api/http_reply.hpp"
#include "api/routes.hpp"
#include "control/controller.hpp"

namespace domus::api {

// The serialised GET /v1/domains body of the last list snapshot seen, keyed by the snapshot
// itself (the Controller hands out the same object until something changes). Thread-safe.
class ListBodyCache {
  public:
    std::shared_ptr<const std::string> body_for(
        const std::shared_ptr<const control::DomainList>& list);

  private:
    std::mutex mu_;
    std::shared_ptr<const control::DomainList> key_;  // held: its address is not reused
    std::shared_ptr<const std::string> body_;
};

// Routes the Controller serves from memory (list, host, metrics, the spec): no worker hop.
bool never_blocks(RouteId route);

// Every route but console_ws (an upgrade) and the waiting part of events (the server's
// long-poll/SSE); events here answer at once. Never throws: a Controller exception becomes a
// 500 internal. `cache` (may be null) saves re-serialising an unchanged domain list;
// `api_metrics` (may be null): the API's own families, appended to the Controller's.
HttpReply execute(control::Controller& controller, const ApiRequest& request,
                  ListBodyCache* cache = nullptr, const ApiMetrics* api_metrics = nullptr);

}  // namespace domus::api
