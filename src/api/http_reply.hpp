// A response as the routes produce it, independent of the HTTP library that sends it.
#pragma once

#include <boost/json/fwd.hpp>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/fd.hpp"
#include "control/controller.hpp"

namespace domus::api {

struct HttpReply {
    int status = 200;
    std::string content_type = "application/json";
    std::string body;
    // When set, sent instead of `body` without being copied (a cached list body shared by
    // every connection that asks for it).
    std::shared_ptr<const std::string> shared_body;
    std::vector<std::pair<std::string, std::string>> headers;  // extra: Allow, Location, ...
    // When set, the body is this file's whole content (a core dump): streamed, never read
    // into memory.
    std::shared_ptr<Fd> file;

    std::string_view text() const { return shared_body ? *shared_body : body; }
};

HttpReply json_reply(int status, const boost::json::object& body);
// The error object with its status; a status outside 400..599 becomes 500 internal.
// `allow` (405) becomes the Allow header.
HttpReply error_reply(const control::ApiError& error, std::string allow = {});
HttpReply error_reply(int status, std::string code, std::string message);

}  // namespace domus::api
