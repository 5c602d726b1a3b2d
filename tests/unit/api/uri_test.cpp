// parse_target and percent_decode.
#include <gtest/gtest.h>

#include "api/uri.hpp"

namespace domus::api {
namespace {

using Segments = std::vector<std::string>;

TEST(PercentDecode, DecodesEscapesAndOptionallyPlus) {
    EXPECT_EQ(percent_decode("a%20b%2Fc", false), "a b/c");
    EXPECT_EQ(percent_decode("a+b", false), "a+b");
    EXPECT_EQ(percent_decode("a+b", true), "a b");
    EXPECT_EQ(percent_decode("%e2%82%AC", false), "\xE2\x82\xAC");
    EXPECT_EQ(percent_decode("%00", false), std::string(1, '\0'));
}

TEST(PercentDecode, RejectsBadEscapes) {
    EXPECT_FALSE(percent_decode("%", false));
    EXPECT_FALSE(percent_decode("%4", false));
    EXPECT_FALSE(percent_decode("%zz", false));
    EXPECT_FALSE(percent_decode("abc%g0", false));
}

TEST(ParseTarget, SplitsSegmentsKeepingEmptyOnes) {
    EXPECT_EQ(parse_target("/v1/domains").value->segments, (Segments{"v1", "domains"}));
    EXPECT_EQ(parse_target("/").value->segments, (Segments{""}));
    EXPECT_EQ(parse_target("/v1//domains").value->segments, (Segments{"v1", "", "domains"}));
    EXPECT_EQ(parse_target("/v1/domains/").value->segments, (Segments{"v1", "domains", ""}));
}

TEST(ParseTarget, DecodesEachSegmentAfterSplitting) {
    const auto t = parse_target("/v1/domains/a%2Fb");
    ASSERT_TRUE(t.ok());
    EXPECT_EQ(t.value->segments, (Segments{"v1", "domains", "a/b"}));
}

TEST(ParseTarget, ParsesQuery) {
    const auto t = parse_target("/v1/events?after=3&timeout=10&&flag&x=a+b%21");
    ASSERT_TRUE(t.ok());
    ASSERT_EQ(t.value->query.size(), 4u);
    EXPECT_EQ(t.value->query[0], (std::pair<std::string, std::string>{"after", "3"}));
    EXPECT_EQ(t.value->query[1].first, "timeout");
    EXPECT_EQ(t.value->query[2], (std::pair<std::string, std::string>{"flag", ""}));
    EXPECT_EQ(t.value->query[3], (std::pair<std::string, std::string>{"x", "a b!"}));
    EXPECT_TRUE(parse_target("/v1/events?").value->query.empty());
}

TEST(ParseTarget, RejectsNonPathsAndBadEscapes) {
    EXPECT_FALSE(parse_target("").ok());
    EXPECT_FALSE(parse_target("*").ok());
    EXPECT_FALSE(parse_target("http://host/v1/domains").ok());
    const auto bad = parse_target("/v1/domains/%zz");
    ASSERT_FALSE(bad.ok());
    EXPECT_EQ(bad.error, "path segment \"%zz\" has a bad %-escape");
    EXPECT_FALSE(parse_target("/v1/events?after=%").ok());
    EXPECT_FALSE(parse_target("/" + std::string(kMaxTargetBytes, 'a')).ok());
}

}  // namespace
}  // namespace domus::api
