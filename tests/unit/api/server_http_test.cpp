// The server over a real Unix socket: keep-alive, limits, malformed input, 404/405, timeouts.
#include <sys/stat.h>

#include <atomic>
#include <thread>
#include <vector>

#include "server_fixture.hpp"

namespace domus::api::test {
namespace {

using Clock = std::chrono::steady_clock;

TEST_F(ServerTest, KeepAliveServesManyRequestsOnOneConnection) {
    start();
    HttpConn c = connect();
    for (int i = 0; i < 3; ++i) {
        auto r = c.request("GET", "/v1/domains");
        ASSERT_TRUE(r);
        EXPECT_EQ(r->status, 200);
        EXPECT_TRUE(r->keep_alive);
        EXPECT_EQ(r->header("content-type"), "application/json");
        EXPECT_EQ(boost::json::parse(r->body).at("domains").as_array()[0].at("name").as_string(),
                  "Domain-0");
    }
    auto m = c.request("GET", "/metrics");
    ASSERT_TRUE(m);
    EXPECT_EQ(m->header("content-type"), "text/plain; version=0.0.4");
    auto h = c.request("GET", "/v1/host");
    ASSERT_TRUE(h);
    EXPECT_EQ(boost::json::parse(h->body).at("cpus").as_int64(), 2);
}

// GET /v1/domains/{name}/core streams the file the Controller hands out, whole (wherever its
// offset was left), on a connection that stays usable; a large file arrives whole.
TEST_F(ServerTest, CoreIsStreamedFromTheControllersFile) {
    fake.core_bytes = std::string(
                          "\x7f"
                          "ELF") +
                      std::string(3u << 20, 'c') + "end";
    fake.core_offset = 4;
    start();
    HttpConn c = connect();
    auto created = c.request("POST", "/v1/domains", R"({"name":"web1"})");
    ASSERT_TRUE(created);
    ASSERT_EQ(created->status, 201);
    auto r = c.request("GET", "/v1/domains/web1/core");
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 200);
    EXPECT_EQ(r->header("content-type"), "application/octet-stream");
    EXPECT_EQ(r->header("content-disposition"), "attachment; filename=\"web1.core\"");
    EXPECT_EQ(r->body.size(), fake.core_bytes.size());
    EXPECT_TRUE(r->body == fake.core_bytes);
    EXPECT_TRUE(r->keep_alive);
    auto missing = c.request("GET", "/v1/domains/nope/core");
    ASSERT_TRUE(missing);
    EXPECT_EQ(missing->status, 404);
    EXPECT_EQ(missing->header("content-type"), "application/json");
    auto wrong = c.request("POST", "/v1/domains/web1/core");
    ASSERT_TRUE(wrong);
    EXPECT_EQ(wrong->status, 405);
    auto query = c.request("GET", "/v1/domains/web1/core?path=/etc/shadow");
    ASSERT_TRUE(query);
    EXPECT_EQ(query->status, 400);  // no parameter names a host path
}

// The list body is shared between connections and replaced when the list changes: every
// reply must still arrive whole while other connections change the list under it.
TEST_F(ServerTest, SharedListBodiesSurviveConcurrentChanges) {
    start();
    {
        HttpConn c = connect();
        for (int i = 0; i < 200; ++i) {
            auto r = c.request("POST", "/v1/domains",
                               R"({"name":"base)" + std::to_string(i) + R"(","cmdline":")" +
                                   std::string(100, 'x') + R"("})");
            ASSERT_TRUE(r);
            ASSERT_EQ(r->status, 201);
        }
    }
    std::atomic<int> bad{0};
    std::vector<std::thread> readers;
    for (int t = 0; t < 4; ++t) {
        readers.emplace_back([&] {
            HttpConn c = connect();
            for (int i = 0; i < 40; ++i) {
                auto r = c.request("GET", "/v1/domains");
                boost::system::error_code ec;
                const auto doc = r ? boost::json::parse(r->body, ec) : boost::json::value();
                if (!r || r->status != 200 || ec || !doc.is_object() ||
                    doc.as_object().at("domains").as_array().size() < 201) {
                    ++bad;
                }
            }
        });
    }
    HttpConn w = connect();
    for (int i = 0; i < 40; ++i) {
        auto r = w.request("POST", "/v1/domains", R"({"name":"new)" + std::to_string(i) + R"("})");
        ASSERT_TRUE(r);
        EXPECT_EQ(r->status, 201);
    }
    for (auto& th : readers) th.join();
    EXPECT_EQ(bad.load(), 0);
    auto last = w.request("GET", "/v1/domains");
    ASSERT_TRUE(last);
    EXPECT_EQ(boost::json::parse(last->body).at("domains").as_array().size(), 241u);
}

