// IPv4 addresses, subnets, MAC addresses and interface names as text.
#include "hostnet/addresses.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace domus::hostnet {
namespace {

using ::testing::HasSubstr;

TEST(Ipv4Text, ParsesAndFormats) {
    auto a = parse_ipv4("10.77.0.1");
    ASSERT_TRUE(a.ok()) << a.error;
    EXPECT_EQ(a.value->value, 0x0a4d0001u);
    EXPECT_EQ(format_ipv4(*a.value), "10.77.0.1");
    EXPECT_EQ(parse_ipv4("0.0.0.0").value->value, 0u);
    EXPECT_EQ(parse_ipv4("255.255.255.255").value->value, 0xffffffffu);
}

TEST(Ipv4Text, RefusesEverythingElse) {
    const char* bad[] = {"",           "1.2.3",      "1.2.3.4.5", "1..2.3",   "1.2.3.4 ",
                         " 1.2.3.4",   "256.1.1.1",  "1.2.3.04",  "1.2.3.-4", "a.b.c.d",
                         "1.2.3.4/24", "1.2.3.1000", "0x1.2.3.4", "1.2.3.4\n"};
    for (const char* t : bad) {
        auto a = parse_ipv4(t);
        EXPECT_FALSE(a.ok()) << t;
        EXPECT_THAT(a.error, HasSubstr("IPv4 address")) << t;
    }
    EXPECT_THAT(parse_ipv4(std::string("1.2.3.4\0", 8)).error, HasSubstr("\\x00"));
}

TEST(SubnetText, ParsesWithMaskBroadcastAndMembership) {
    auto s = parse_subnet("10.77.0.0/24");
    ASSERT_TRUE(s.ok()) << s.error;
    EXPECT_EQ(format_subnet(*s.value), "10.77.0.0/24");
    EXPECT_EQ(format_ipv4(s.value->netmask()), "255.255.255.0");
    EXPECT_EQ(format_ipv4(s.value->broadcast()), "10.77.0.255");
    EXPECT_TRUE(s.value->is_host(*parse_ipv4("10.77.0.1").value));
    EXPECT_FALSE(s.value->is_host(*parse_ipv4("10.77.0.0").value));
    EXPECT_FALSE(s.value->is_host(*parse_ipv4("10.77.0.255").value));
    EXPECT_FALSE(s.value->contains(*parse_ipv4("10.77.1.1").value));
    EXPECT_EQ(format_ipv4(parse_subnet("192.168.0.0/30").value->broadcast()), "192.168.0.3");
}

TEST(SubnetText, RefusesBadPrefixesAndHostBits) {
    EXPECT_THAT(parse_subnet("10.77.0.0").error, HasSubstr("no prefix length"));
    EXPECT_THAT(parse_subnet("10.77.0.1/24").error,
                HasSubstr("host bits set (the network is 10.77.0.0/24)"));
    EXPECT_THAT(parse_subnet("10.0.0.0/7").error, HasSubstr("between 8 and 30"));
    EXPECT_THAT(parse_subnet("10.0.0.0/31").error, HasSubstr("between 8 and 30"));
    EXPECT_THAT(parse_subnet("10.0.0.0/024").error, HasSubstr("between 8 and 30"));
    EXPECT_THAT(parse_subnet("10.0.0.0/").error, HasSubstr("between 8 and 30"));
    EXPECT_THAT(parse_subnet("10.0.0.0/2x").error, HasSubstr("between 8 and 30"));
    EXPECT_THAT(parse_subnet("10.0.0/8").error, HasSubstr("IPv4 address"));
}

TEST(MacText, ParsesEitherCaseFormatsLower) {
    auto m = parse_mac("00:16:3E:aB:cd:EF");
    ASSERT_TRUE(m.ok()) << m.error;
    EXPECT_EQ(format_mac(*m.value), "00:16:3e:ab:cd:ef");
    EXPECT_EQ((*m.value)[0], 0x00);
    EXPECT_EQ((*m.value)[5], 0xef);
}

TEST(MacText, RefusesMalformedMulticastAndZero) {
    EXPECT_THAT(parse_mac("00:16:3e:00:00").error, HasSubstr("six hex bytes"));
    EXPECT_THAT(parse_mac("00-16-3e-00-00-01").error, HasSubstr("six hex bytes"));
    EXPECT_THAT(parse_mac("0:16:3e:00:00:001").error, HasSubstr("six hex bytes"));
    EXPECT_THAT(parse_mac("00:16:3e:00:00:0x").error, HasSubstr("six hex bytes"));
    EXPECT_THAT(parse_mac("ff:ff:ff:ff:ff:ff").error, HasSubstr("multicast"));
    EXPECT_THAT(parse_mac("03:00:00:00:00:00").error, HasSubstr("multicast"));
    EXPECT_THAT(parse_mac("00:00:00:00:00:00").error, HasSubstr("all zeros"));
}

TEST(InterfaceNames, LinuxRules) {
    EXPECT_EQ(interface_name_error("bridge", "domus0"), "");
    EXPECT_EQ(interface_name_error("vifname", "vif12.3"), "");
    EXPECT_EQ(interface_name_error("vifname", "abcdefghijklmno"), "");
    EXPECT_THAT(interface_name_error("vifname", "abcdefghijklmnop"), HasSubstr("15 bytes"));
    EXPECT_THAT(interface_name_error("bridge", ""), HasSubstr("bridge is empty"));
    EXPECT_THAT(interface_name_error("bridge", "."), HasSubstr("not a usable"));
    EXPECT_THAT(interface_name_error("bridge", ".."), HasSubstr("not a usable"));
    for (const char* bad : {"a/b", "a:b", "a b", "a\tb", "\xc3\xa9"}) {
        EXPECT_THAT(interface_name_error("bridge", bad), HasSubstr("character")) << bad;
    }
}

}  // namespace
}  // namespace domus::hostnet
