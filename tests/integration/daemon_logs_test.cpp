// `log-format = json`: every line domusd and a domain's domus-vmm write on stderr is one JSON
// object (a real parser reads each one), and every line about a domain names it and its id.
#include <gtest/gtest.h>
#include <unistd.h>

#include <fstream>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "daemon_fixture.hpp"

namespace domus::test {
namespace {

namespace json = boost::json;

std::string slurp(const std::string& path) {
    std::ifstream in(path);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

// Each line parsed; a line that is not one JSON object fails the test (naming it).
std::vector<json::object> parse_lines(const std::string& text, const std::string& what) {
    std::vector<json::object> out;
    std::istringstream in(text);
    std::string line;
    while (std::getline(in, line)) {
        boost::system::error_code ec;
        auto v = json::parse(line, ec);
        if (ec || !v.is_object()) {
            ADD_FAILURE() << what << ": not a JSON object: " << line;
            continue;
        }
        auto& o = v.as_object();
        EXPECT_FALSE(str(o, "level").empty()) << line;
        EXPECT_FALSE(str(o, "msg").empty()) << line;
        out.push_back(std::move(o));
    }
    return out;
}

TEST(DaemonLogs, JsonLinesForTheDaemonAndTheMonitorWithTheDomainOnEach) {
    DOMUS_REQUIRE_DAEMON();
    char conf[] = "/tmp/domus-log-format-XXXXXX";
    const int fd = ::mkstemp(conf);
    ASSERT_GE(fd, 0);
    const std::string text = "log-format = json\n";
    ASSERT_EQ(::write(fd, text.data(), text.size()), static_cast<ssize_t>(text.size()));
    ::close(fd);
    Daemon d({"--config", conf, "--verbose"});
    const bool started = d.start();
    ::unlink(conf);
    ASSERT_TRUE(started) << d.log();

    int status = 0;
    auto v =
        d.json("POST", "/v1/domains?start=true", R"({"name":"lg","cmdline":"service"})", &status);
    ASSERT_EQ(status, 201) << json::serialize(v) << d.log();
    const int64_t id = num(v.as_object(), "id");
    ASSERT_GT(id, 0);
    ASSERT_EQ(d.request("POST", "/v1/domains/lg/pause").status, 200);
    ASSERT_EQ(d.request("POST", "/v1/domains/lg/unpause").status, 200);
    ASSERT_EQ(d.request("POST", "/v1/domains/lg/destroy").status, 200);
    // The monitor's stderr, before delete removes the domain's files.
    const std::string id_s = std::to_string(id);
    const std::string vmm_log = slurp(d.state_dir() + "/run/" + id_s + "/" + id_s + ".log");
    ASSERT_EQ(d.request("DELETE", "/v1/domains/lg").status, 204);

    // The monitor: every line JSON, every line with the domain's name and id.
    const auto vmm_lines = parse_lines(vmm_log, "domus-vmm");
    ASSERT_GE(vmm_lines.size(), 2u) << vmm_log;  // running ..., ended ...
    bool running = false, ended = false;
    for (const auto& o : vmm_lines) {
        EXPECT_EQ(str(o, "component"), "domus-vmm") << json::serialize(o);
        EXPECT_EQ(str(o, "domain"), "lg") << json::serialize(o);
        EXPECT_EQ(num(o, "id"), id) << json::serialize(o);
        EXPECT_FALSE(str(o, "time").empty()) << json::serialize(o);
        running |= str(o, "msg").rfind("running, pid ", 0) == 0;
        ended |= str(o, "msg").rfind("ended: destroyed", 0) == 0;
    }
    EXPECT_TRUE(running) << vmm_log;
    EXPECT_TRUE(ended) << vmm_log;

    // The daemon: every line JSON; its lines about the domain carry its name and id, one per
    // lifecycle event; request lines (--verbose) are there too.
    const std::string daemon_log = d.log();
    const auto lines = parse_lines(daemon_log, "domusd");
    std::set<std::string> events;
    bool request_line = false;
    for (const auto& o : lines) {
        EXPECT_EQ(str(o, "component"), "domusd") << json::serialize(o);
        const std::string msg = str(o, "msg");
        if (msg.find("/v1/domains/lg/pause -> 200") != std::string::npos) request_line = true;
        if (!o.contains("domain")) continue;
        EXPECT_EQ(str(o, "domain"), "lg") << json::serialize(o);
        EXPECT_EQ(num(o, "id"), id) << json::serialize(o);
        events.insert(msg.substr(0, msg.find(':')));
    }
    EXPECT_TRUE(request_line) << daemon_log;
    for (const char* e : {"created", "started", "paused", "unpaused", "destroyed", "deleted"}) {
        EXPECT_EQ(events.count(e), 1u) << e << "\n" << daemon_log;
    }
}

}  // namespace
}  // namespace domus::test
