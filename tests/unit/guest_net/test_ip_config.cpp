// ip= parsing: the static forms Linux accepts, the autoconfiguration words refused, and
// hostile values.
#include <gtest/gtest.h>

#include <random>
#include <string>

#include "net/ip_config.hpp"
#include "net/types.hpp"

using namespace net;

namespace {

IpConfigError parse(const std::string& s, IpConfig* c) {
    return parse_ip_config(s.data(), s.size(), c);
}

}  // namespace

TEST(IpConfig, FullStaticForm) {
    IpConfig c;
    ASSERT_EQ(
        parse("10.0.2.15:10.0.2.2:10.0.2.1:255.255.255.0:guest1:eth0:off:1.1.1.1:8.8.8.8", &c),
        IpConfigError::Ok);
    EXPECT_TRUE(c.enabled);
    EXPECT_EQ(c.client, ip4(10, 0, 2, 15));
    EXPECT_EQ(c.server, ip4(10, 0, 2, 2));
    EXPECT_EQ(c.gateway, ip4(10, 0, 2, 1));
    EXPECT_EQ(c.netmask, 0xffffff00u);
    EXPECT_STREQ(c.hostname, "guest1");
    EXPECT_STREQ(c.device, "eth0");
    EXPECT_EQ(c.dns[0], ip4(1, 1, 1, 1));
    EXPECT_EQ(c.dns[1], ip4(8, 8, 8, 8));
}

TEST(IpConfig, ShortFormsAndDefaults) {
    IpConfig c;
    ASSERT_EQ(parse("192.168.1.5", &c), IpConfigError::Ok);
    EXPECT_EQ(c.netmask, 0xffffff00u);  // class C
    ASSERT_EQ(parse("172.16.0.9::::", &c), IpConfigError::Ok);
    EXPECT_EQ(c.netmask, 0xffff0000u);
    ASSERT_EQ(parse("10.1.2.3::10.0.0.1:::eth1:none", &c), IpConfigError::Ok);
    EXPECT_EQ(c.netmask, 0xff000000u);
    EXPECT_STREQ(c.device, "eth1");
    ASSERT_EQ(parse("off", &c), IpConfigError::Ok);
    EXPECT_FALSE(c.enabled);
    ASSERT_EQ(parse("none", &c), IpConfigError::Ok);
    EXPECT_FALSE(c.enabled);
}

TEST(IpConfig, AutoconfRefused) {
    IpConfig c;
    for (const char* s :
         {"dhcp", "bootp", "rarp", "both", "on", "any", "::::::dhcp", "10.0.0.2::::::dhcp"}) {
        EXPECT_EQ(parse(s, &c), IpConfigError::Autoconf) << s;
        EXPECT_FALSE(c.enabled);
    }
    EXPECT_NE(std::string(ip_config_error_text(IpConfigError::Autoconf)).find("not supported"),
              std::string::npos);
}

TEST(IpConfig, HostileValues) {
    IpConfig c;
    EXPECT_EQ(parse("", &c), IpConfigError::Empty);
    EXPECT_EQ(parse_ip_config(nullptr, 0, &c), IpConfigError::Empty);
    for (const char* s : {"256.1.1.1", "1.2.3", "1.2.3.4.5", "1..2.3", "a.b.c.d", "0001.2.3.4",
                          "1.2.3.4 ", "-1.2.3.4", "1.2.3.4:x", "1.2.3.4::1.2.3", ":"}) {
        IpConfigError e = parse(s, &c);
        EXPECT_TRUE(e == IpConfigError::BadAddress || e == IpConfigError::NoClientAddress) << s;
    }
    EXPECT_EQ(parse("10.0.0.2:::255.0.255.0", &c), IpConfigError::BadNetmask);
    EXPECT_EQ(parse("10.0.0.2::192.168.0.1:255.255.255.0", &c), IpConfigError::BadGateway);
    EXPECT_EQ(parse("10.0.0.2::::" + std::string(65, 'h'), &c), IpConfigError::HostnameTooLong);
    EXPECT_EQ(parse("10.0.0.2:::::" + std::string(16, 'e'), &c), IpConfigError::DeviceTooLong);
    EXPECT_EQ(parse("10.0.0.2::::::static", &c), IpConfigError::BadAutoconf);
    EXPECT_EQ(parse("10.0.0.2:::::::::::", &c), IpConfigError::TooManyFields);
    EXPECT_EQ(parse(":::::eth0:off", &c), IpConfigError::NoClientAddress);
    // Random bytes: any result, never a crash; Ok only with a client address.
    std::mt19937 r(1);
    const char alphabet[] = "0123456789.:offdhcpne \xff";
    for (int i = 0; i < 50000; ++i) {
        std::string s(r() % 60, ' ');
        for (auto& ch : s) ch = alphabet[r() % (sizeof(alphabet) - 1)];
        if (parse(s, &c) == IpConfigError::Ok && c.enabled) {
            EXPECT_NE(c.client, 0u);
        }
    }
}
