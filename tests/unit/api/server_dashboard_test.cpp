// The dashboard over the server's TCP listener: its files without a credential, the sign-in
// that gives a session cookie, the cookie standing in for the token, and the Origin rule for
// what changes something (a POST, a console WebSocket upgrade).
#include "server_fixture.hpp"

namespace domus::api::test {
namespace {

const std::string kToken(64, 'a');

class DashboardTest : public ServerTest {
  protected:
    void SetUp() override {
        start([](ServerOptions& o) {
            o.tcp_listen = "127.0.0.1:0";
            o.token = kToken;
        });
        ASSERT_NE(server->tcp_port(), 0);
    }
    HttpConn tcp() {
        HttpConn c = HttpConn::tcp(server->tcp_port());
        EXPECT_TRUE(c.connected());
        return c;
    }
    // Signs in; the cookie's "name=value".
    std::string sign_in() {
        HttpConn c = tcp();
        auto r = c.request("POST", "/v1/session", R"({"token":")" + kToken + R"("})",
                           {"Content-Type: application/json"});
        EXPECT_TRUE(r);
        if (!r) return {};
        EXPECT_EQ(r->status, 201);
        const std::string set = r->header("set-cookie");
        return set.substr(0, set.find(';'));
    }
    std::optional<Response> upgrade(const std::string& cookie, const std::string& origin) {
        HttpConn c = tcp();
        std::vector<std::string> h = {"Upgrade: websocket", "Connection: Upgrade",
                                      "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==",
                                      "Sec-WebSocket-Version: 13", "Cookie: " + cookie};
        if (!origin.empty()) h.push_back("Origin: " + origin);
        return c.request("GET", "/v1/domains/web1/console/ws", "", h);
    }
};

TEST_F(DashboardTest, ThePageAndItsFilesNeedNoCredential) {
    HttpConn c = tcp();
    auto page = c.request("GET", "/");
    ASSERT_TRUE(page);
    EXPECT_EQ(page->status, 200);
    EXPECT_EQ(page->header("content-type"), "text/html; charset=utf-8");
    EXPECT_NE(page->body.find("<html"), std::string::npos);
    EXPECT_NE(page->header("content-security-policy").find("frame-ancestors 'none'"),
              std::string::npos);
    EXPECT_EQ(page->header("cache-control"), "no-cache");
    const std::string etag = page->header("etag");
    ASSERT_FALSE(etag.empty());
    auto again = c.request("GET", "/?x=1", "", {"If-None-Match: " + etag});
    ASSERT_TRUE(again);
    EXPECT_EQ(again->status, 304);
    EXPECT_TRUE(again->body.empty());
    auto js = c.request("GET", "/app.js");
    ASSERT_TRUE(js);
    EXPECT_EQ(js->status, 200);
    EXPECT_EQ(js->header("content-type"), "text/javascript; charset=utf-8");
    EXPECT_GT(js->body.size(), 1000u);
    auto css = c.request("GET", "/app.css");
    ASSERT_TRUE(css);
    EXPECT_EQ(css->header("content-type"), "text/css; charset=utf-8");
    // The API is not public.
    auto api = c.request("GET", "/v1/domains");
    ASSERT_TRUE(api);
    EXPECT_EQ(api->status, 401);
    // The Unix socket serves the page too.
    EXPECT_EQ(connect().request("GET", "/")->status, 200);
}

TEST_F(DashboardTest, AWrongTokenGetsNoSession) {
    HttpConn c = tcp();
    auto r = c.request("POST", "/v1/session", R"({"token":")" + std::string(64, 'b') + R"("})");
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 401);
    EXPECT_EQ(r->header("set-cookie"), "");
    EXPECT_EQ(error_code(*r), "unauthorized");
    HttpConn d = tcp();
    r = d.request("POST", "/v1/session", R"({"tok":"x"})");
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 400);
    EXPECT_EQ(r->header("set-cookie"), "");
}

