// The whole domain lifecycle through domusd's API, with real monitors and guests.
#include <gtest/gtest.h>
#include <stdlib.h>
#include <unistd.h>

#include <string>
#include <thread>

#include "daemon_fixture.hpp"

namespace domus::test {
namespace {

namespace json = boost::json;

bool console_has(const Daemon& d, const std::string& name, const std::string& needle,
                 double timeout_s = 10) {
    for (int i = 0; i < timeout_s * 50; ++i) {
        if (d.request("GET", "/v1/domains/" + name + "/console?tail=200").body.find(needle) !=
            std::string::npos) {
            return true;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return false;
}

TEST(DaemonLifecycle, CreateStartPauseShutdownDestroyDelete) {
    DOMUS_REQUIRE_DAEMON();
    Daemon d;
    ASSERT_TRUE(d.start()) << d.log();

    int status = 0;
    auto created = d.json("POST", "/v1/domains", R"({"name":"web1","cmdline":"service"})", &status);
    ASSERT_EQ(status, 201) << json::serialize(created);
    EXPECT_EQ(str(created.as_object(), "state"), "stopped");

    auto list = d.json("GET", "/v1/domains");
    ASSERT_TRUE(list.is_object());
    const auto& domains = list.as_object().at("domains").as_array();
    ASSERT_EQ(domains.size(), 2u);
    EXPECT_EQ(str(domains[0].as_object(), "name"), "Domain-0");
    EXPECT_EQ(num(domains[0].as_object(), "id"), 0);

    auto started = d.json("POST", "/v1/domains/web1/start", "", &status);
    ASSERT_EQ(status, 200) << json::serialize(started) << d.log();
    EXPECT_EQ(str(started.as_object(), "state"), "running");
    EXPECT_GT(num(started.as_object(), "pid"), 0);
    EXPECT_TRUE(console_has(d, "web1", "service: heartbeat 1")) << d.log();

    d.json("POST", "/v1/domains/web1/start", "", &status);
    EXPECT_EQ(status, 409);  // already running

    auto paused = d.json("POST", "/v1/domains/web1/pause", "", &status);
    EXPECT_EQ(status, 200) << json::serialize(paused);
    EXPECT_EQ(str(paused.as_object(), "state"), "paused");
    auto again = d.json("POST", "/v1/domains/web1/pause", "", &status);
    EXPECT_EQ(status, 409);
    EXPECT_NE(json::serialize(again).find("paused"), std::string::npos) << json::serialize(again);
    d.json("POST", "/v1/domains/web1/unpause", "", &status);
    EXPECT_EQ(status, 200);

    auto shut = d.json("POST", "/v1/domains/web1/shutdown", "", &status);
    EXPECT_EQ(status, 202) << json::serialize(shut);
    auto stopped = d.wait_state("web1", "stopped");
    EXPECT_EQ(str(stopped, "state"), "stopped") << json::serialize(stopped);
    ASSERT_TRUE(stopped.contains("last_exit") && stopped.at("last_exit").is_object());
    EXPECT_EQ(str(stopped.at("last_exit").as_object(), "reason"), "poweroff");
    EXPECT_TRUE(console_has(d, "web1", "service: shutdown requested"));

    d.json("POST", "/v1/domains/web1/start", "", &status);
    EXPECT_EQ(status, 200);
    auto destroyed = d.json("POST", "/v1/domains/web1/destroy", "", &status);
    EXPECT_EQ(status, 200);
    EXPECT_EQ(str(destroyed.as_object(), "state"), "stopped");
    EXPECT_TRUE(monitors_under(d.dir()).empty());

    EXPECT_EQ(d.request("DELETE", "/v1/domains/web1").status, 204);
    EXPECT_EQ(d.request("GET", "/v1/domains/web1").status, 404);

    auto events = d.json("GET", "/v1/events?after=0");
    std::string all = json::serialize(events);
    for (const char* type : {"created", "started", "paused", "unpaused", "shutdown_requested",
                             "stopped", "destroyed", "deleted"}) {
        EXPECT_NE(all.find(std::string("\"") + type + "\""), std::string::npos) << type << all;
    }
}

TEST(DaemonLifecycle, RebootRestartsThroughThePolicy) {
    DOMUS_REQUIRE_DAEMON();
    Daemon d;
    ASSERT_TRUE(d.start()) << d.log();
    int status = 0;
    auto v =
        d.json("POST", "/v1/domains?start=true", R"({"name":"r1","cmdline":"service"})", &status);
    ASSERT_EQ(status, 201) << json::serialize(v) << d.log();
    const int64_t first_pid = num(v.as_object(), "pid");
    ASSERT_TRUE(console_has(d, "r1", "service: heartbeat"));
    d.json("POST", "/v1/domains/r1/reboot", "", &status);
    EXPECT_EQ(status, 202);
    for (int i = 0; i < 500; ++i) {
        auto cur = d.json("GET", "/v1/domains/r1").as_object();
        if (num(cur, "restarts") == 1 && str(cur, "state") == "running") break;
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    auto cur = d.json("GET", "/v1/domains/r1").as_object();
    EXPECT_EQ(str(cur, "state"), "running") << json::serialize(cur);
    EXPECT_EQ(num(cur, "restarts"), 1) << json::serialize(cur);
    EXPECT_NE(num(cur, "pid"), first_pid);
    EXPECT_EQ(monitors_under(d.dir()).size(), 1u);
}

TEST(DaemonLifecycle, PatchOnlyLiveFieldsWhileRunning) {
    DOMUS_REQUIRE_DAEMON();
    Daemon d;
    ASSERT_TRUE(d.start()) << d.log();
    int status = 0;
    d.json("POST", "/v1/domains?start=true", R"({"name":"p1","cmdline":"service"})", &status);
    ASSERT_EQ(status, 201) << d.log();
    auto bad = d.json("PATCH", "/v1/domains/p1", R"({"memory":128})", &status);
    EXPECT_EQ(status, 409) << json::serialize(bad);
    const std::string msg = json::serialize(bad);
    EXPECT_NE(msg.find("memory"), std::string::npos) << msg;
    EXPECT_NE(msg.find("on_crash"), std::string::npos) << msg;
    auto ok = d.json("PATCH", "/v1/domains/p1", R"({"on_crash":"preserve"})", &status);
    EXPECT_EQ(status, 200) << json::serialize(ok);
    EXPECT_EQ(str(ok.as_object(), "on_crash"), "preserve");
    d.json("POST", "/v1/domains/p1/destroy", "", &status);
    auto mem = d.json("PATCH", "/v1/domains/p1", R"({"memory":128})", &status);
    EXPECT_EQ(status, 200) << json::serialize(mem);
    EXPECT_EQ(num(mem.as_object(), "memory"), 128);
}

TEST(DaemonLifecycle, HostMetricsAndOpenApi) {
    DOMUS_REQUIRE_DAEMON();
    Daemon d;
    ASSERT_TRUE(d.start()) << d.log();
    auto host = d.json("GET", "/v1/host");
    ASSERT_TRUE(host.is_object());
    const bool pvm = run_domus({"info", "--json"}).out.find("\"pvm\":true") != std::string::npos;
    EXPECT_EQ(str(host.as_object(), "backend"), pvm ? "PVM" : "hardware KVM");
    EXPECT_GT(num(host.as_object(), "cpus"), 0);
    int status = 0;
    d.json("POST", "/v1/domains?start=true", R"({"name":"m1","cmdline":"service"})", &status);
    ASSERT_EQ(status, 201);
    auto metrics = d.request("GET", "/metrics");
    EXPECT_EQ(metrics.status, 200);
    EXPECT_NE(metrics.body.find("domus_domains{state=\"running\"} 1"), std::string::npos)
        << metrics.body;
    EXPECT_NE(metrics.body.find("domus_domain_vcpu_seconds_total{domain=\"m1\"}"),
              std::string::npos);
    auto spec = d.json("GET", "/openapi.json");
    ASSERT_TRUE(spec.is_object());
    EXPECT_TRUE(spec.as_object().contains("paths"));
}

// `events-kept` bounds the event log: older events are deleted in batches, newer ids go on.
TEST(DaemonLifecycle, OldEventsArePrunedBeyondEventsKept) {
    DOMUS_REQUIRE_DAEMON_BINARIES();
    char conf[] = "/tmp/domus-events-kept-XXXXXX";
    const int fd = ::mkstemp(conf);
    ASSERT_GE(fd, 0);
    const std::string text = "events-kept = 100\n";
    ASSERT_EQ(::write(fd, text.data(), text.size()), static_cast<ssize_t>(text.size()));
    ::close(fd);
    Daemon d({"--config", conf});
    const bool started = d.start();
    ::unlink(conf);
    ASSERT_TRUE(started) << d.log();
    for (int i = 0; i < 60; ++i) {  // 120 events: created, deleted
        const std::string name = "e" + std::to_string(i);
        ASSERT_EQ(d.request("POST", "/v1/domains", R"({"name":")" + name + R"("})").status, 201);
        ASSERT_EQ(d.request("DELETE", "/v1/domains/" + name).status, 204);
    }
    const auto doc = d.json("GET", "/v1/events?after=0").as_object();
    const auto& events = doc.at("events").as_array();
    EXPECT_GE(events.size(), 100u);
    EXPECT_LT(events.size(), 110u);  // pruned once per batch of events-kept/10
    ASSERT_FALSE(events.empty());
    EXPECT_GT(num(events.front().as_object(), "id"), 1);
    EXPECT_EQ(num(doc, "last_id"), 120);
    EXPECT_EQ(str(events.back().as_object(), "domain"), "e59");
    EXPECT_EQ(str(events.back().as_object(), "type"), "deleted");
}

// The list answers from memory: definitions and states at once, a running domain's figures as
// sampled from its monitor (every second by default), never a stopped domain's old figures.
TEST(DaemonLifecycle, ListShowsChangesAtOnceAndSampledLiveFigures) {
    DOMUS_REQUIRE_DAEMON();
    Daemon d;
    ASSERT_TRUE(d.start()) << d.log();
    auto entry = [&](const std::string& name) {
        auto list = d.json("GET", "/v1/domains");
        for (const auto& v : list.as_object().at("domains").as_array()) {
            if (str(v.as_object(), "name") == name) return v.as_object();
        }
        return json::object{};
    };
    int status = 0;
    d.json("POST", "/v1/domains", R"({"name":"s1","cmdline":"service"})", &status);
    ASSERT_EQ(status, 201);
    EXPECT_EQ(str(entry("s1"), "state"), "stopped");
    d.json("POST", "/v1/domains/s1/start", "", &status);
    ASSERT_EQ(status, 200) << d.log();
    EXPECT_EQ(str(entry("s1"), "state"), "running");
    EXPECT_EQ(num(d.json("GET", "/v1/host").as_object(), "domains_running"), 1);

    int64_t exits = 0, vcpu_ns = 0;
    for (int i = 0; i < 250 && (exits == 0 || vcpu_ns == 0); ++i) {  // up to 5 s
        const auto stats = entry("s1").at("stats").as_object();
        exits = num(stats, "exits");
        vcpu_ns = num(stats, "vcpu_time_ns");
        if (exits == 0 || vcpu_ns == 0) std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    EXPECT_GT(exits, 0);
    EXPECT_GT(vcpu_ns, 0);
    // The figures move on while it runs (the service workload ticks every second).
    int64_t later = exits;
    for (int i = 0; i < 250 && later == exits; ++i) {
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
        later = num(entry("s1").at("stats").as_object(), "exits");
    }
    EXPECT_GT(later, exits);
    // The metric is there and counts the exits (missing or zero both fail).
    const auto metrics = d.request("GET", "/metrics").body;
    const std::string series = "\ndomus_domain_exits_total{domain=\"s1\"} ";
    const size_t at = metrics.find(series);
    ASSERT_NE(at, std::string::npos) << metrics;
    EXPECT_GT(std::stoll(metrics.substr(at + series.size())), 0) << metrics;

    d.json("POST", "/v1/domains/s1/destroy", "", &status);
    ASSERT_EQ(status, 200);
    const auto stopped = entry("s1");
    EXPECT_EQ(str(stopped, "state"), "stopped");
    EXPECT_EQ(num(stopped.at("stats").as_object(), "exits"), 0);
    EXPECT_EQ(num(d.json("GET", "/v1/host").as_object(), "domains_running"), 0);
    ASSERT_EQ(d.request("DELETE", "/v1/domains/s1").status, 204);
    EXPECT_TRUE(entry("s1").empty());
}

}  // namespace
}  // namespace domus::test
