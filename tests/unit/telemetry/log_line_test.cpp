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

TEST(LogLine, TextLinesKeepThePlainFormatWithTheDomainFirst) {
    EXPECT_EQ(format_text_line(Level::info, {"domusd", "", -1}, "serving on /s"),
              "domusd: serving on /s\n");
    EXPECT_EQ(format_text_line(Level::error, {"domus-vmm", "", -1}, "bad kernel"),
              "domus-vmm: error: bad kernel\n");
    EXPECT_EQ(format_text_line(Level::warn, {"domus-vmm", "web1", 3}, "ended: crash"),
              "domus-vmm: web1 (3): warning: ended: crash\n");
    // A hostile message cannot start a new line.
    EXPECT_EQ(format_text_line(Level::info, {"domusd", "", -1}, "a\nb\x7f"),
              "domusd: a\\x0Ab\\x7F\n");
}

TEST(LogLine, FormatNames) {
    EXPECT_EQ(log_format_from_string("text"), LogFormat::text);
    EXPECT_EQ(log_format_from_string("json"), LogFormat::json);
    EXPECT_FALSE(log_format_from_string("Json"));
    EXPECT_FALSE(log_format_from_string(""));
    EXPECT_STREQ(to_string(LogFormat::json), "json");
}

TEST(LogLine, JsonPrefixCompletesToTheSameObject) {
    const std::string prefix = json_line_prefix(Level::error, {"domus-vmm", "we\"b", 7});
    const auto v = boost::json::parse(prefix + "seccomp: x\"}").as_object();
    EXPECT_EQ(v.at("level").as_string(), "error");
    EXPECT_EQ(v.at("component").as_string(), "domus-vmm");
    EXPECT_EQ(v.at("domain").as_string(), "we\"b");
    EXPECT_EQ(v.at("id").as_int64(), 7);
    EXPECT_EQ(v.at("msg").as_string(), "seccomp: x");
}

}  // namespace
}  // namespace domus::telemetry
