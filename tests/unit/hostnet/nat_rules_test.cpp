// The NAT ruleset text and nft's failures reported with its message.
#include "hostnet/nat_rules.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace domus::hostnet {
namespace {

using ::testing::HasSubstr;

TEST(NatRules, MasqueradesTheSubnetLeavingThroughAnyOtherInterface) {
    const std::string r = nat_ruleset(*parse_subnet("10.77.0.0/24").value, "domus0");
    EXPECT_EQ(r.find("add table ip domus\ndelete table ip domus\n"), 0u) << r;
    EXPECT_THAT(r, HasSubstr("type nat hook postrouting priority srcnat"));
    EXPECT_THAT(r, HasSubstr("ip saddr 10.77.0.0/24 ip daddr != 10.77.0.0/24 oifname != "
                             "\"domus0\" masquerade"));
}

TEST(NatRules, AFailingOrMissingNftIsReported) {
    auto st = run_nft("", "/nonexistent/nft");
    ASSERT_FALSE(st.ok());
    EXPECT_THAT(st.error().message, HasSubstr("/nonexistent/nft"));
    auto f = run_nft("", "false");
    ASSERT_FALSE(f.ok());
    EXPECT_THAT(f.error().message, HasSubstr("nft failed"));
    EXPECT_TRUE(run_nft("", "true").ok());
}

}  // namespace
}  // namespace domus::hostnet
