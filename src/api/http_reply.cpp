// Building replies: JSON bodies and error objects.
#include "api/http_reply.hpp"

#include <boost/json/serialize.hpp>

#include "api/json_views.hpp"

namespace domus::api {

HttpReply json_reply(int status, const boost::json::object& body) {
    HttpReply r;
    r.status = status;
    r.body = boost::json::serialize(body);
    r.body += '\n';
    return r;
}

HttpReply error_reply(const control::ApiError& error, std::string allow) {
    control::ApiError e = error;
    if (e.status < 400 || e.status > 599) {
        e = control::ApiError{
            500,
            "internal",
            "internal error (status " + std::to_string(error.status) + "): " + error.message,
            {}};
    }
    if (e.code.empty()) e.code = e.status >= 500 ? "internal" : "bad_request";
    HttpReply r = json_reply(e.status, error_json(e));
    if (!allow.empty()) r.headers.emplace_back("Allow", std::move(allow));
    if (e.status == 401) r.headers.emplace_back("WWW-Authenticate", "Bearer");
    return r;
}

HttpReply error_reply(int status, std::string code, std::string message) {
    return error_reply(control::ApiError{status, std::move(code), std::move(message), {}});
}

}  // namespace domus::api
