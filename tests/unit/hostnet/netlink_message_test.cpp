// rtnetlink requests byte for byte, and hostile replies: lengths that lie are refused.
#include "hostnet/netlink_message.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <linux/if.h>
#include <linux/if_link.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>

#include <cstring>

namespace domus::hostnet::nl {
namespace {

using ::testing::HasSubstr;

nlmsghdr header_of(const std::vector<uint8_t>& b) {
    nlmsghdr h;
    std::memcpy(&h, b.data(), sizeof h);
    return h;
}

// The attribute `type` at the top level after a fixed header of `fixed` bytes.
std::vector<uint8_t> find_attr(const std::vector<uint8_t>& b, size_t fixed, uint16_t type) {
    size_t off = NLMSG_HDRLEN + NLMSG_ALIGN(fixed);
    while (off + sizeof(nlattr) <= b.size()) {
        nlattr a;
        std::memcpy(&a, b.data() + off, sizeof a);
        if ((a.nla_type & NLA_TYPE_MASK) == type) {
            return std::vector<uint8_t>(b.begin() + off + sizeof a, b.begin() + off + a.nla_len);
        }
        off += NLA_ALIGN(a.nla_len);
    }
    return {};
}

TEST(NetlinkMessage, NewBridgeHasNameAndNestedKind) {
    const auto b = new_bridge("domus0").finish(7);
    const nlmsghdr h = header_of(b);
    EXPECT_EQ(h.nlmsg_len, b.size());
    EXPECT_EQ(b.size() % 4, 0u);
    EXPECT_EQ(h.nlmsg_type, RTM_NEWLINK);
    EXPECT_EQ(h.nlmsg_seq, 7u);
    EXPECT_EQ(h.nlmsg_flags, NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE | NLM_F_EXCL);
    const auto name = find_attr(b, sizeof(ifinfomsg), IFLA_IFNAME);
    EXPECT_EQ(std::string(name.begin(), name.end()), std::string("domus0\0", 7));
    const auto info = find_attr(b, sizeof(ifinfomsg), IFLA_LINKINFO);
    ASSERT_GE(info.size(), sizeof(nlattr) + 7);
    nlattr kind;
    std::memcpy(&kind, info.data(), sizeof kind);
    EXPECT_EQ(kind.nla_type, IFLA_INFO_KIND);
    EXPECT_EQ(std::string(reinterpret_cast<const char*>(info.data() + sizeof kind)), "bridge");
}

TEST(NetlinkMessage, ChangeLinkSetsUpMasterAndAlias) {
    LinkChange c;
    c.up = true;
    c.master = 5;
    c.alias = "domusd domain 3";
    const auto b = change_link(9, c).finish(1);
    ifinfomsg ifi;
    std::memcpy(&ifi, b.data() + NLMSG_HDRLEN, sizeof ifi);
    EXPECT_EQ(ifi.ifi_index, 9);
    EXPECT_EQ(ifi.ifi_flags, static_cast<unsigned>(IFF_UP));
    EXPECT_EQ(ifi.ifi_change, static_cast<unsigned>(IFF_UP));
    const auto master = find_attr(b, sizeof ifi, IFLA_MASTER);
    ASSERT_EQ(master.size(), 4u);
    uint32_t m = 0;
    std::memcpy(&m, master.data(), 4);
    EXPECT_EQ(m, 5u);
    const auto alias = find_attr(b, sizeof ifi, IFLA_IFALIAS);
    EXPECT_EQ(std::string(alias.begin(), alias.end()), "domusd domain 3");
    // Nothing asked: no flag change, no attribute.
    const auto bare = change_link(9, LinkChange{}).finish(1);
    std::memcpy(&ifi, bare.data() + NLMSG_HDRLEN, sizeof ifi);
    EXPECT_EQ(ifi.ifi_change, 0u);
    EXPECT_EQ(bare.size(), NLMSG_HDRLEN + sizeof ifi);
}

TEST(NetlinkMessage, NewAddressInNetworkOrderWithBroadcast) {
    const auto b = new_address(4, *parse_ipv4("10.77.0.1").value, 24).finish(2);
    EXPECT_EQ(header_of(b).nlmsg_flags, NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE | NLM_F_REPLACE);
    ifaddrmsg ifa;
    std::memcpy(&ifa, b.data() + NLMSG_HDRLEN, sizeof ifa);
    EXPECT_EQ(ifa.ifa_family, AF_INET);
    EXPECT_EQ(ifa.ifa_prefixlen, 24);
    EXPECT_EQ(ifa.ifa_index, 4u);
    EXPECT_EQ(find_attr(b, sizeof ifa, IFA_LOCAL), (std::vector<uint8_t>{10, 77, 0, 1}));
    EXPECT_EQ(find_attr(b, sizeof ifa, IFA_BROADCAST), (std::vector<uint8_t>{10, 77, 0, 255}));
}

// A kernel-style reply: header + ifinfomsg + attributes.
struct ReplyBuilder {
    Message m{RTM_NEWLINK, 0};
    ReplyBuilder(int index, uint32_t flags) {
        ifinfomsg ifi{};
        ifi.ifi_index = index;
        ifi.ifi_flags = flags;
        m.append_struct(&ifi, sizeof ifi);
    }
    std::vector<uint8_t> bytes(uint32_t seq = 1) { return m.finish(seq); }
};

TEST(NetlinkReply, ParsesALinkWithKindMasterAliasAndStats) {
    ReplyBuilder r(12, IFF_UP);
    r.m.attr_string(IFLA_IFNAME, "vif3.0");
    r.m.attr_u32(IFLA_MASTER, 4);
    r.m.attr(IFLA_IFALIAS, "owner", 5);
    uint64_t stats[24] = {1, 2, 300, 400};  // rx_packets, tx_packets, rx_bytes, tx_bytes, ...
    r.m.attr(IFLA_STATS64, stats, sizeof stats);
    const size_t nest = r.m.begin_nest(IFLA_LINKINFO);
    r.m.attr_string(IFLA_INFO_KIND, "tun");
    r.m.end_nest(nest);
    const auto bytes = r.bytes();
    auto msgs = split(bytes);
    ASSERT_TRUE(msgs.ok()) << msgs.error().message;
    ASSERT_EQ(msgs->size(), 1u);
    auto link = parse_link(msgs->front());
    ASSERT_TRUE(link.ok()) << link.error().message;
    EXPECT_EQ(link->index, 12);
    EXPECT_EQ(link->name, "vif3.0");
    EXPECT_EQ(link->master, 4);
    EXPECT_EQ(link->alias, "owner");
    EXPECT_EQ(link->kind, "tun");
    EXPECT_TRUE(link->up());
    ASSERT_TRUE(link->stats.has_value());
    EXPECT_EQ(link->stats->rx_packets, 1u);
    EXPECT_EQ(link->stats->tx_packets, 2u);
    EXPECT_EQ(link->stats->rx_bytes, 300u);
    EXPECT_EQ(link->stats->tx_bytes, 400u);
}

TEST(NetlinkReply, ErrorsAndAcks) {
    Message err(NLMSG_ERROR, 0);
    const int code = -19;  // -ENODEV, then the request's header
    err.append_struct(&code, sizeof code);
    nlmsghdr req{};
    err.append_struct(&req, sizeof req);
    Message ack(NLMSG_ERROR, 0);
    const int zero = 0;
    ack.append_struct(&zero, sizeof zero);
    ack.append_struct(&req, sizeof req);
    std::vector<uint8_t> both = err.finish(3);
    const auto a = ack.finish(4);
    both.insert(both.end(), a.begin(), a.end());
    auto msgs = split(both);
    ASSERT_TRUE(msgs.ok());
    ASSERT_EQ(msgs->size(), 2u);
    EXPECT_EQ((*msgs)[0].error, 19);
    EXPECT_EQ((*msgs)[0].seq, 3u);
    EXPECT_EQ((*msgs)[1].error, 0);
    EXPECT_EQ((*msgs)[1].seq, 4u);
    EXPECT_FALSE(parse_link((*msgs)[1]).ok());
}

TEST(NetlinkReply, LyingLengthsAreRefused) {
    ReplyBuilder r(1, 0);
    r.m.attr_string(IFLA_IFNAME, "x");
    auto good = r.bytes();
    for (size_t cut = 1; cut < good.size(); ++cut) {  // every truncation
        std::vector<uint8_t> b(good.begin(), good.begin() + static_cast<long>(cut));
        auto msgs = split(b);
        EXPECT_FALSE(msgs.ok()) << cut;
    }
    auto big = good;
    uint32_t len = 1000;
    std::memcpy(big.data(), &len, 4);
    EXPECT_THAT(split(big).error().message, HasSubstr("message length 1000"));
    auto small = good;
    len = 4;
    std::memcpy(small.data(), &len, 4);
    EXPECT_FALSE(split(small).ok());
    // An attribute claiming more than its message has.
    auto attr = good;
    const uint16_t huge = 200;
    std::memcpy(attr.data() + NLMSG_HDRLEN + NLMSG_ALIGN(sizeof(ifinfomsg)), &huge, 2);
    auto msgs = split(attr);
    ASSERT_TRUE(msgs.ok());
    EXPECT_THAT(parse_link(msgs->front()).error().message, HasSubstr("attribute length"));
    // A short link header, an impossible error code.
    Message tiny(RTM_NEWLINK, 0);
    auto t = split(tiny.finish(1));
    ASSERT_TRUE(t.ok());
    EXPECT_FALSE(parse_link(t->front()).ok());
    Message weird(NLMSG_ERROR, 0);
    const int positive = 5;
    weird.append_struct(&positive, sizeof positive);
    EXPECT_FALSE(split(weird.finish(1)).ok());
}

}  // namespace
}  // namespace domus::hostnet::nl
