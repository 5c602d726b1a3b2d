// Processes dying: the daemon (kill -9, then restart: every live monitor re-adopted) and a
// monitor (kill -9: crashed, then on_crash applies).
#include <gtest/gtest.h>
#include <signal.h>

#include <algorithm>
#include <set>
#include <thread>

#include "daemon_fixture.hpp"

namespace domus::test {
namespace {

namespace json = boost::json;

TEST(DaemonFaults, Kill9OfTheDaemonLosesNoDomain) {
    DOMUS_REQUIRE_DAEMON();
    Daemon d;
    ASSERT_TRUE(d.start()) << d.log();
    std::map<std::string, int64_t> pids;
    for (const char* name : {"a1", "a2", "a3"}) {
        int status = 0;
        auto v = d.json("POST", "/v1/domains?start=true",
                        std::string(R"({"name":")") + name + R"(","cmdline":"service"})", &status);
        ASSERT_EQ(status, 201) << json::serialize(v) << d.log();
        pids[name] = pid_of(v.as_object());
    }
    int status = 0;
    d.json("POST", "/v1/domains/a2/pause", "", &status);
    ASSERT_EQ(status, 200);

    d.kill9();
    ASSERT_EQ(monitors_under(d.dir()).size(), 3u) << "monitors must outlive the daemon";
    ASSERT_TRUE(d.start()) << d.log();

    for (const auto& [name, pid] : pids) {
        auto v = d.json("GET", "/v1/domains/" + name).as_object();
        EXPECT_EQ(pid_of(v), pid) << name << " was not re-adopted: " << json::serialize(v);
        EXPECT_EQ(str(v, "state"), name == "a2" ? "paused" : "running") << json::serialize(v);
    }
    EXPECT_EQ(monitors_under(d.dir()).size(), 3u) << "no monitor may be duplicated";
    auto events = json::serialize(d.json("GET", "/v1/events?after=0"));
    EXPECT_NE(events.find("\"adopted\""), std::string::npos) << events;
    // Re-adopted domains are fully controllable.
    d.json("POST", "/v1/domains/a1/destroy", "", &status);
    EXPECT_EQ(status, 200);
    d.json("POST", "/v1/domains/a2/unpause", "", &status);
    EXPECT_EQ(status, 200);
    EXPECT_EQ(monitors_under(d.dir()).size(), 2u);
}

TEST(DaemonFaults, MonitorEndingWhileDaemonIsDownIsNoticedAtRestart) {
    DOMUS_REQUIRE_DAEMON();
    Daemon d;
    ASSERT_TRUE(d.start()) << d.log();
    int status = 0;
    d.json("POST", "/v1/domains?start=true",
           R"({"name":"b1","cmdline":"service","on_crash":"preserve"})", &status);
    ASSERT_EQ(status, 201) << d.log();
    d.kill9();
    for (pid_t p : monitors_under(d.dir())) ::kill(p, SIGKILL);
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    ASSERT_TRUE(d.start()) << d.log();
    auto v = d.json("GET", "/v1/domains/b1").as_object();
    EXPECT_EQ(str(v, "state"), "crashed") << json::serialize(v);
    EXPECT_EQ(str(v.at("last_exit").as_object(), "reason"), "monitor_died");
}

TEST(DaemonFaults, Kill9OfAMonitorMarksCrashedAndAppliesThePolicy) {
    DOMUS_REQUIRE_DAEMON();
    Daemon d;
    ASSERT_TRUE(d.start()) << d.log();
    int status = 0;
    auto pres = d.json("POST", "/v1/domains?start=true",
                       R"({"name":"keep","cmdline":"service","on_crash":"preserve"})", &status);
    ASSERT_EQ(status, 201) << json::serialize(pres);
    auto rest = d.json("POST", "/v1/domains?start=true",
                       R"({"name":"again","cmdline":"service","on_crash":"restart"})", &status);
    ASSERT_EQ(status, 201) << json::serialize(rest);
    auto dest =
        d.json("POST", "/v1/domains?start=true", R"({"name":"gone","cmdline":"service"})", &status);
    ASSERT_EQ(status, 201) << json::serialize(dest);

    ::kill(static_cast<pid_t>(pid_of(pres.as_object())), SIGKILL);
    ::kill(static_cast<pid_t>(pid_of(rest.as_object())), SIGKILL);
    ::kill(static_cast<pid_t>(pid_of(dest.as_object())), SIGKILL);

    auto keep = d.wait_state("keep", "crashed");
    EXPECT_EQ(str(keep, "state"), "crashed") << json::serialize(keep);
    ASSERT_TRUE(keep.contains("last_exit") && keep.at("last_exit").is_object());
    EXPECT_EQ(str(keep.at("last_exit").as_object(), "reason"), "monitor_died");

    auto gone = d.wait_state("gone", "stopped");
    EXPECT_EQ(str(gone, "state"), "stopped") << json::serialize(gone);

    for (int i = 0; i < 500; ++i) {
        auto a = d.json("GET", "/v1/domains/again").as_object();
        if (str(a, "state") == "running" && pid_of(a) != pid_of(rest.as_object())) break;
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    auto again = d.json("GET", "/v1/domains/again").as_object();
    EXPECT_EQ(str(again, "state"), "running") << json::serialize(again);
    EXPECT_NE(pid_of(again), pid_of(rest.as_object()));
    auto events = json::serialize(d.json("GET", "/v1/events?after=0"));
    EXPECT_NE(events.find("\"crashed\""), std::string::npos);
    EXPECT_NE(events.find("\"restarted\""), std::string::npos);
}

TEST(DaemonFaults, GuestCrashIsReportedWithTheReason) {
    DOMUS_REQUIRE_DAEMON();
    Daemon d;
    ASSERT_TRUE(d.start()) << d.log();
    int status = 0;
    d.json("POST", "/v1/domains?start=true",
           R"({"name":"c1","cmdline":"crash","on_crash":"preserve"})", &status);
    // The monitor answers its handshake once the vCPUs started, whatever the guest then does:
    // the start succeeds, and the crash that follows is the domain's next state.
    ASSERT_EQ(status, 201) << d.log();
    auto v = d.wait_state("c1", "crashed");
    EXPECT_EQ(str(v, "state"), "crashed") << json::serialize(v);
    EXPECT_EQ(str(v.at("last_exit").as_object(), "reason"), "crash") << json::serialize(v);
}

TEST(DaemonFaults, FiftyConcurrentCreatesAndDestroysEndConsistent) {
    DOMUS_REQUIRE_DAEMON();
    Daemon d;
    ASSERT_TRUE(d.start()) << d.log();
    constexpr int kDomains = 50;
    std::vector<std::thread> threads;
    std::atomic<int> created{0}, destroyed{0};
    for (int t = 0; t < 5; ++t) {
        threads.emplace_back([&, t] {
            for (int i = t; i < kDomains; i += 5) {
                const std::string name = "c" + std::to_string(i);
                int status = 0;
                d.json("POST", "/v1/domains?start=true",
                       R"({"name":")" + name + R"(","cmdline":"service","memory":16})", &status);
                if (status == 201) ++created;
                if (i % 2 == 0) {
                    d.json("POST", "/v1/domains/" + name + "/destroy", "", &status);
                    if (status == 200) ++destroyed;
                }
            }
        });
    }
    for (auto& t : threads) t.join();
    EXPECT_EQ(created.load(), kDomains) << d.log();
    EXPECT_EQ(destroyed.load(), kDomains / 2);
    auto list = d.json("GET", "/v1/domains").as_object().at("domains").as_array();
    int running = 0, stopped = 0;
    std::set<int64_t> pids;
    for (const auto& v : list) {
        const auto& o = v.as_object();
        if (str(o, "name") == "Domain-0") continue;
        if (str(o, "state") == "running") {
            ++running;
            pids.insert(pid_of(o));
        }
        if (str(o, "state") == "stopped") ++stopped;
    }
    EXPECT_EQ(running, kDomains / 2);
    EXPECT_EQ(stopped, kDomains / 2);
    EXPECT_EQ(pids.size(), static_cast<size_t>(kDomains / 2));
    EXPECT_EQ(monitors_under(d.dir()).size(), static_cast<size_t>(kDomains / 2));
}

}  // namespace
}  // namespace domus::test
