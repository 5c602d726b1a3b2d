// Hostile and mistaken requests: each gets a precise error and changes nothing.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <thread>

#include "daemon_fixture.hpp"

namespace domus::test {
namespace {

namespace json = boost::json;

struct Case {
    const char* method;
    const char* path;
    std::string body;
    int status;
    const char* code;
    const char* field;   // "" when none expected
    const char* needle;  // must appear in the message
};

// Memory admission is not among these (whether 32000 MiB fits depends on the host): see
// DaemonResources.AdmissionByMaxDomainsAndHostMemory, which sets the host reserve from MemTotal.
TEST(DaemonInput, EveryBadRequestGetsAPreciseErrorAndChangesNothing) {
    DOMUS_REQUIRE_DAEMON_BINARIES();
    Daemon d;
    ASSERT_TRUE(d.start()) << d.log();
    int status = 0;
    d.json("POST", "/v1/domains", R"({"name":"exists","cmdline":"service"})", &status);
    ASSERT_EQ(status, 201);
    auto before = json::serialize(d.json("GET", "/v1/domains"));
    const auto events_before = d.json("GET", "/v1/events?after=0").as_object().at("last_id");

    const std::vector<Case> cases = {
        {"POST", "/v1/domains", "{not json", 400, "invalid_json", "", ""},
        {"POST", "/v1/domains", "[1,2]", 400, "invalid_json", "", ""},
        {"POST", "/v1/domains", R"({"name":"x","disk":["a"]})", 400, "unknown_field", "disk",
         "disk"},
        {"POST", "/v1/domains", R"({"name":"x","memory":"64"})", 400, "invalid_field", "memory",
         "memory"},
        {"POST", "/v1/domains", R"({"name":"x","memory":0})", 400, "invalid_field", "memory", "0"},
        {"POST", "/v1/domains", R"({"name":"x","vcpus":1000})", 400, "invalid_field", "vcpus",
         "1000"},
        {"POST", "/v1/domains", R"({"name":"bad name!"})", 400, "invalid_field", "name",
         "bad name!"},
        {"POST", "/v1/domains", R"({"name":""})", 400, "invalid_field", "name", ""},
        {"POST", "/v1/domains", "{\"name\":\"" + std::string(65, 'a') + "\"}", 400, "invalid_field",
         "name", ""},
        {"POST", "/v1/domains", R"({"name":"Domain-0"})", 400, "invalid_field", "name", "Domain-0"},
        {"POST", "/v1/domains", R"({"name":"exists"})", 409, "conflict", "name", "exists"},
        {"POST", "/v1/domains", R"({"name":"k1","kernel":"/nonexistent/kernel"})", 400,
         "invalid_field", "kernel", "/nonexistent/kernel"},
        {"POST", "/v1/domains", R"({"name":"k2","kernel":"/etc/passwd"})", 400, "invalid_field",
         "kernel", "/etc/passwd"},
        {"POST", "/v1/domains/exists/pause", "", 409, "conflict", "", "stopped"},
        {"POST", "/v1/domains/exists/frobnicate", "", 404, "not_found", "", ""},
        {"POST", "/v1/domains/nope/start", "", 404, "not_found", "", "nope"},
        {"GET", "/v1/nothing", "", 404, "not_found", "", ""},
        {"PUT", "/v1/domains", "", 405, "method_not_allowed", "", ""},
        {"GET", "/v1/domains/exists/console?tail=abc", "", 400, "bad_request", "", "abc"},
        {"POST", "/v1/domains/Domain-0/destroy", "", 403, "forbidden", "", "Domain-0"},
        {"DELETE", "/v1/domains/Domain-0", "", 403, "forbidden", "", "Domain-0"},
    };
    for (const auto& c : cases) {
        auto r = d.request(c.method, c.path, c.body);
        SCOPED_TRACE(std::string(c.method) + " " + c.path + " " + c.body);
        EXPECT_EQ(r.status, c.status) << r.body;
        boost::system::error_code ec;
        auto v = json::parse(r.body, ec);
        ASSERT_FALSE(ec) << r.body;
        ASSERT_TRUE(v.is_object() && v.as_object().contains("error")) << r.body;
        const auto& e = v.as_object().at("error").as_object();
        EXPECT_EQ(std::string(e.at("code").as_string().c_str()), c.code) << r.body;
        const std::string message(e.at("message").as_string().c_str());
        EXPECT_FALSE(message.empty());
        if (c.needle[0] != '\0') {
            EXPECT_NE(message.find(c.needle), std::string::npos) << message;
        }
        if (c.field[0] != '\0') {
            ASSERT_TRUE(e.contains("field")) << r.body;
            EXPECT_EQ(std::string(e.at("field").as_string().c_str()), c.field) << r.body;
        }
    }
    EXPECT_EQ(json::serialize(d.json("GET", "/v1/domains")), before);
    EXPECT_EQ(d.json("GET", "/v1/events?after=0").as_object().at("last_id"), events_before);
    EXPECT_TRUE(monitors_under(d.dir()).empty());
}

TEST(DaemonInput, OversizedBodyIs413AndMalformedHttpIs400) {
    DOMUS_REQUIRE_DAEMON_BINARIES();
    Daemon d;
    ASSERT_TRUE(d.start()) << d.log();
    std::string huge = R"({"name":"x","cmdline":")" + std::string(70000, 'a') + "\"}";
    EXPECT_EQ(d.request("POST", "/v1/domains", huge).status, 413);
    HttpTarget t;
    t.unix_path = d.socket();
    auto raw = raw_exchange(t, "THIS IS NOT HTTP\r\n\r\n", 3000);
    EXPECT_EQ(raw.compare(0, 12, "HTTP/1.1 400"), 0) << raw;
    // The daemon is still healthy.
    EXPECT_EQ(d.request("GET", "/v1/host").status, 200);
}

TEST(DaemonInput, SlowClientIsDisconnected) {
    DOMUS_REQUIRE_DAEMON_BINARIES();
    Daemon d;
    ASSERT_TRUE(d.start()) << d.log();
    HttpTarget t;
    t.unix_path = d.socket();
    // Half a request, then silence: the daemon must give up on it (10 s limit) and stay up.
    const auto start = std::chrono::steady_clock::now();
    auto raw = raw_exchange(t, "GET /v1/host HTTP/1.1\r\nHost: x\r\n", 15000);
    const double waited =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    EXPECT_LT(waited, 14.0) << "the connection was held open";
    EXPECT_EQ(d.request("GET", "/v1/host").status, 200);
}

TEST(DaemonInput, TcpNeedsTheBearerToken) {
    DOMUS_REQUIRE_DAEMON_BINARIES();
    if (::access("/usr/bin/curl", X_OK) != 0) GTEST_SKIP() << "curl is not installed";
    const int port = 20000 + (::getpid() % 20000);
    Daemon d({"--listen", "127.0.0.1:" + std::to_string(port)});
    ASSERT_TRUE(d.start()) << d.log();
    const std::string url = "https://127.0.0.1:" + std::to_string(port) + "/v1/domains";
    const std::string ca = d.state_dir() + "/tls/cert.pem";
    auto status_of = [&](const std::vector<std::string>& headers) {
        std::vector<std::string> argv{"/usr/bin/curl", "-s",       "-o", "/dev/null", "-w",
                                      "%{http_code}",  "--cacert", ca};
        for (const auto& h : headers) {
            argv.push_back("-H");
            argv.push_back(h);
        }
        argv.push_back(url);
        return std::atoi(run_process(argv, timeout_after(20)).out.c_str());
    };
    EXPECT_EQ(status_of({}), 401);
    EXPECT_EQ(status_of({"Authorization: Bearer nope"}), 401);
    std::ifstream in(d.state_dir() + "/api.token");
    std::string token;
    in >> token;
    ASSERT_GE(token.size(), 32u);
    struct stat st {};
    ASSERT_EQ(::stat((d.state_dir() + "/api.token").c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 0777, 0600u);
    EXPECT_EQ(status_of({"Authorization: Bearer " + token}), 200);
}

}  // namespace
}  // namespace domus::test
