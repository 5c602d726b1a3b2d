// The one line `domus` prints when something fails.
#include "cli/errors.hpp"

#include <gtest/gtest.h>

namespace domus::cli {
namespace {

const char* const kInvalidMemory =
    "{\"error\":{\"code\":\"invalid_field\",\"message\":\"memory 0 MiB is too small "
    "(at least 4 MiB)\",\"field\":\"memory\"}}";

TEST(ErrorText, ApiErrorWithField) {
    auto e = api_error(400, "Bad Request", kInvalidMemory);
    EXPECT_EQ(e.message, "error: memory 0 MiB is too small (at least 4 MiB) (field: memory)");
}

TEST(ErrorText, ApiErrorWithoutField) {
    EXPECT_EQ(api_error(404, "Not Found",
                        R"({"error":{"code":"not_found","message":"no domain named web9"}})")
                  .message,
              "error: no domain named web9");
    EXPECT_EQ(api_error(409, "Conflict",
                        R"({"error":{"code":"conflict","message":"web1 is running","field":""}})")
                  .message,
              "error: web1 is running");
    EXPECT_EQ(api_error(409, "", R"({"error":{"message":"x","field":null}})").message, "error: x");
}

TEST(ErrorText, NotAnApiErrorObject) {
    EXPECT_EQ(api_error(502, "Bad Gateway", "upstream\nsecond line").message,
              "error: domusd answered HTTP 502 Bad Gateway: upstream");
    EXPECT_EQ(api_error(500, "Internal Server Error", "").message,
              "error: domusd answered HTTP 500 Internal Server Error");
    EXPECT_EQ(api_error(400, "Bad Request", R"({"error":"flat"})").message,
              "error: domusd answered HTTP 400 Bad Request: {\"error\":\"flat\"}");
}

TEST(ErrorText, AlwaysOneLine) {
    auto e = api_error(400, "", R"({"error":{"message":"line1\nline2\ttab"}})");
    EXPECT_EQ(e.message, "error: line1 line2 tab");
    EXPECT_EQ(cli_error("a\r\nb").message, "error: a  b");
    std::string huge(5000, 'x');
    EXPECT_LE(api_error(400, "", R"({"error":{"message":")" + huge + "\"}}").message.size(), 420u);
}

TEST(ErrorText, Unreachable) {
    EXPECT_EQ(unreachable_error("/run/domus/domusd.sock", "No such file or directory").message,
              "cannot reach domusd at /run/domus/domusd.sock: No such file or directory "
              "(is domusd running? start it with: domusd)");
}

TEST(ErrorText, OneLine) {
    EXPECT_EQ(one_line("abc"), "abc");
    EXPECT_EQ(one_line("abc\n"), "abc");
    EXPECT_EQ(one_line("abcdefgh", 6), "abc...");
    EXPECT_EQ(one_line(std::string("a\0b", 3)), "a b");
}

TEST(ErrorText, ReportPrintsOneLineAndReturnsOne) {
    testing::internal::CaptureStderr();
    const int rc = report(cli_error("boom"));
    EXPECT_EQ(testing::internal::GetCapturedStderr(), "domus: error: boom\n");
    EXPECT_EQ(rc, 1);
}

}  // namespace
}  // namespace domus::cli
