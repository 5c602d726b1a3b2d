// GET /metrics of a real domusd with a real domain: the exposition passes Prometheus' own
// parser (`promtool check metrics`), every family an operator graphs is there, and the figures
// move with what happens (requests, a start, a pause, a reboot, stream clients, a re-adoption).
// A series that is missing fails the test: every lookup asserts its presence first.
#include <gtest/gtest.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <map>
#include <optional>
#include <string>
#include <thread>

#include "daemon_fixture.hpp"

namespace domus::test {
namespace {

namespace json = boost::json;

// The samples of an exposition: "name{labels}" -> value (labels as the daemon writes them).
using Samples = std::map<std::string, double>;

Samples parse_samples(const std::string& text) {
    Samples out;
    size_t pos = 0;
    while (pos < text.size()) {
        size_t nl = text.find('\n', pos);
        if (nl == std::string::npos) nl = text.size();
        const std::string line = text.substr(pos, nl - pos);
        pos = nl + 1;
        if (line.empty() || line[0] == '#') continue;
        const size_t space = line.rfind(' ');
        if (space == std::string::npos) continue;
        out[line.substr(0, space)] = std::strtod(line.c_str() + space + 1, nullptr);
    }
    return out;
}

// The output of `promtool check metrics` on `text` ("" and exit 0: clean), or why not.
std::string promtool_check(const std::string& text, int& rc) {
    char path[] = "/tmp/domus-scrape-XXXXXX";
    const int fd = ::mkstemp(path);
    if (fd < 0) return "mkstemp failed";
    const bool written = ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size());
    ::close(fd);
    if (!written) return "write failed";
    const std::string cmd = std::string("promtool check metrics < ") + path + " 2>&1";
    std::string out;
    FILE* p = ::popen(cmd.c_str(), "r");
    if (p == nullptr) return "popen failed";
    char buf[512];
    while (std::fgets(buf, sizeof buf, p)) out += buf;
    rc = ::pclose(p);
    ::unlink(path);
    return out;
}

class Scrape {
  public:
    explicit Scrape(const Daemon& d) {
        const auto r = d.request("GET", "/metrics");
        status = r.status;
        text = r.body;
        samples = parse_samples(text);
    }
    std::optional<double> get(const std::string& series) const {
        auto it = samples.find(series);
        if (it == samples.end()) return std::nullopt;
        return it->second;
    }
    bool has_family(const std::string& name, const std::string& type) const {
        return text.find("# TYPE " + name + " " + type + "\n") != std::string::npos;
    }
    int status = 0;
    std::string text;
    Samples samples;
};

// The value of a series that must be there (else the test fails, naming it).
#define SERIES(scrape, series)                                                            \
    ({                                                                                    \
        const auto v_ = (scrape).get(series);                                             \
        if (!v_) ADD_FAILURE() << "missing series " << (series) << "\n" << (scrape).text; \
        v_.value_or(-1.0);                                                                \
    })

// Opens a connection that stays open (an SSE stream, a long-poll, a console WebSocket) and
// reads up to the end of the answer's head (or nothing, for a long-poll that waits).
int open_stream(const Daemon& d, const std::string& request, bool read_head) {
    const int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return -1;
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    std::snprintf(addr.sun_path, sizeof addr.sun_path, "%s", d.socket().c_str());
    if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
        ::write(fd, request.data(), request.size()) != static_cast<ssize_t>(request.size())) {
        ::close(fd);
        return -1;
    }
    std::string head;
    char c;
    while (read_head && head.find("\r\n\r\n") == std::string::npos && ::read(fd, &c, 1) == 1) {
        head += c;
    }
    return fd;
}