TEST_F(ServerTest, PipelinedRequestsAreAnsweredInOrder) {
    start();
    HttpConn c = connect();
    ASSERT_TRUE(c.send(make_request("GET", "/v1/host") + make_request("GET", "/nope") +
                       make_request("GET", "/metrics")));
    EXPECT_EQ(c.read_response()->status, 200);
    EXPECT_EQ(c.read_response()->status, 404);
    EXPECT_EQ(c.read_response()->status, 200);
}

TEST_F(ServerTest, CreateStartAndErrorsOverTheWire) {
    start();
    HttpConn c = connect();
    auto r = c.request("POST", "/v1/domains?start=true", R"({"name":"web1","memory":128})",
                       {"Content-Type: application/json"});
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 201);
    EXPECT_EQ(r->header("location"), "/v1/domains/web1");
    const auto doc = boost::json::parse(r->body);
    EXPECT_EQ(doc.at("state").as_string(), "running");
    EXPECT_EQ(doc.at("memory").to_number<uint64_t>(), 128u);

    r = c.request("POST", "/v1/domains", R"({"name":"web2","disk":[]})");
    EXPECT_EQ(r->status, 400);
    EXPECT_EQ(error_code(*r), "unknown_field");
    r = c.request("POST", "/v1/domains", "{oops");
    EXPECT_EQ(error_code(*r), "invalid_json");
    r = c.request("GET", "/v1/domains/web1/console?tail=abc");
    EXPECT_EQ(r->status, 400);
    EXPECT_EQ(error_message(*r), "tail must be an integer between 1 and 10000 (got \"abc\")");
    r = c.request("POST", "/v1/domains/web1/shutdown?timeout=2");
    EXPECT_EQ(r->status, 202);
    r = c.request("POST", "/v1/domains/web1/destroy");
    EXPECT_EQ(r->status, 200);
    r = c.request("DELETE", "/v1/domains/web1");
    EXPECT_EQ(r->status, 204);
    EXPECT_TRUE(r->body.empty());
    r = c.request("GET", "/v1/domains/web1");
    EXPECT_EQ(r->status, 404);
    r = c.request("POST", "/v1/domains/Domain-0/pause");
    EXPECT_EQ(r->status, 403);
    EXPECT_TRUE(c.request("GET", "/v1/host"));  // still the same connection
}

TEST_F(ServerTest, NotFoundAndMethodNotAllowedKeepTheConnection) {
    start();
    HttpConn c = connect();
    auto r = c.request("GET", "/v1/nothing");
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 404);
    EXPECT_EQ(error_code(*r), "not_found");
    r = c.request("PUT", "/v1/domains", "{}");
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 405);
    EXPECT_EQ(r->header("allow"), "GET, POST");
    EXPECT_EQ(error_code(*r), "method_not_allowed");
    r = c.request("GET", "/v1/domains/..%2F..%2Fetc%2Fpasswd");
    EXPECT_EQ(r->status, 404);
    EXPECT_EQ(c.request("GET", "/v1/host")->status, 200);
}

TEST_F(ServerTest, BodyOverTheLimitIs413ThenClose) {
    start();
    HttpConn c = connect();
    const std::string big(64 * 1024 + 1, 'x');
    ASSERT_TRUE(c.send(make_request("POST", "/v1/domains", big)));
    auto r = c.read_response();
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 413);
    EXPECT_EQ(error_code(*r), "payload_too_large");
    EXPECT_FALSE(r->keep_alive);
    EXPECT_TRUE(c.closed_within(5s));

    // Declared small, sent chunked and large: cut off all the same.
    HttpConn d = connect();
    std::string chunked =
        "POST /v1/domains HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n";
    for (int i = 0; i < 20; ++i) chunked += "1000\r\n" + std::string(4096, 'y') + "\r\n";
    chunked += "0\r\n\r\n";
    ASSERT_TRUE(d.send(chunked));
    r = d.read_response();
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 413);
    // A body exactly at the limit is read (and rejected as JSON, not as too large).
    HttpConn e = connect();
    r = e.request("POST", "/v1/domains", std::string(64 * 1024, ' '));
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 400);
    EXPECT_EQ(error_code(*r), "invalid_json");
}

TEST_F(ServerTest, MalformedHttpIs400ThenClose) {
    start();
    for (const std::string& bad :
         {std::string("GARBAGE\r\n\r\n"), std::string("GET /v1/host XTTP/1.1\r\n\r\n"),
          std::string("GET /v1/host HTTP/1.1\r\nBad Header\r\n\r\n"),
          std::string("POST /v1/domains HTTP/1.1\r\nContent-Length: abc\r\n\r\n"),
          std::string("GET /v1/host HTTP/1.1\r\nHost: a\0b\r\n\r\n", 36)}) {
        HttpConn c = connect();
        ASSERT_TRUE(c.send(bad));
        auto r = c.read_response();
        ASSERT_TRUE(r) << bad;
        EXPECT_EQ(r->status, 400) << bad;
        EXPECT_EQ(error_code(*r), "bad_request");
        EXPECT_TRUE(c.closed_within(5s));
    }
}

