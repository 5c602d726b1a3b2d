// NIC address assignment (IPs from the subnet, MACs under 00:16:3e, given ones checked against
// the other domains') and the ip= kernel parameter.
#include "control/net_alloc.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace domus::control {
namespace {

using ::testing::HasSubstr;

uint32_t counter() {
    static uint32_t n = 0;
    return ++n * 0x010101u;
}

AddressesInUse used_by_others(std::initializer_list<const char*> ips) {
    AddressesInUse u;
    for (const char* ip : ips) u.ips.insert(hostnet::parse_ipv4(ip).value->value);
    return u;
}

TEST(NetAlloc, LowestFreeAddressSkipsGatewayAndUsed) {
    NetworkOptions net;
    EXPECT_EQ(hostnet::format_ipv4(*allocate_ip(net, {})), "10.77.0.2");
    EXPECT_EQ(hostnet::format_ipv4(*allocate_ip(net, used_by_others({"10.77.0.2", "10.77.0.4"}))),
              "10.77.0.3");
    net.gateway = *hostnet::parse_ipv4("10.77.0.254").value;  // a gateway at the top
    EXPECT_EQ(hostnet::format_ipv4(*allocate_ip(net, {})), "10.77.0.1");
    NetworkOptions tiny;
    tiny.subnet = *hostnet::parse_subnet("10.1.0.0/30").value;  // .1 gateway, .2 the only host
    tiny.gateway = *hostnet::parse_ipv4("10.1.0.1").value;
    EXPECT_EQ(hostnet::format_ipv4(*allocate_ip(tiny, {})), "10.1.0.2");
    EXPECT_FALSE(allocate_ip(tiny, used_by_others({"10.1.0.2"})).has_value());
}

TEST(NetAlloc, MacsUnderXensPrefixAvoidUsedOnes) {
    AddressesInUse used;
    uint32_t fixed = 0xffffffff;
    auto mac = allocate_mac(used, [&] { return fixed; });
    ASSERT_TRUE(mac);
    EXPECT_EQ(hostnet::format_mac(*mac), "00:16:3e:7f:ff:ff");  // top bit of byte 4 clear
    used.macs.insert(*mac);
    int calls = 0;
    auto next = allocate_mac(used, [&] { return ++calls == 1 ? fixed : 0x00010203u; });
    EXPECT_EQ(hostnet::format_mac(*next), "00:16:3e:01:02:03");
    EXPECT_FALSE(allocate_mac(used, [&] { return fixed; }).has_value());  // always colliding
}

TEST(NetAlloc, AssignFillsInKeepsGivenAndReusesPrevious) {
    NetworkOptions net;
    std::vector<NicConfig> nics(3);
    nics[1].ip = "10.77.0.2";  // given: allocation must not hand it to NIC 0
    nics[2].mac = "00:16:3e:00:00:99";
    auto a = assign_nic_addresses(net, nics, {}, {}, counter);
    ASSERT_TRUE(a.ok) << a.error.message;
    EXPECT_EQ(a.nics[0].ip, "10.77.0.3");
    EXPECT_EQ(a.nics[1].ip, "10.77.0.2");
    EXPECT_EQ(a.nics[2].ip, "10.77.0.4");
    EXPECT_EQ(a.nics[2].mac, "00:16:3e:00:00:99");
    EXPECT_NE(a.nics[0].mac, a.nics[1].mac);
    EXPECT_EQ(a.nics[0].mac.substr(0, 9), "00:16:3e:");
    EXPECT_EQ(a.nics[0].bridge, "");  // the daemon's bridge, whatever it is named later
    // A PATCH that leaves addresses out keeps the previous ones.
    auto again = assign_nic_addresses(net, std::vector<NicConfig>(2), a.nics, {}, counter);
    ASSERT_TRUE(again.ok);
    EXPECT_EQ(again.nics[0].ip, a.nics[0].ip);
    EXPECT_EQ(again.nics[0].mac, a.nics[0].mac);
    EXPECT_EQ(again.nics[1].ip, a.nics[1].ip);
}

TEST(NetAlloc, GivenAddressesAreCheckedByName) {
    NetworkOptions net;
    auto refuse = [&](NicConfig n, AddressesInUse used = {}) {
        auto a = assign_nic_addresses(net, {NicConfig{}, n}, {}, std::move(used), counter);
        EXPECT_FALSE(a.ok);
        return a.error;
    };
    NicConfig n;
    n.ip = "10.78.0.5";
    auto e = refuse(n);
    EXPECT_EQ(e.field, "nics[1].ip");
    EXPECT_THAT(e.message, HasSubstr("nics[1].ip 10.78.0.5 is outside the subnet 10.77.0.0/24"));
    n.ip = "10.77.0.0";
    EXPECT_THAT(refuse(n).message, HasSubstr("network address"));
    n.ip = "10.77.0.255";
    EXPECT_THAT(refuse(n).message, HasSubstr("broadcast address"));
    n.ip = "10.77.0.1";
    EXPECT_THAT(refuse(n).message, HasSubstr("gateway"));
    n.ip = "10.77.0.9";
    EXPECT_THAT(refuse(n, used_by_others({"10.77.0.9"})).message,
                HasSubstr("10.77.0.9 is already assigned to another domain"));
    NicConfig m;
    m.mac = "00:16:3e:00:00:01";
    AddressesInUse used;
    used.macs.insert(*hostnet::parse_mac("00:16:3e:00:00:01").value);
    e = refuse(m, used);
    EXPECT_EQ(e.field, "nics[1].mac");
    NicConfig b;
    b.bridge = "xenbr0";
    EXPECT_THAT(refuse(b).message, HasSubstr("\"xenbr0\" is not a bridge domusd manages"));
    NetworkOptions tiny;
    tiny.subnet = *hostnet::parse_subnet("10.1.0.0/30").value;
    tiny.gateway = *hostnet::parse_ipv4("10.1.0.1").value;
    auto full = assign_nic_addresses(tiny, std::vector<NicConfig>(2), {}, {}, counter);
    EXPECT_FALSE(full.ok);
    EXPECT_THAT(full.error.message, HasSubstr("no free address is left in the subnet 10.1.0.0/30"));
}

TEST(NetAlloc, OptionsCheck) {
    NetworkOptions net;
    EXPECT_EQ(network_options_error(net), "");
    net.gateway = *hostnet::parse_ipv4("10.77.1.1").value;
    EXPECT_THAT(network_options_error(net), HasSubstr("not a host address of the subnet"));
}

TEST(KernelParam, IpParameterInLinuxForm) {
    NetworkOptions net;
    EXPECT_EQ(ip_kernel_param(net, "10.77.0.2", "web"),
              "ip=10.77.0.2::10.77.0.1:255.255.255.0:web:eth0:off");
}

TEST(KernelParam, AddedBeforeInitsArgumentsAndNeverTwice) {
    EXPECT_EQ(add_kernel_param("", "ip=x"), "ip=x");
    EXPECT_EQ(add_kernel_param("service", "ip=x"), "service ip=x");
    EXPECT_EQ(add_kernel_param("service  ", "ip=x"), "service ip=x");
    EXPECT_EQ(add_kernel_param("init=/bin/sh -- -c 'echo hi'", "ip=x"),
              "init=/bin/sh ip=x -- -c 'echo hi'");
    EXPECT_EQ(add_kernel_param("-- a", "ip=x"), "ip=x -- a");
    // A quoted "--" is not the separator; words after the separator are init's.
    EXPECT_EQ(add_kernel_param("a=\"x -- y\" -- ip=1", "ip=x"), "a=\"x -- y\" ip=x -- ip=1");
    EXPECT_EQ(add_kernel_param("ip=dhcp service", "ip=x"), "ip=dhcp service");
    EXPECT_EQ(add_kernel_param("a --b", "ip=x"), "a --b ip=x");
}

}  // namespace
}  // namespace domus::control
