// The replies of POST and DELETE /v1/session (apart from web_session.cpp, whose pure parts the
// fuzzers link without the JSON views).
#include <boost/json/object.hpp>

#include "api/api_token.hpp"
#include "api/web_session.hpp"

namespace domus::api {

HttpReply session_create_reply(WebSessions& sessions, std::string_view expected_token,
                               std::string_view given_token) {
    if (!token_equal(expected_token, given_token)) {
        return error_reply(
            control::ApiError{401, "unauthorized", "the token is not valid", "token"});
    }
    auto id = sessions.create();
    if (!id) return error_reply(500, "internal", "cannot make a session: " + id.error().message);
    boost::json::object body;
    body["expires_in"] = sessions.lifetime().count();
    HttpReply r = json_reply(201, body);
    r.headers.emplace_back("Set-Cookie", session_set_cookie(*id, sessions.lifetime()));
    r.headers.emplace_back("Cache-Control", "no-store");
    return r;
}

HttpReply session_delete_reply(WebSessions& sessions, std::string_view cookie_header) {
    const std::string_view id = session_cookie(cookie_header);
    if (!id.empty()) sessions.remove(id);
    HttpReply r;
    r.status = 204;
    r.content_type.clear();
    r.headers.emplace_back("Set-Cookie", session_clear_cookie());
    r.headers.emplace_back("Cache-Control", "no-store");
    return r;
}

}  // namespace domus::api
