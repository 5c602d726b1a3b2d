// The registry's text exposition, checked line by line, and by Prometheus' own linter
// (`promtool check metrics`, Debian's prometheus package) when it is installed.
#include "telemetry/metrics.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cmath>
#include <cstdio>
#include <limits>
#include <thread>

namespace domus::telemetry {
namespace {

TEST(Metrics, NamesAndEscaping) {
    EXPECT_TRUE(valid_metric_name("domus_api_requests_total"));
    EXPECT_TRUE(valid_metric_name("a:b_c1"));
    for (const char* bad : {"", "1abc", "a-b", "a b", "é"}) {
        EXPECT_FALSE(valid_metric_name(bad)) << bad;
    }
    EXPECT_TRUE(valid_label_name("route"));
    for (const char* bad : {"", "__x", "a:b", "9a"}) EXPECT_FALSE(valid_label_name(bad)) << bad;
    EXPECT_EQ(escape_label_value("a\"b\\c\nd"), "a\\\"b\\\\c\\nd");
    EXPECT_EQ(escape_help("x\\y\nz\"q"), "x\\\\y\\nz\"q");
    EXPECT_EQ(format_value(0.25), "0.25");
    EXPECT_EQ(format_value(3), "3");
    EXPECT_EQ(format_value(std::numeric_limits<double>::infinity()), "+Inf");
    EXPECT_EQ(format_value(std::nan("")), "NaN");
}

TEST(Metrics, CountersHistogramsAndCallbacksExposeInOrder) {
    Registry r;
    auto& requests = r.counter("t_requests_total", "Requests.", {"route", "code"});
    auto& plain = r.counter("t_plain_total", "No labels.");
    auto& latency = r.histogram("t_seconds", "Latency.", {"route"}, {0.001, 0.01, 0.1});
    r.callback({"t_gauge", "A gauge.", "gauge", {"domain"}, [] {
                    return std::vector<std::pair<Labels, double>>{{{"we\"ird"}, 1.5}};
                }});
    requests.inc({"/v1/domains", "200"});
    requests.inc({"/v1/domains", "200"}, 2);
    requests.inc({"/v1/host", "404"});
    requests.inc({"too", "many", "labels"});  // ignored
    latency.observe({"/v1/host"}, 0.0005);
    latency.observe({"/v1/host"}, 0.05);
    latency.observe({"/v1/host"}, 7);
    EXPECT_EQ(requests.value({"/v1/domains", "200"}), 3u);
    EXPECT_EQ(latency.count({"/v1/host"}), 3u);
    (void)plain;
    EXPECT_EQ(r.expose(),
              "# HELP t_requests_total Requests.\n"
              "# TYPE t_requests_total counter\n"
              "t_requests_total{route=\"/v1/domains\",code=\"200\"} 3\n"
              "t_requests_total{route=\"/v1/host\",code=\"404\"} 1\n"
              "# HELP t_plain_total No labels.\n"
              "# TYPE t_plain_total counter\n"
              "t_plain_total 0\n"
              "# HELP t_seconds Latency.\n"
              "# TYPE t_seconds histogram\n"
              "t_seconds_bucket{route=\"/v1/host\",le=\"0.001\"} 1\n"
              "t_seconds_bucket{route=\"/v1/host\",le=\"0.01\"} 1\n"
              "t_seconds_bucket{route=\"/v1/host\",le=\"0.1\"} 2\n"
              "t_seconds_bucket{route=\"/v1/host\",le=\"+Inf\"} 3\n"
              "t_seconds_sum{route=\"/v1/host\"} 7.0505\n"
              "t_seconds_count{route=\"/v1/host\"} 3\n"
              "# HELP t_gauge A gauge.\n"
              "# TYPE t_gauge gauge\n"
              "t_gauge{domain=\"we\\\"ird\"} 1.5\n");
}

TEST(Metrics, ConcurrentIncrementsAreAllCounted) {
    Registry r;
    auto& c = r.counter("t_total", "T.", {"k"});
    std::vector<std::thread> threads;
    for (int t = 0; t < 4; ++t) {
        threads.emplace_back([&, t] {
            for (int i = 0; i < 10000; ++i) c.inc({i % 2 ? "odd" : std::to_string(t % 2)});
        });
    }
    for (auto& t : threads) t.join();
    EXPECT_EQ(c.value({"odd"}) + c.value({"0"}) + c.value({"1"}), 40000u);
}

TEST(Metrics, PromtoolAcceptsTheExposition) {
    if (std::system("command -v promtool >/dev/null 2>&1") != 0) {
        GTEST_SKIP() << "promtool is not installed (scripts/bootstrap installs prometheus)";
    }
    Registry r;
    r.counter("t_requests_total", "Requests.", {"route", "code"}).inc({"/a\"b", "200"});
    r.histogram("t_request_duration_seconds", "Latency.", {"route"}, {0.001, 0.1})
        .observe({"/a"}, 0.01);
    r.callback({"t_resident_bytes", "Bytes.", "gauge", {}, [] {
                    return std::vector<std::pair<Labels, double>>{{{}, 4096}};
                }});
    char path[] = "/tmp/domus-metrics-XXXXXX";
    const int fd = ::mkstemp(path);
    ASSERT_GE(fd, 0);
    const std::string text = r.expose();
    ASSERT_EQ(::write(fd, text.data(), text.size()), static_cast<ssize_t>(text.size()));
    ::close(fd);
    const std::string cmd = std::string("promtool check metrics < ") + path + " 2>&1";
    std::string out;
    FILE* p = ::popen(cmd.c_str(), "r");
    ASSERT_NE(p, nullptr);
    char buf[512];
    while (std::fgets(buf, sizeof buf, p)) out += buf;
    const int rc = ::pclose(p);
    ::unlink(path);
    EXPECT_EQ(rc, 0) << out << text;
    EXPECT_EQ(out, "") << text;  // no lint warnings either
}

}  // namespace
}  // namespace domus::telemetry