TEST_F(ServerTest, HeaderOverTheLimitIs400) {
    start();
    HttpConn c = connect();
    ASSERT_TRUE(c.send("GET /v1/host HTTP/1.1\r\nX-Big: " + std::string(9000, 'a') + "\r\n\r\n"));
    auto r = c.read_response();
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 400);
    EXPECT_NE(error_message(*r).find("8192"), std::string::npos);
}

TEST_F(ServerTest, SlowClientIsDisconnected) {
    start([](ServerOptions& o) { o.request_timeout = 300ms; });
    HttpConn c = connect();
    const auto t0 = Clock::now();
    ASSERT_TRUE(c.send("GET /v1/host HTTP/1.1\r\nHost: x\r\n"));  // never finished
    EXPECT_TRUE(c.closed_within(5s));
    EXPECT_LT(Clock::now() - t0, 3s);
    // A connection that sends nothing at all is dropped just the same.
    HttpConn quiet = connect();
    EXPECT_TRUE(quiet.closed_within(5s));
}

TEST_F(ServerTest, IdleKeepAliveConnectionIsClosed) {
    start([](ServerOptions& o) {
        o.idle_timeout = 300ms;
        o.request_timeout = 5s;
    });
    HttpConn c = connect();
    ASSERT_EQ(c.request("GET", "/v1/host")->status, 200);
    const auto t0 = Clock::now();
    EXPECT_TRUE(c.closed_within(5s));
    EXPECT_LT(Clock::now() - t0, 3s);
}

TEST_F(ServerTest, ExpectContinueIsAnswered) {
    start();
    HttpConn c = connect();
    const std::string body = R"({"name":"web1"})";
    ASSERT_TRUE(
        c.send("POST /v1/domains HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\n"
               "Content-Length: " +
               std::to_string(body.size()) + "\r\n\r\n"));
    auto cont = c.read_response();
    ASSERT_TRUE(cont);
    EXPECT_EQ(cont->status, 100);
    ASSERT_TRUE(c.send(body));
    auto r = c.read_response();
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 201);
}

TEST_F(ServerTest, ConnectionCloseIsHonoured) {
    start();
    HttpConn c = connect();
    auto r = c.request("GET", "/v1/host", "", {"Connection: close"});
    ASSERT_TRUE(r);
    EXPECT_FALSE(r->keep_alive);
    EXPECT_TRUE(c.closed_within(5s));
}

TEST_F(ServerTest, ControllerExceptionIs500AndTheServerLives) {
    start();
    fake.throw_on_list = true;
    HttpConn c = connect();
    auto r = c.request("GET", "/v1/domains");
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 500);
    EXPECT_EQ(error_code(*r), "internal");
    EXPECT_EQ(c.request("GET", "/v1/host")->status, 200);
}

TEST_F(ServerTest, TooManyConnectionsGet503) {
    start([](ServerOptions& o) { o.max_connections_unix = 2; });
    HttpConn a = connect(), b = connect();
    ASSERT_EQ(a.request("GET", "/v1/host")->status, 200);
    ASSERT_EQ(b.request("GET", "/v1/host")->status, 200);
    HttpConn c = connect();
    auto r = c.read_response();
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 503);
    a.close();
    // The slot frees once the server sees the close.
    bool served = false;
    for (int i = 0; i < 50 && !served; ++i) {
        HttpConn d = connect();
        auto ok = d.request("GET", "/v1/host");
        served = ok && ok->status == 200;
        if (!served) std::this_thread::sleep_for(20ms);
    }
    EXPECT_TRUE(served);
}