// Polls until `series` reaches `want` (the sampler and disconnects are asynchronous).
double wait_series(const Daemon& d, const std::string& series, double want, bool at_least,
                   double timeout_s = 10) {
    double v = -1;
    for (int i = 0; i < timeout_s * 20; ++i) {
        const auto got = Scrape(d).get(series);
        v = got.value_or(-1);
        if (got && (at_least ? v >= want : v == want)) return v;
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    return v;
}

constexpr const char* kDomainRoute = R"(route="/v1/domains/{name}")";

TEST(DaemonMetrics, FamiliesParseWithPromtoolAndMoveWithTheDaemon) {
    DOMUS_REQUIRE_DAEMON();
    if (std::system("command -v promtool >/dev/null 2>&1") != 0) {
        GTEST_SKIP() << "promtool is not installed (scripts/bootstrap installs prometheus)";
    }
    Daemon d;
    ASSERT_TRUE(d.start()) << d.log();

    const Scrape first(d);
    ASSERT_EQ(first.status, 200);
    int rc = -1;
    std::string lint = promtool_check(first.text, rc);
    EXPECT_EQ(rc, 0) << lint << first.text;
    EXPECT_EQ(lint, "") << first.text;
    for (const auto& [name, type] :
         std::map<std::string, std::string>{{"domus_api_requests_total", "counter"},
                                            {"domus_api_request_duration_seconds", "histogram"},
                                            {"domus_api_console_clients", "gauge"},
                                            {"domus_api_event_stream_clients", "gauge"},
                                            {"domus_api_long_poll_clients", "gauge"},
                                            {"domus_monitor_spawns_total", "counter"},
                                            {"domus_monitor_spawn_failures_total", "counter"},
                                            {"domus_lifecycle_events_total", "counter"},
                                            {"domus_restarts_total", "counter"},
                                            {"domus_readoptions_total", "counter"},
                                            {"domus_domains", "gauge"},
                                            {"domus_domain_vcpu_seconds_total", "counter"},
                                            {"domus_domain_exits_total", "counter"},
                                            {"domus_domain_hypercalls_total", "counter"},
                                            {"domus_domain_resident_bytes", "gauge"},
                                            {"domus_host_memory_total_bytes", "gauge"},
                                            {"domus_host_memory_available_bytes", "gauge"},
                                            {"domus_host_memory_assigned_bytes", "gauge"},
                                            {"process_cpu_seconds_total", "counter"},
                                            {"process_resident_memory_bytes", "gauge"},
                                            {"process_open_fds", "gauge"}}) {
        EXPECT_TRUE(first.has_family(name, type)) << name << " " << type << "\n" << first.text;
    }
    EXPECT_EQ(SERIES(first, "domus_monitor_spawns_total"), 0);
    EXPECT_EQ(SERIES(first, "domus_readoptions_total"), 0);
    EXPECT_GE(SERIES(first, "process_cpu_seconds_total"), 0);  // clock ticks: may be 0 yet
    EXPECT_GT(SERIES(first, "process_resident_memory_bytes"), 1 << 20);
    EXPECT_GT(SERIES(first, "process_open_fds"), 2);
    EXPECT_GT(SERIES(first, "domus_host_memory_total_bytes"), 0);
    EXPECT_GT(SERIES(first, "domus_host_memory_available_bytes"), 0);
    EXPECT_EQ(SERIES(first, "domus_host_memory_assigned_bytes"), 0);

    // Requests are counted by route template and status; a client's path is never a label.
    const std::string missing_404 =
        std::string("domus_api_requests_total{method=\"GET\",") + kDomainRoute + ",code=\"404\"}";
    EXPECT_FALSE(first.get(missing_404)) << first.text;
    for (int i = 0; i < 3; ++i) {
        ASSERT_EQ(d.request("GET", "/v1/domains/no-such-domain-" + std::to_string(i)).status, 404);
    }
    ASSERT_EQ(d.request("GET", "/nowhere/client-chosen-path").status, 404);
    const Scrape after_requests(d);
    EXPECT_EQ(SERIES(after_requests, missing_404), 3);
    EXPECT_EQ(SERIES(after_requests, "domus_api_request_duration_seconds_count{method=\"GET\"," +
                                         std::string(kDomainRoute) + "}"),
              3);
    EXPECT_EQ(SERIES(after_requests,
                     R"(domus_api_requests_total{method="GET",route="unmatched",code="404"})"),
              1);
    // The earlier scrape itself was counted when it was answered.
    EXPECT_GE(SERIES(after_requests,
                     R"(domus_api_requests_total{method="GET",route="/metrics",code="200"})"),
              1);
    EXPECT_EQ(after_requests.text.find("no-such-domain"), std::string::npos);
    EXPECT_EQ(after_requests.text.find("client-chosen-path"), std::string::npos);

    // A start: a monitor spawned, events counted, the domain's figures sampled and moving.
    int status = 0;
    auto v = d.json("POST", "/v1/domains?start=true",
                    R"({"name":"mx","memory":64,"cmdline":"service"})", &status);
    ASSERT_EQ(status, 201) << json::serialize(v) << d.log();
    const Scrape started(d);
    EXPECT_EQ(SERIES(started, "domus_monitor_spawns_total"), 1);
    EXPECT_EQ(SERIES(started, "domus_monitor_spawn_failures_total"), 0);
    EXPECT_EQ(SERIES(started, R"(domus_lifecycle_events_total{type="created"})"), 1);
    EXPECT_EQ(SERIES(started, R"(domus_lifecycle_events_total{type="started"})"), 1);
    EXPECT_EQ(SERIES(started, R"(domus_domains{state="running"})"), 1);
    EXPECT_EQ(SERIES(started, "domus_host_memory_assigned_bytes"), 64 << 20);
    EXPECT_EQ(SERIES(started, R"(domus_domain_memory_bytes{domain="mx"})"), 64 << 20);
    EXPECT_GT(wait_series(d, R"(domus_domain_vcpu_seconds_total{domain="mx"})", 1e-9, true), 0);
    EXPECT_GT(wait_series(d, R"(domus_domain_exits_total{domain="mx"})", 1, true), 0);
    EXPECT_GT(wait_series(d, R"(domus_domain_hypercalls_total{domain="mx"})", 1, true), 0);
    EXPECT_GT(wait_series(d, R"(domus_domain_resident_bytes{domain="mx"})", 1, true), 0);
    const double exits = SERIES(Scrape(d), R"(domus_domain_exits_total{domain="mx"})");
    EXPECT_GT(wait_series(d, R"(domus_domain_exits_total{domain="mx"})", exits + 1, true), exits);

    // A pause is a lifecycle event of its type.
    ASSERT_EQ(d.request("POST", "/v1/domains/mx/pause").status, 200);
    const Scrape paused(d);
    EXPECT_EQ(SERIES(paused, R"(domus_lifecycle_events_total{type="paused"})"), 1);
    EXPECT_EQ(SERIES(paused, R"(domus_domains{state="paused"})"), 1);
    ASSERT_EQ(d.request("POST", "/v1/domains/mx/unpause").status, 200);

    // Stream clients: an SSE stream, a long-poll and a console WebSocket, then none.
    const int sse = open_stream(
        d, "GET /v1/events HTTP/1.1\r\nHost: x\r\nAccept: text/event-stream\r\n\r\n", true);
    ASSERT_GE(sse, 0);
    // A long-poll counts until it is answered: a client that leaves is noticed at its timeout.
    const int poll =
        open_stream(d, "GET /v1/events?after=1000000&timeout=3 HTTP/1.1\r\nHost: x\r\n\r\n", false);
    ASSERT_GE(poll, 0);
    const int ws = open_stream(d,
                               "GET /v1/domains/mx/console/ws HTTP/1.1\r\nHost: x\r\n"
                               "Connection: Upgrade\r\nUpgrade: websocket\r\n"
                               "Sec-WebSocket-Version: 13\r\n"
                               "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n",
                               true);
    ASSERT_GE(ws, 0);
    EXPECT_EQ(wait_series(d, "domus_api_event_stream_clients", 1, false), 1);
    EXPECT_EQ(wait_series(d, "domus_api_long_poll_clients", 1, false), 1);
    EXPECT_EQ(wait_series(d, "domus_api_console_clients", 1, false), 1);
    EXPECT_EQ(
        SERIES(
            Scrape(d),
            R"(domus_api_requests_total{method="GET",route="/v1/domains/{name}/console/ws",code="101"})"),
        1);
    ::close(sse);
    ::close(poll);
    ::close(ws);
    EXPECT_EQ(wait_series(d, "domus_api_event_stream_clients", 0, false), 0);
    EXPECT_EQ(wait_series(d, "domus_api_long_poll_clients", 0, false), 0);
    EXPECT_EQ(wait_series(d, "domus_api_console_clients", 0, false), 0);

    // A reboot restarts the domain through its on_reboot policy.
    ASSERT_EQ(d.request("POST", "/v1/domains/mx/reboot").status, 202);
    EXPECT_EQ(wait_series(d, R"(domus_restarts_total{policy="on_reboot"})", 1, false, 20), 1);
    EXPECT_EQ(wait_series(d, "domus_monitor_spawns_total", 2, false), 2);

    // The whole scrape with a running domain still passes promtool.
    const Scrape last(d);
    lint = promtool_check(last.text, rc);
    EXPECT_EQ(rc, 0) << lint << last.text;
    EXPECT_EQ(lint, "") << last.text;
    EXPECT_GT(SERIES(last, "process_cpu_seconds_total"), 0);

    // A new daemon re-adopts the running monitor: counted, and no spawn.
    d.kill9();
    ASSERT_TRUE(d.start()) << d.log();
    const Scrape adopted(d);
    EXPECT_EQ(SERIES(adopted, "domus_readoptions_total"), 1);
    EXPECT_EQ(SERIES(adopted, "domus_monitor_spawns_total"), 0);
    EXPECT_EQ(SERIES(adopted, R"(domus_lifecycle_events_total{type="adopted"})"), 1);
    EXPECT_EQ(SERIES(adopted, R"(domus_domains{state="running"})"), 1);
}

}  // namespace
}  // namespace domus::test
