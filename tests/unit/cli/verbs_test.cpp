// The daemon verbs end to end against a fake domusd: the requests they make, what they print.
#include "cli/verbs.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <fstream>

#include <boost/json.hpp>

#include "cli/format.hpp"
#include "fake_daemon.hpp"

namespace domus::cli {
namespace {

using test::FakeDaemon;
using test::FakeRequest;
using test::http_response;

struct Run {
    int rc;
    std::string out, err;
};

Run run_verb(const std::string& socket, Command cmd) {
    cmd.socket = socket;
    ApiClient api(socket);
    testing::internal::CaptureStdout();
    testing::internal::CaptureStderr();
    const int rc = cmd.verb == Verb::events ? run_events(api, cmd) : run_domain_verb(api, cmd);
    std::fflush(stdout);
    Run r{rc, testing::internal::GetCapturedStdout(), testing::internal::GetCapturedStderr()};
    return r;
}

Command command(Verb verb, std::string name = {}) {
    Command cmd;
    cmd.verb = verb;
    cmd.name = std::move(name);
    return cmd;
}

const std::string kDomains =
    R"({"domains":[{"name":"Domain-0","id":0,"state":"running","memory":1024,"vcpus":2,)"
    R"("stats":{"vcpu_time_ns":5000000000}},{"name":"web1","id":3,"state":"paused",)"
    R"("memory":64,"vcpus":1,"stats":{"vcpu_time_ns":250000000}}]})";

const std::string kWeb1 =
    R"({"name":"web1","id":3,"state":"running","memory":64,"vcpus":1,"kernel":null,)"
    R"("cmdline":"service","on_poweroff":"destroy","on_reboot":"restart",)"
    R"("on_crash":"destroy","stats":{"vcpu_time_ns":1000000000}})";

std::string temp_file(const std::string& text) {
    char path[] = "/tmp/domus-cli-cfg-XXXXXX";
    int fd = ::mkstemp(path);
    (void)!::write(fd, text.data(), text.size());
    ::close(fd);
    return path;
}

TEST(ListVerb, Table) {
    FakeDaemon daemon([](const FakeRequest&) { return http_response(200, "OK", kDomains); });
    auto r = run_verb(daemon.path(), command(Verb::list));
    EXPECT_EQ(r.rc, 0) << r.err;
    EXPECT_EQ(r.out, std::string(kListHeader) + "\n" +
                         "Domain-0                                     0  1024     2     running "
                         "     5.0\n"
                         "web1                                         3    64     1     paused  "
                         "     0.2\n");
    EXPECT_EQ(daemon.requests().at(0).target, "/v1/domains");
}

TEST(ListVerb, OneDomainAndJson) {
    FakeDaemon daemon([](const FakeRequest&) { return http_response(200, "OK", kWeb1); });
    auto one = run_verb(daemon.path(), command(Verb::list, "web1"));
    EXPECT_EQ(one.rc, 0) << one.err;
    EXPECT_EQ(daemon.requests().at(0).target, "/v1/domains/web1");
    EXPECT_NE(one.out.find("\nweb1 "), std::string::npos) << one.out;
    auto cmd = command(Verb::list, "web1");
    cmd.json = true;
    auto js = run_verb(daemon.path(), cmd);
    EXPECT_EQ(js.out, kWeb1 + "\n");
}

TEST(ListVerb, NoSuchDomain) {
    FakeDaemon daemon([](const FakeRequest&) {
        return http_response(404, "Not Found",
                             R"({"error":{"code":"not_found","message":"no domain named x"}})");
    });
    auto r = run_verb(daemon.path(), command(Verb::list, "x"));
    EXPECT_EQ(r.rc, 1);
    EXPECT_EQ(r.out, "");
    EXPECT_EQ(r.err, "domus: error: no domain named x\n");
}

TEST(Actions, EachVerbHitsItsRoute) {
    FakeDaemon daemon([](const FakeRequest&) { return http_response(200, "OK", kWeb1); });
    const std::pair<Verb, std::string> routes[] = {
        {Verb::start, "POST /v1/domains/web1/start"},
        {Verb::pause, "POST /v1/domains/web1/pause"},
        {Verb::unpause, "POST /v1/domains/web1/unpause"},
        {Verb::reboot, "POST /v1/domains/web1/reboot"},
        {Verb::destroy, "POST /v1/domains/web1/destroy"},
        {Verb::remove, "DELETE /v1/domains/web1"},
        {Verb::shutdown, "POST /v1/domains/web1/shutdown"}};
    for (const auto& [verb, route] : routes) {
        auto r = run_verb(daemon.path(), command(verb, "web1"));
        EXPECT_EQ(r.rc, 0) << route << r.err;
        EXPECT_EQ(r.out, "") << route;  // silent on success
        const auto req = daemon.requests().back();
        EXPECT_EQ(req.method + " " + req.target, route);
    }
    auto cmd = command(Verb::shutdown, "web1");
    cmd.timeout_s = 5;
    cmd.json = true;
    auto r = run_verb(daemon.path(), cmd);
    EXPECT_EQ(daemon.requests().back().target, "/v1/domains/web1/shutdown?timeout=5");
    EXPECT_EQ(r.out, kWeb1 + "\n");
}

TEST(ShutdownVerb, WaitPollsUntilStopped) {
    std::atomic<int> polls{0};
    FakeDaemon daemon([&](const FakeRequest& req) {
        if (req.method == "POST") {
            return http_response(202, "Accepted", R"({"name":"web1","state":"shutting-down"})");
        }
        const char* state = ++polls < 3 ? "shutting-down" : "stopped";
        return http_response(200, "OK", std::string(R"({"name":"web1","state":")") + state + "\"}");
    });
    auto cmd = command(Verb::shutdown, "web1");
    cmd.wait = true;
    auto r = run_verb(daemon.path(), cmd);
    EXPECT_EQ(r.rc, 0) << r.err;
    EXPECT_EQ(polls.load(), 3);
    EXPECT_EQ(daemon.connections(), 1);  // one keep-alive connection for all of it
}

TEST(ShutdownVerb, WaitReportsACrash) {
    FakeDaemon daemon([](const FakeRequest& req) {
        if (req.method == "POST") return http_response(202, "Accepted", "{}");
        return http_response(200, "OK",
                             R"({"name":"web1","state":"crashed",)"
                             R"("last_exit":{"detail":"triple fault"}})");
    });
    auto cmd = command(Verb::shutdown, "web1");
    cmd.wait = true;
    auto r = run_verb(daemon.path(), cmd);
    EXPECT_EQ(r.rc, 1);
    EXPECT_EQ(r.err, "domus: error: web1 crashed while shutting down: triple fault\n");
}

TEST(CreateVerb, PostsTheParsedConfigAndStarts) {
    FakeDaemon daemon([](const FakeRequest&) { return http_response(201, "Created", kWeb1); });
    const auto path = temp_file("# web\nname = \"web1\"\nmemory = 64\ncmdline = \"service\"\n");
    auto cmd = command(Verb::create);
    cmd.file = path;
    auto r = run_verb(daemon.path(), cmd);
    EXPECT_EQ(r.rc, 0) << r.err;
    EXPECT_EQ(r.out, "");
    auto req = daemon.requests().at(0);
    EXPECT_EQ(req.method + " " + req.target, "POST /v1/domains?start=true");
    auto body = boost::json::parse(req.body).as_object();
    EXPECT_EQ(body.at("name").as_string(), "web1");
    EXPECT_EQ(body.at("memory").to_number<int64_t>(), 64);
    EXPECT_EQ(body.at("cmdline").as_string(), "service");

    cmd.no_start = true;
    cmd.json = true;
    r = run_verb(daemon.path(), cmd);
    EXPECT_EQ(daemon.requests().back().target, "/v1/domains");
    EXPECT_EQ(r.out, kWeb1 + "\n");
    ::unlink(path.c_str());
}

TEST(CreateVerb, BadConfigNamesFileAndLineWithoutAsking) {
    FakeDaemon daemon([](const FakeRequest&) { return http_response(201, "Created", "{}"); });
    const auto path = temp_file("name = \"web1\"\nmemory = 0\n");
    auto cmd = command(Verb::create);
    cmd.file = path;
    auto r = run_verb(daemon.path(), cmd);
    EXPECT_EQ(r.rc, 1);
    EXPECT_EQ(r.err.rfind("domus: error: " + path + ": line 2: ", 0), 0u) << r.err;
    EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
    EXPECT_TRUE(daemon.requests().empty());
    ::unlink(path.c_str());
}

TEST(CreateVerb, MissingFile) {
    auto cmd = command(Verb::create);
    cmd.file = "/nonexistent/web1.cfg";
    auto r = run_verb(test::dead_socket_path(), cmd);
    EXPECT_EQ(r.rc, 1);
    EXPECT_EQ(r.err,
              "domus: error: cannot read /nonexistent/web1.cfg: No such file or directory\n");
}

TEST(ConfigVerb, PrintsXlCfg) {
    FakeDaemon daemon([](const FakeRequest&) { return http_response(200, "OK", kWeb1); });
    auto r = run_verb(daemon.path(), command(Verb::config, "web1"));
    EXPECT_EQ(r.rc, 0) << r.err;
    EXPECT_EQ(r.out,
              "name = \"web1\"\nmemory = 64\nvcpus = 1\ncmdline = \"service\"\n"
              "on_poweroff = \"destroy\"\non_reboot = \"restart\"\non_crash = \"destroy\"\n");
}

TEST(EventsVerb, PrintsOnePerLine) {
    FakeDaemon daemon([](const FakeRequest&) {
        return http_response(200, "OK",
                             R"({"events":[{"id":1,"time":0,"domain":"web1","type":"created",)"
                             R"("detail":""},{"id":2,"time":1500,"domain":"web1",)"
                             R"("type":"started","detail":"pid 42"}],"last_id":2})");
    });
    auto r = run_verb(daemon.path(), command(Verb::events));
    EXPECT_EQ(r.rc, 0) << r.err;
    EXPECT_EQ(r.out,
              "1970-01-01T00:00:00.000Z web1 created\n"
              "1970-01-01T00:00:01.500Z web1 started pid 42\n");
    EXPECT_EQ(daemon.requests().at(0).target, "/v1/events?after=0");
}

TEST(EventsVerb, FollowLongPollsFromTheLastId) {
    std::atomic<int> calls{0};
    FakeDaemon daemon([&](const FakeRequest&) {
        switch (++calls) {
            case 1:
                return http_response(200, "OK",
                                     R"({"events":[{"id":4,"time":0,"domain":"a","type":"x"}],)"
                                     R"("last_id":4})");
            case 2:
                return http_response(200, "OK",
                                     R"({"events":[{"id":5,"time":0,"domain":"b","type":"y"}],)"
                                     R"("last_id":5})");
            default:
                return http_response(503, "Service Unavailable",
                                     R"({"error":{"code":"unavailable","message":"bye"}})");
        }
    });
    auto cmd = command(Verb::events);
    cmd.follow = true;
    cmd.json = true;
    cmd.after = 3;
    auto r = run_verb(daemon.path(), cmd);
    EXPECT_EQ(r.rc, 1);
    EXPECT_EQ(r.err, "domus: error: bye\n");
    EXPECT_EQ(r.out, R"({"id":4,"time":0,"domain":"a","type":"x"})"
                     "\n"
                     R"({"id":5,"time":0,"domain":"b","type":"y"})"
                     "\n");
    auto reqs = daemon.requests();
    ASSERT_EQ(reqs.size(), 3u);
    EXPECT_EQ(reqs[0].target, "/v1/events?after=3&timeout=30");
    EXPECT_EQ(reqs[1].target, "/v1/events?after=4&timeout=30");
    EXPECT_EQ(reqs[2].target, "/v1/events?after=5&timeout=30");
}

}  // namespace
}  // namespace domus::cli
