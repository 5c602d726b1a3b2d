// The dashboard's session pieces as pure functions, with hostile inputs: the cookie parser,
// the Origin check, the session store and the header-time decision for TCP requests.
#include <gtest/gtest.h>

#include <string>

#include "api/dashboard_assets.hpp"
#include "api/web_session.hpp"

namespace domus::api {
namespace {

const std::string kId(64, 'c');
const std::string kToken(64, 'a');

TEST(SessionCookie, FindsTheSessionAmongOtherCookies) {
    EXPECT_EQ(session_cookie("domus_session=" + kId), kId);
    EXPECT_EQ(session_cookie("a=b; domus_session=" + kId + "; c=d"), kId);
    EXPECT_EQ(session_cookie("  domus_session = " + kId + " ;"), kId);
    EXPECT_EQ(session_cookie("domus_session=\"" + kId + "\""), kId);
    EXPECT_EQ(session_cookie("domus_session=" + kId + "; domus_session=" + kId), kId);
}

TEST(SessionCookie, RefusesWhatIsNotASessionId) {
    EXPECT_EQ(session_cookie(""), "");
    EXPECT_EQ(session_cookie("domus_session"), "");
    EXPECT_EQ(session_cookie("domus_session="), "");
    EXPECT_EQ(session_cookie("domus_session=" + std::string(63, 'c')), "");
    EXPECT_EQ(session_cookie("domus_session=" + std::string(65, 'c')), "");
    EXPECT_EQ(session_cookie("domus_session=" + std::string(64, 'C')), "");  // uppercase
    EXPECT_EQ(session_cookie("domus_session=" + std::string(63, 'c') + "g"), "");
    EXPECT_EQ(session_cookie("domus_session=" + std::string(63, 'c') + "\0"), "");
    EXPECT_EQ(session_cookie("xdomus_session=" + kId), "");
    EXPECT_EQ(session_cookie("domus_sessionx=" + kId), "");
    EXPECT_EQ(session_cookie("\"domus_session=" + kId + "\""), "");
    // Two different sessions (a cookie planted next to the real one): neither is trusted.
    EXPECT_EQ(session_cookie("domus_session=" + kId + "; domus_session=" + std::string(64, 'd')),
              "");
    EXPECT_EQ(session_cookie(std::string(10000, ';')), "");
    EXPECT_EQ(session_cookie(std::string(10000, '=')), "");
}

TEST(SameOrigin, MatchesTheHostTheRequestWentTo) {
    EXPECT_TRUE(same_origin("https://127.0.0.1:8443", "127.0.0.1:8443", true));
    EXPECT_TRUE(same_origin("https://LocalHost:8443", "localhost:8443", true));
    EXPECT_TRUE(same_origin("https://[::1]:8443", "[::1]:8443", true));
    EXPECT_TRUE(same_origin("https://example.org", "example.org:443", true));
    EXPECT_TRUE(same_origin("https://example.org:443", "example.org", true));
    EXPECT_TRUE(same_origin("http://domusd", "domusd", false));
}

TEST(SameOrigin, RefusesEverythingElse) {
    EXPECT_FALSE(same_origin("", "127.0.0.1:8443", true));
    EXPECT_FALSE(same_origin("null", "127.0.0.1:8443", true));
    EXPECT_FALSE(same_origin("http://127.0.0.1:8443", "127.0.0.1:8443", true));   // scheme
    EXPECT_FALSE(same_origin("https://127.0.0.1:8444", "127.0.0.1:8443", true));  // port
    EXPECT_FALSE(same_origin("https://127.0.0.1", "127.0.0.1:8443", true));
    EXPECT_FALSE(same_origin("https://evil.example", "127.0.0.1:8443", true));
    EXPECT_FALSE(same_origin("https://127.0.0.1:8443/", "127.0.0.1:8443", true));  // a path
    EXPECT_FALSE(same_origin("https://127.0.0.1:8443.evil", "127.0.0.1:8443", true));
    EXPECT_FALSE(same_origin("https://a@127.0.0.1:8443", "127.0.0.1:8443", true));
    EXPECT_FALSE(same_origin("https://127.0.0.1:8443", "", true));
    EXPECT_FALSE(same_origin("https://", "", true));
    EXPECT_FALSE(same_origin("https://:8443", ":8443", true));
    EXPECT_FALSE(same_origin("https://x:", "x:", true));
    EXPECT_FALSE(same_origin("https://x:123456", "x:123456", true));
    EXPECT_FALSE(same_origin("https://[::1", "[::1", true));
    EXPECT_FALSE(same_origin("https://a b", "a b", true));
    EXPECT_FALSE(same_origin("https://" + std::string(300, 'a'), std::string(300, 'a'), true));
    EXPECT_FALSE(same_origin("https://example.org:443:443", "example.org:443", true));
}

TEST(WebSessions, CreateValidateRemoveExpire) {
    using Clock = WebSessions::Clock;
    WebSessions s(std::chrono::seconds(60), 3);
    const auto t0 = Clock::now();
    auto a = s.create(t0);
    ASSERT_TRUE(a);
    EXPECT_EQ(a->size(), kSessionIdHexChars);
    EXPECT_EQ(session_cookie("domus_session=" + *a), *a);
    auto b = s.create(t0);
    ASSERT_TRUE(b);
    EXPECT_NE(*a, *b);
    EXPECT_TRUE(s.valid(*a, t0));
    EXPECT_TRUE(s.valid(*b, t0 + std::chrono::seconds(59)));
    EXPECT_FALSE(s.valid(*b, t0 + std::chrono::seconds(60)));  // the lifetime is bounded
    EXPECT_FALSE(s.valid(kId, t0));
    EXPECT_FALSE(s.valid("", t0));
    EXPECT_FALSE(s.valid(a->substr(0, 63), t0));
    s.remove(*a);
    EXPECT_FALSE(s.valid(*a, t0));
    EXPECT_TRUE(s.valid(*b, t0));
}

TEST(WebSessions, TheCountIsBoundedAndTheOldestGoes) {
    WebSessions s(std::chrono::seconds(60), 2);
    const auto t0 = WebSessions::Clock::now();
    auto a = s.create(t0), b = s.create(t0), c = s.create(t0);
    ASSERT_TRUE(a && b && c);
    EXPECT_EQ(s.size(), 2u);
    EXPECT_FALSE(s.valid(*a, t0));
    EXPECT_TRUE(s.valid(*b, t0));
    EXPECT_TRUE(s.valid(*c, t0));
}

TEST(SetCookie, HasEveryAttribute) {
    const std::string c = session_set_cookie(kId, std::chrono::seconds(3600));
    EXPECT_EQ(c,
              "domus_session=" + kId + "; HttpOnly; Secure; SameSite=Strict; Path=/; Max-Age=3600");
    EXPECT_NE(session_clear_cookie().find("Max-Age=0"), std::string::npos);
}

class TcpAuth : public ::testing::Test {
  protected:
    void SetUp() override {
        auto id = sessions.create();
        ASSERT_TRUE(id);
        session = *id;
    }
    TcpAuthDecision decide(TcpAuthInput in) {
        if (in.host.empty()) in.host = "127.0.0.1:8443";
        return decide_tcp_auth(in, kToken, sessions, &is_dashboard_path);
    }
    std::string cookie() const { return "domus_session=" + session; }
    WebSessions sessions;
    std::string session;
};

TEST_F(TcpAuth, TheBearerTokenNeedsNoOrigin) {
    const std::string auth = "Bearer " + kToken;
    EXPECT_EQ(decide({.method = "POST", .path = "/v1/domains", .authorization = auth}).status, 0);
    EXPECT_EQ(
        decide({.method = "GET", .path = "/v1/x", .authorization = auth, .upgrade = true}).status,
        0);
    // A wrong token is refused even with a valid cookie beside it.
    const std::string wrong = "Bearer " + std::string(64, 'b');
    const auto d =
        decide({.method = "GET", .path = "/v1/host", .authorization = wrong, .cookie = cookie()});
    EXPECT_EQ(d.status, 401);
    EXPECT_EQ(d.message.find(kToken), std::string::npos);
}

TEST_F(TcpAuth, TheDashboardAndTheSignInNeedNoCredential) {
    EXPECT_EQ(decide({.method = "GET", .path = "/"}).status, 0);
    EXPECT_EQ(decide({.method = "GET", .path = "/app.js"}).status, 0);
    EXPECT_EQ(decide({.method = "GET", .path = "/app.css"}).status, 0);
    EXPECT_EQ(decide({.method = "POST", .path = "/"}).status, 401);
    EXPECT_EQ(decide({.method = "GET", .path = "/v1/domains"}).status, 401);
    EXPECT_EQ(decide({.method = "GET", .path = "/openapi.json"}).status, 401);
    EXPECT_EQ(decide({.method = "POST", .path = "/v1/session"}).status, 0);
    EXPECT_EQ(decide({.method = "POST", .path = "/v1/session", .origin = "https://127.0.0.1:8443"})
                  .status,
              0);
    // A sign-in posted from another site's page (login CSRF) is refused.
    EXPECT_EQ(
        decide({.method = "POST", .path = "/v1/session", .origin = "https://evil.example"}).status,
        403);
    EXPECT_EQ(decide({.method = "DELETE", .path = "/v1/session", .origin = "null"}).status, 403);
}

TEST_F(TcpAuth, TheCookieReadsFreelyButChangesOnlyFromItsOwnOrigin) {
    const std::string own = "https://127.0.0.1:8443";
    EXPECT_EQ(decide({.method = "GET", .path = "/v1/domains", .cookie = cookie()}).status, 0);
    EXPECT_EQ(
        decide({.method = "POST", .path = "/v1/domains", .cookie = cookie(), .origin = own}).status,
        0);
    EXPECT_EQ(decide({.method = "POST", .path = "/v1/domains", .cookie = cookie()}).status, 403);
    const auto d = decide({.method = "DELETE",
                           .path = "/v1/domains/a",
                           .cookie = cookie(),
                           .origin = "https://evil.example"});
    EXPECT_EQ(d.status, 403);
    EXPECT_EQ(d.code, "forbidden");
    EXPECT_EQ(d.message.find(session), std::string::npos);
    EXPECT_NE(d.message.find("https://evil.example"), std::string::npos);
    // The console WebSocket is a GET, but an upgrade: it needs the Origin too.
    EXPECT_EQ(decide({.method = "GET",
                      .path = "/v1/domains/a/console/ws",
                      .cookie = cookie(),
                      .origin = "https://evil.example",
                      .upgrade = true})
                  .status,
              403);
    EXPECT_EQ(decide({.method = "GET",
                      .path = "/v1/domains/a/console/ws",
                      .cookie = cookie(),
                      .upgrade = true})
                  .status,
              403);
    EXPECT_EQ(decide({.method = "GET",
                      .path = "/v1/domains/a/console/ws",
                      .cookie = cookie(),
                      .origin = own,
                      .upgrade = true})
                  .status,
              0);
}

TEST_F(TcpAuth, AnEndedOrForgedSessionIsRefused) {
    const auto forged = decide(
        {.method = "GET", .path = "/v1/host", .cookie = "domus_session=" + std::string(64, 'e')});
    EXPECT_EQ(forged.status, 401);
    EXPECT_NE(forged.message.find("sign in again"), std::string::npos);
    sessions.remove(session);
    EXPECT_EQ(decide({.method = "GET", .path = "/v1/host", .cookie = cookie()}).status, 401);
    EXPECT_EQ(decide({.method = "GET", .path = "/v1/host", .cookie = "other=1"}).status, 401);
}

TEST(DashboardAssets, GzipOnlyWhenAccepted) {
    EXPECT_TRUE(accepts_gzip("gzip"));
    EXPECT_TRUE(accepts_gzip("gzip, deflate, br"));
    EXPECT_TRUE(accepts_gzip("br;q=1.0, GZIP;q=0.5"));
    EXPECT_TRUE(accepts_gzip(" gzip ; q=0.001"));
    EXPECT_FALSE(accepts_gzip(""));
    EXPECT_FALSE(accepts_gzip("deflate, br"));
    EXPECT_FALSE(accepts_gzip("gzip;q=0"));
    EXPECT_FALSE(accepts_gzip("gzip; q=0.000"));
    EXPECT_FALSE(accepts_gzip("x-gzip"));
    EXPECT_FALSE(accepts_gzip("gzipx"));
    EXPECT_FALSE(accepts_gzip(std::string(10000, ',')));
}

TEST(DashboardAssets, RepliesWithTheRightFileAndValidator) {
    auto plain = dashboard_reply("GET", "/app.js", "", "");
    ASSERT_TRUE(plain);
    auto gz = dashboard_reply("GET", "/app.js", "", "gzip");
    ASSERT_TRUE(gz);
    auto header = [](const HttpReply& r, const std::string& name) {
        for (const auto& [n, v] : r.headers) {
            if (n == name) return v;
        }
        return std::string();
    };
    EXPECT_EQ(header(*plain, "Content-Encoding"), "");
    EXPECT_EQ(header(*gz, "Content-Encoding"), "gzip");
    EXPECT_NE(header(*plain, "ETag"), header(*gz, "ETag"));
    EXPECT_LT(gz->text().size(), plain->text().size());
    EXPECT_EQ(gz->text().substr(0, 2), "\x1f\x8b");  // a gzip member
    // The plain ETag does not validate the gzipped body.
    EXPECT_EQ(dashboard_reply("GET", "/app.js", header(*plain, "ETag"), "gzip")->status, 200);
    EXPECT_EQ(dashboard_reply("GET", "/app.js", header(*gz, "ETag"), "gzip")->status, 304);
    EXPECT_FALSE(dashboard_reply("POST", "/", "", ""));
    EXPECT_FALSE(dashboard_reply("GET", "/app.js/", "", ""));
    EXPECT_FALSE(dashboard_reply("GET", "/../app.js", "", ""));
    EXPECT_FALSE(dashboard_reply("GET", "", "", ""));
    EXPECT_TRUE(dashboard_reply("GET", "/index.html", "", ""));
}

TEST(SessionRequest, ParsesOnlyATokenObject) {
    auto ok = parse_session_request(R"({"token":"abc"})");
    ASSERT_TRUE(ok);
    EXPECT_EQ(*ok, "abc");
    EXPECT_FALSE(parse_session_request(""));
    EXPECT_FALSE(parse_session_request("[]"));
    EXPECT_FALSE(parse_session_request(R"({"token":""})"));
    EXPECT_FALSE(parse_session_request(R"({"token":1})"));
    EXPECT_FALSE(parse_session_request(R"({"token":"a","x":1})"));
    EXPECT_FALSE(parse_session_request(R"({"token":"a"} trailing)"));
    EXPECT_FALSE(parse_session_request(std::string(100000, '{')));
}

}  // namespace
}  // namespace domus::api