TEST_F(DashboardTest, TheCookieStandsInForTheToken) {
    const std::string cookie = sign_in();
    ASSERT_EQ(cookie.size(), std::string("domus_session=").size() + 64);
    HttpConn c = tcp();
    auto list = c.request("GET", "/v1/domains", "", {"Cookie: " + cookie});
    ASSERT_TRUE(list);
    EXPECT_EQ(list->status, 200);
    auto made = c.request("POST", "/v1/domains", R"({"name":"web1"})",
                          {"Cookie: " + cookie, "Origin: http://domusd"});
    ASSERT_TRUE(made);
    EXPECT_EQ(made->status, 201);
    // Without the Origin, or from another one, a change is refused and nothing happens.
    auto no_origin =
        tcp().request("POST", "/v1/domains", R"({"name":"web2"})", {"Cookie: " + cookie});
    ASSERT_TRUE(no_origin);
    EXPECT_EQ(no_origin->status, 403);
    auto cross = tcp().request("DELETE", "/v1/domains/web1", "",
                               {"Cookie: " + cookie, "Origin: https://evil.example"});
    ASSERT_TRUE(cross);
    EXPECT_EQ(cross->status, 403);
    EXPECT_EQ(error_code(*cross), "forbidden");
    auto still = tcp().request("GET", "/v1/domains/web1", "", {"Cookie: " + cookie});
    ASSERT_TRUE(still);
    EXPECT_EQ(still->status, 200);
    EXPECT_EQ(tcp().request("GET", "/v1/domains/web2", "", {"Cookie: " + cookie})->status, 404);
}

TEST_F(DashboardTest, TheConsoleWebSocketChecksTheOrigin) {
    const std::string cookie = sign_in();
    control::DomainConfig web1;
    web1.name = "web1";
    ASSERT_TRUE(fake.create_domain(web1, true).ok());
    auto cross = upgrade(cookie, "https://evil.example");
    ASSERT_TRUE(cross);
    EXPECT_EQ(cross->status, 403);
    auto none = upgrade(cookie, "");
    ASSERT_TRUE(none);
    EXPECT_EQ(none->status, 403);
    auto own = upgrade(cookie, "http://domusd");
    ASSERT_TRUE(own);
    EXPECT_EQ(own->status, 101);
}

TEST_F(DashboardTest, SigningOutEndsTheSession) {
    const std::string cookie = sign_in();
    HttpConn c = tcp();
    auto out =
        c.request("DELETE", "/v1/session", "", {"Cookie: " + cookie, "Origin: http://domusd"});
    ASSERT_TRUE(out);
    EXPECT_EQ(out->status, 204);
    EXPECT_NE(out->header("set-cookie").find("Max-Age=0"), std::string::npos);
    auto r = tcp().request("GET", "/v1/domains", "", {"Cookie: " + cookie});
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 401);
    EXPECT_NE(error_message(*r).find("sign in again"), std::string::npos);
}

// session-lifetime-s and max-sessions from domusd's config reach the server's sessions.
class ConfiguredSessionsTest : public ServerTest {
  protected:
    void SetUp() override {
        start([](ServerOptions& o) {
            o.tcp_listen = "127.0.0.1:0";
            o.token = kToken;
            o.session_lifetime = std::chrono::seconds(120);
            o.max_sessions = 1;
        });
    }
    std::optional<Response> sign_in() {
        return HttpConn::tcp(server->tcp_port())
            .request("POST", "/v1/session", R"({"token":")" + kToken + R"("})");
    }
    int list_with(const std::string& cookie) {
        auto r = HttpConn::tcp(server->tcp_port())
                     .request("GET", "/v1/domains", "", {"Cookie: " + cookie});
        return r ? r->status : 0;
    }
};

TEST_F(ConfiguredSessionsTest, TheLifetimeIsTheCookiesAndTheCountIsBounded) {
    auto first = sign_in();
    ASSERT_TRUE(first);
    ASSERT_EQ(first->status, 201);
    EXPECT_NE(first->header("set-cookie").find("; Max-Age=120"), std::string::npos)
        << first->header("set-cookie");
    EXPECT_NE(first->body.find("\"expires_in\":120"), std::string::npos) << first->body;
    const std::string a =
        first->header("set-cookie").substr(0, first->header("set-cookie").find(';'));
    EXPECT_EQ(list_with(a), 200);
    auto second = sign_in();  // max-sessions = 1: the first one ends
    ASSERT_TRUE(second);
    const std::string b =
        second->header("set-cookie").substr(0, second->header("set-cookie").find(';'));
    EXPECT_EQ(list_with(b), 200);
    EXPECT_EQ(list_with(a), 401);
}

}  // namespace
}  // namespace domus::api::test
