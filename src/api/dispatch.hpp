// Runs a translated request against the Controller and builds the reply. May block (the
// Controller talks to SQLite and monitors): the server calls it on its worker pool.
#pragma once

#include "api/http_reply.hpp"
#include "api/routes.hpp"
#include "control/controller.hpp"

namespace domus::api {

// Every route but console_ws (an upgrade) and the waiting part of events (the server's
// long-poll/SSE); events here answer at once. Never throws: a Controller exception becomes a
// 500 internal.
HttpReply execute(control::Controller& controller, const ApiRequest& request);

}  // namespace domus::api