TEST_F(ServerTest, UnixSocketIs0660AndRemovedOnStop) {
    start();
    struct stat st {};
    ASSERT_EQ(::stat(socket_path().c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 0777, 0660u);
    // A second server on the same path refuses: the first one answers.
    ServerOptions o;
    o.unix_socket = socket_path();
    EXPECT_FALSE(HttpServer::start(fake, o));
    server->stop();
    EXPECT_NE(::stat(socket_path().c_str(), &st), 0);
}

TEST_F(ServerTest, TcpNeedsTheBearerToken) {
    const std::string token(64, 'a');
    start([&](ServerOptions& o) {
        o.tcp_listen = "127.0.0.1:0";
        o.token = token;
    });
    ASSERT_NE(server->tcp_port(), 0);
    HttpConn c = HttpConn::tcp(server->tcp_port());
    ASSERT_TRUE(c.connected());
    auto r = c.request("GET", "/v1/host");
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 401);
    EXPECT_EQ(error_code(*r), "unauthorized");
    EXPECT_EQ(r->header("www-authenticate"), "Bearer");
    EXPECT_FALSE(r->keep_alive);
    EXPECT_TRUE(c.closed_within(5s));  // an unauthenticated connection is not kept
    c = HttpConn::tcp(server->tcp_port());
    r = c.request("GET", "/v1/host", "", {"Authorization: Bearer " + std::string(64, 'b')});
    EXPECT_EQ(r->status, 401);
    EXPECT_TRUE(c.closed_within(5s));
    c = HttpConn::tcp(server->tcp_port());
    r = c.request("GET", "/v1/host", "", {"Authorization: Bearer " + token});
    EXPECT_EQ(r->status, 200);
    r = c.request("GET", "/nope", "", {"Authorization: Bearer " + token});
    EXPECT_EQ(r->status, 404);
    // The Unix socket needs none.
    HttpConn u = connect();
    EXPECT_EQ(u.request("GET", "/v1/host")->status, 200);
}

// Each listener has its own slots: idle TCP connections filling the TCP limit leave the
// administrator's Unix socket answering.
TEST_F(ServerTest, ATcpFloodLeavesTheUnixSocketItsSlots) {
    start([](ServerOptions& o) {
        o.tcp_listen = "127.0.0.1:0";
        o.token = std::string(64, 'a');
        o.max_connections_tcp = 4;
        o.max_connections_unix = 2;
    });
    std::vector<HttpConn> idle;
    for (int i = 0; i < 4; ++i) {
        idle.push_back(HttpConn::tcp(server->tcp_port()));
        ASSERT_TRUE(idle.back().connected());
    }
    // The fifth TCP connection is refused once the four are counted (accepts are async).
    bool refused = false;
    for (int i = 0; i < 50 && !refused; ++i) {
        HttpConn extra = HttpConn::tcp(server->tcp_port());
        auto r = extra.read_response(200ms);
        refused = r && r->status == 503;
    }
    EXPECT_TRUE(refused);
    HttpConn u = connect();
    auto r = u.request("GET", "/v1/host");
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 200);
}

// A TCP request without the token is refused from its header: the declared body is never
// waited for, no 100 Continue goes out, and the connection closes at once, freeing its slot.
TEST_F(ServerTest, AnUnauthenticatedBodyIsNeverRead) {
    const std::string token(64, 'a');
    start([&](ServerOptions& o) {
        o.tcp_listen = "127.0.0.1:0";
        o.token = token;
        o.max_connections_tcp = 1;
    });
    for (const char* expect : {"", "Expect: 100-continue\r\n"}) {
        SCOPED_TRACE(expect);
        // The previous connection's slot is given back just after its socket closes: a 503
        // (the one slot still taken) is retried.
        std::optional<HttpConn> c;
        std::optional<Response> r;
        for (int i = 0; i < 50; ++i) {
            c.emplace(HttpConn::tcp(server->tcp_port()));
            ASSERT_TRUE(c->connected());
            // Within the body limit, so only the missing token can answer before the body.
            // (A refused connection may be closed before the request goes out; its 503 is read.)
            const bool sent =
                c->send(std::string("POST /v1/domains HTTP/1.1\r\nHost: x\r\n") + expect +
                        "Content-Type: application/json\r\nContent-Length: 60000\r\n\r\n");
            r = c->read_response(sent ? 5s : 1s);
            if (!r || r->status != 503) break;
            std::this_thread::sleep_for(20ms);
        }
        ASSERT_TRUE(r);
        EXPECT_EQ(r->status, 401);
        EXPECT_TRUE(c->closed_within(5s));
    }
    // The one TCP slot is free again for a client with the token.
    bool served = false;
    for (int i = 0; i < 50 && !served; ++i) {
        HttpConn d = HttpConn::tcp(server->tcp_port());
        auto ok = d.request("GET", "/v1/host", "", {"Authorization: Bearer " + token});
        served = ok && ok->status == 200;
        if (!served) std::this_thread::sleep_for(20ms);
    }
    EXPECT_TRUE(served);
}

TEST(ServerStart, RejectsBadOptions) {
    FakeController fake;
    TempDir dir;
    ServerOptions o;
    EXPECT_FALSE(HttpServer::start(fake, o));  // nothing to listen on
    o.tcp_listen = "127.0.0.1:0";
    EXPECT_FALSE(HttpServer::start(fake, o));  // TCP without a token
    o.token = "t";
    o.tcp_listen = "not-an-address";
    EXPECT_FALSE(HttpServer::start(fake, o));
}

}  // namespace
}  // namespace domus::api::test
