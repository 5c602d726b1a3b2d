// The HTTP client against a fake domusd: requests as sent, responses and failures as rendered.
#include "cli/api_client.hpp"

#include <gtest/gtest.h>
#include <sys/socket.h>
#include <sys/un.h>

#include <cstring>

#include <boost/json.hpp>

#include "cli/console.hpp"
#include "fake_daemon.hpp"

namespace domus::cli {
namespace {

using test::FakeDaemon;
using test::FakeRequest;
using test::http_response;

const std::string kHint = " (is domusd running? start it with: domusd)";

TEST(ApiClient, GetReturnsTheBody) {
    FakeDaemon daemon(
        [](const FakeRequest&) { return http_response(200, "OK", "{\"domains\":[]}"); });
    ApiClient api(daemon.path());
    auto body = api.call(Method::get, "/v1/domains");
    ASSERT_TRUE(body) << body.error().message;
    EXPECT_EQ(*body, "{\"domains\":[]}");
    auto reqs = daemon.requests();
    ASSERT_EQ(reqs.size(), 1u);
    EXPECT_EQ(reqs[0].method, "GET");
    EXPECT_EQ(reqs[0].target, "/v1/domains");
    EXPECT_NE(reqs[0].headers.find("Host: localhost"), std::string::npos) << reqs[0].headers;
    EXPECT_EQ(reqs[0].body, "");
}

TEST(ApiClient, PostSendsTheJsonBody) {
    FakeDaemon daemon([](const FakeRequest&) { return http_response(201, "Created", "{}"); });
    ApiClient api(daemon.path());
    auto body = api.call(Method::post, "/v1/domains?start=true", R"({"name":"web1"})");
    ASSERT_TRUE(body) << body.error().message;
    auto reqs = daemon.requests();
    ASSERT_EQ(reqs.size(), 1u);
    EXPECT_EQ(reqs[0].method, "POST");
    EXPECT_EQ(reqs[0].target, "/v1/domains?start=true");
    EXPECT_EQ(reqs[0].body, R"({"name":"web1"})");
    EXPECT_NE(reqs[0].headers.find("Content-Type: application/json"), std::string::npos);
}

TEST(ApiClient, DeleteWithNoContent) {
    FakeDaemon daemon(
        [](const FakeRequest&) { return std::string("HTTP/1.1 204 No Content\r\n\r\n"); });
    ApiClient api(daemon.path());
    auto body = api.call(Method::del, "/v1/domains/web1");
    ASSERT_TRUE(body) << body.error().message;
    EXPECT_EQ(*body, "");
    EXPECT_EQ(daemon.requests().at(0).method, "DELETE");
}

TEST(ApiClient, ApiErrorsBecomeOneLine) {
    FakeDaemon daemon([](const FakeRequest&) {
        return http_response(400, "Bad Request",
                             "{\"error\":{\"code\":\"invalid_field\",\"message\":\"memory 0 "
                             "MiB is too small (at least 4 MiB)\",\"field\":\"memory\"}}");
    });
    ApiClient api(daemon.path());
    auto body = api.call(Method::post, "/v1/domains", "{}");
    ASSERT_FALSE(body);
    EXPECT_EQ(body.error().message,
              "error: memory 0 MiB is too small (at least 4 MiB) (field: memory)");
    // send() itself returns any status.
    auto raw = api.send(Method::post, "/v1/domains", "{}");
    ASSERT_TRUE(raw);
    EXPECT_EQ(raw->status, 400u);
}

TEST(ApiClient, KeepsTheConnectionAlive) {
    FakeDaemon daemon([](const FakeRequest&) { return http_response(200, "OK", "{}"); });
    ApiClient api(daemon.path());
    for (int i = 0; i < 3; ++i) ASSERT_TRUE(api.call(Method::get, "/v1/host"));
    EXPECT_EQ(daemon.connections(), 1);
}

TEST(ApiClient, ReconnectsWhenTheDaemonClosedTheIdleConnection) {
    FakeDaemon daemon([](const FakeRequest&) { return http_response(200, "OK", "{}"); },
                      /*close_after_response=*/true);
    ApiClient api(daemon.path());
    for (int i = 0; i < 3; ++i) {
        auto r = api.call(Method::get, "/v1/host");
        ASSERT_TRUE(r) << r.error().message;
    }
    EXPECT_EQ(daemon.connections(), 3);
    EXPECT_EQ(daemon.requests().size(), 3u);
}

TEST(ApiClient, ConnectionCloseIsHonoured) {
    FakeDaemon daemon(
        [](const FakeRequest&) { return http_response(200, "OK", "{}", "Connection: close\r\n"); },
        true);
    ApiClient api(daemon.path());
    ASSERT_TRUE(api.call(Method::get, "/v1/host"));
    ASSERT_TRUE(api.call(Method::get, "/v1/host"));
    EXPECT_EQ(daemon.connections(), 2);
}

TEST(ApiClient, NothingListening) {
    const std::string path = test::dead_socket_path();
    ApiClient api(path);
    auto r = api.call(Method::get, "/v1/domains");
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().message,
              "cannot reach domusd at " + path + ": No such file or directory" + kHint);
}

TEST(ApiClient, SocketFileWithoutListener) {
    const std::string path = test::dead_socket_path();
    int fd = ::socket(AF_UNIX, SOCK_STREAM, 0);
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    std::strncpy(addr.sun_path, path.c_str(), sizeof addr.sun_path - 1);
    ASSERT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
    ::close(fd);  // bound, never listened: connect is refused
    ApiClient api(path);
    auto r = api.call(Method::get, "/v1/domains");
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().message, "cannot reach domusd at " + path + ": Connection refused" + kHint);
    ::unlink(path.c_str());
}

