#include "telemetry/log_line.hpp"

#include <gtest/gtest.h>

#include <boost/json.hpp>

namespace domus::telemetry {
namespace {

TEST(LogLine, OneJsonObjectPerLineWithTheDomain) {
    const std::string line =
        format_log_line(Level::warn, {"domus-vmm", "web1", 3}, "running, pid 42", 1796040000123);
    EXPECT_EQ(line,
              "{\"time\":\"2026-11-30T12:00:00.123Z\",\"level\":\"warn\",\"component\":"
              "\"domus-vmm\",\"domain\":\"web1\",\"id\":3,\"msg\":\"running, pid 42\"}\n");
}

TEST(LogLine, NoDomainNoFields) {
    const std::string line = format_log_line(Level::info, {"domusd", "", -1}, "up", 0);
    EXPECT_EQ(line,
              "{\"time\":\"1970-01-01T00:00:00.000Z\",\"level\":\"info\",\"component\":"
              "\"domusd\",\"msg\":\"up\"}\n");
}

TEST(LogLine, AHostileMessageCannotBreakTheLineOrForgeFields) {
    const std::string evil = "x\"}\n{\"level\":\"error\",\"msg\":\"forged\x01\x7f\\";
    const std::string line = format_log_line(Level::info, {"domusd", "we\"b", 1}, evil, 5);
    ASSERT_EQ(line.find('\n'), line.size() - 1) << line;
    const auto v = boost::json::parse(line).as_object();
    EXPECT_EQ(v.at("msg").as_string(), evil);
    EXPECT_EQ(v.at("domain").as_string(), "we\"b");
    EXPECT_EQ(v.at("level").as_string(), "info");
    EXPECT_EQ(v.size(), 6u);
}

}  // namespace
}  // namespace domus::telemetry