TEST(ApiClient, PathTooLong) {
    const std::string path = "/tmp/" + std::string(200, 'x');
    ApiClient api(path);
    auto r = api.call(Method::get, "/v1/domains");
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().message, "cannot reach domusd at " + path + ": File name too long" + kHint);
}

TEST(ApiClient, RequestTimeout) {
    FakeDaemon daemon([](const FakeRequest&) { return std::string(); });  // never answers
    ApiClient api(daemon.path(),
                  ClientTimeouts{std::chrono::seconds(2), std::chrono::milliseconds(300)});
    auto r = api.call(Method::get, "/v1/domains");
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().message, "error: domusd did not answer within 300 ms (GET /v1/domains)");
}

TEST(ApiClient, NotJson) {
    FakeDaemon daemon([](const FakeRequest&) { return http_response(200, "OK", "<html>"); });
    ApiClient api(daemon.path());
    auto r = api.call_json(Method::get, "/v1/host");
    ASSERT_FALSE(r);
    EXPECT_NE(r.error().message.find("not JSON"), std::string::npos) << r.error().message;
}

TEST(ApiClient, DomainPath) {
    EXPECT_EQ(domain_path("web1"), "/v1/domains/web1");
    EXPECT_EQ(domain_path("web1", "/start"), "/v1/domains/web1/start");
}

TEST(Console, DeclinedUpgradeShowsTheApiError) {
    FakeDaemon daemon([](const FakeRequest&) {
        return http_response(409, "Conflict",
                             R"({"error":{"code":"conflict","message":"web1 is stopped"}})");
    });
    testing::internal::CaptureStderr();
    const int rc = attach_console(daemon.path(), "web1");
    const std::string err = testing::internal::GetCapturedStderr();
    EXPECT_EQ(rc, 1);
    EXPECT_EQ(err, "domus: error: web1 is stopped\n");
    auto reqs = daemon.requests();
    ASSERT_EQ(reqs.size(), 1u);
    EXPECT_EQ(reqs[0].target, "/v1/domains/web1/console/ws");
    EXPECT_NE(reqs[0].headers.find("Upgrade: websocket"), std::string::npos) << reqs[0].headers;
}

TEST(Console, NothingListening) {
    const std::string path = test::dead_socket_path();
    testing::internal::CaptureStderr();
    const int rc = attach_console(path, "web1");
    const std::string err = testing::internal::GetCapturedStderr();
    EXPECT_EQ(rc, 1);
    EXPECT_EQ(err, "domus: cannot reach domusd at " + path + ": No such file or directory" + kHint +
                       "\n");
}

}  // namespace
}  // namespace domus::cli

namespace domus::cli {
namespace {

TEST(HttpsUrl, HostsPortsAndRefusals) {
    Endpoint e;
    ASSERT_TRUE(parse_https_url("https://127.0.0.1:8443", e));
    EXPECT_EQ(e.host, "127.0.0.1");
    EXPECT_EQ(e.port, 8443);
    EXPECT_TRUE(e.tcp());
    EXPECT_EQ(e.where(), "https://127.0.0.1:8443");
    ASSERT_TRUE(parse_https_url("https://[::1]:9/", e));
    EXPECT_EQ(e.host, "::1");
    EXPECT_EQ(e.port, 9);
    ASSERT_TRUE(parse_https_url("https://dom0.example", e));
    EXPECT_EQ(e.host, "dom0.example");
    EXPECT_EQ(e.port, 443);
    const struct {
        const char* url;
        const char* needle;
    } bad[] = {
        {"http://127.0.0.1:8080", "only HTTPS"},
        {"ftp://x", "expected https://HOST:PORT"},
        {"127.0.0.1:8443", "expected https://HOST:PORT"},
        {"https://", "no host"},
        {"https://:8443", "no host"},
        {"https://h:0", "1 to 65535"},
        {"https://h:65536", "1 to 65535"},
        {"https://h:", "1 to 65535"},
        {"https://h:12a", "1 to 65535"},
        {"https://::1:8443", "brackets"},
        {"https://[::1", "']'"},
        {"https://[::1]x", "':PORT'"},
        {"https://h:1/v1/domains", "no path"},
        {"https://a b:1", "character"},
        {"https://a@b:1", "character"},
    };
    for (const auto& c : bad) {
        Endpoint x;
        auto st = parse_https_url(c.url, x);
        ASSERT_FALSE(st) << c.url;
        EXPECT_NE(st.error().message.find(c.needle), std::string::npos)
            << c.url << ": " << st.error().message;
        EXPECT_NE(st.error().message.find(c.url), std::string::npos) << st.error().message;
        EXPECT_FALSE(x.tcp());  // nothing set on failure
    }
}

}  // namespace
}  // namespace domus::cli
