// rtnetlink request building and reply parsing.
#include "hostnet/netlink_message.hpp"

#include <arpa/inet.h>
#include <linux/if.h>
#include <linux/if_link.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>

#include <cstring>

namespace domus::hostnet::nl {
namespace {

constexpr size_t align4(size_t n) {
    return (n + 3) & ~size_t{3};
}

Error malformed(const std::string& what) {
    return make_error(Errc::io, "malformed netlink reply: " + what);
}

// The attributes in `data`, each passed to `fn(type, payload)`; false when one lies about its
// length.
template <typename Fn>
bool for_each_attr(std::span<const uint8_t> data, Fn fn) {
    while (data.size() >= sizeof(nlattr)) {
        nlattr a;
        std::memcpy(&a, data.data(), sizeof a);
        if (a.nla_len < sizeof(nlattr) || a.nla_len > data.size()) return false;
        fn(static_cast<uint16_t>(a.nla_type & NLA_TYPE_MASK),
           data.subspan(sizeof(nlattr), a.nla_len - sizeof(nlattr)));
        const size_t step = align4(a.nla_len);
        if (step >= data.size()) break;
        data = data.subspan(step);
    }
    return true;
}

std::string attr_string(std::span<const uint8_t> p) {
    size_t n = 0;
    while (n < p.size() && p[n] != 0) ++n;
    return std::string(reinterpret_cast<const char*>(p.data()), n);
}

}  // namespace

Message::Message(uint16_t type, uint16_t flags) {
    nlmsghdr h{};
    h.nlmsg_type = type;
    h.nlmsg_flags = static_cast<uint16_t>(flags | NLM_F_REQUEST);
    buf_.resize(sizeof h);
    std::memcpy(buf_.data(), &h, sizeof h);
}

void Message::pad() {
    buf_.resize(align4(buf_.size()), 0);
}

void Message::append_struct(const void* data, size_t len) {
    const auto* p = static_cast<const uint8_t*>(data);
    buf_.insert(buf_.end(), p, p + len);
    pad();
}

void Message::attr(uint16_t type, const void* data, size_t len) {
    nlattr a{};
    a.nla_type = type;
    a.nla_len = static_cast<uint16_t>(sizeof a + len);
    append_struct(&a, sizeof a);
    if (len > 0) append_struct(data, len);
}

void Message::attr_string(uint16_t type, std::string_view s) {
    std::string z(s);
    attr(type, z.c_str(), z.size() + 1);
}

void Message::attr_u32(uint16_t type, uint32_t v) {
    attr(type, &v, sizeof v);
}

size_t Message::begin_nest(uint16_t type) {
    const size_t at = buf_.size();
    attr(static_cast<uint16_t>(type | NLA_F_NESTED), nullptr, 0);
    return at;
}

void Message::end_nest(size_t offset) {
    const auto len = static_cast<uint16_t>(buf_.size() - offset);
    std::memcpy(buf_.data() + offset + offsetof(nlattr, nla_len), &len, sizeof len);
}

std::vector<uint8_t> Message::finish(uint32_t seq) const {
    std::vector<uint8_t> out = buf_;
    const auto len = static_cast<uint32_t>(out.size());
    std::memcpy(out.data() + offsetof(nlmsghdr, nlmsg_len), &len, sizeof len);
    std::memcpy(out.data() + offsetof(nlmsghdr, nlmsg_seq), &seq, sizeof seq);
    return out;
}

Message new_bridge(std::string_view name) {
    Message m(RTM_NEWLINK, NLM_F_ACK | NLM_F_CREATE | NLM_F_EXCL);
    ifinfomsg ifi{};
    ifi.ifi_family = AF_UNSPEC;
    m.append_struct(&ifi, sizeof ifi);
    m.attr_string(IFLA_IFNAME, name);
    const size_t info = m.begin_nest(IFLA_LINKINFO);
    m.attr_string(IFLA_INFO_KIND, "bridge");
    m.end_nest(info);
    return m;
}

Message change_link(int index, const LinkChange& c) {
    Message m(RTM_NEWLINK, NLM_F_ACK);
    ifinfomsg ifi{};
    ifi.ifi_family = AF_UNSPEC;
    ifi.ifi_index = index;
    if (c.up) {
        ifi.ifi_change = IFF_UP;
        ifi.ifi_flags = *c.up ? IFF_UP : 0;
    }
    m.append_struct(&ifi, sizeof ifi);
    if (c.master) m.attr_u32(IFLA_MASTER, static_cast<uint32_t>(*c.master));
    if (c.alias) m.attr(IFLA_IFALIAS, c.alias->data(), c.alias->size());
    return m;
}

Message delete_link(int index) {
    Message m(RTM_DELLINK, NLM_F_ACK);
    ifinfomsg ifi{};
    ifi.ifi_family = AF_UNSPEC;
    ifi.ifi_index = index;
    m.append_struct(&ifi, sizeof ifi);
    return m;
}

Message get_link(std::string_view name) {
    Message m(RTM_GETLINK, 0);
    ifinfomsg ifi{};
    ifi.ifi_family = AF_UNSPEC;
    m.append_struct(&ifi, sizeof ifi);
    m.attr_string(IFLA_IFNAME, name);
    return m;
}

Message new_address(int index, Ipv4 address, int prefix) {
    Message m(RTM_NEWADDR, NLM_F_ACK | NLM_F_CREATE | NLM_F_REPLACE);
    ifaddrmsg ifa{};
    ifa.ifa_family = AF_INET;
    ifa.ifa_prefixlen = static_cast<uint8_t>(prefix);
    ifa.ifa_scope = RT_SCOPE_UNIVERSE;
    ifa.ifa_index = static_cast<uint32_t>(index);
    m.append_struct(&ifa, sizeof ifa);
    const uint32_t be = htonl(address.value);
    m.attr(IFA_LOCAL, &be, sizeof be);
    m.attr(IFA_ADDRESS, &be, sizeof be);
    const uint32_t mask = prefix == 0 ? 0 : ~uint32_t{0} << (32 - prefix);
    const uint32_t bcast = htonl(address.value | ~mask);
    m.attr(IFA_BROADCAST, &bcast, sizeof bcast);
    return m;
}

Result<std::vector<Reply>> split(std::span<const uint8_t> data) {
    std::vector<Reply> out;
    while (!data.empty()) {
        if (data.size() < sizeof(nlmsghdr)) return malformed("a truncated message header");
        nlmsghdr h;
        std::memcpy(&h, data.data(), sizeof h);
        if (h.nlmsg_len < sizeof h || h.nlmsg_len > data.size()) {
            return malformed("message length " + std::to_string(h.nlmsg_len) + " with " +
                             std::to_string(data.size()) + " bytes left");
        }
        Reply r;
        r.type = h.nlmsg_type;
        r.flags = h.nlmsg_flags;
        r.seq = h.nlmsg_seq;
        r.payload = data.subspan(sizeof h, h.nlmsg_len - sizeof h);
        if (r.type == NLMSG_ERROR) {
            if (r.payload.size() < sizeof(int)) return malformed("a truncated error message");
            int err = 0;
            std::memcpy(&err, r.payload.data(), sizeof err);
            if (err > 0 || err < -4095) return malformed("error code " + std::to_string(err));
            r.error = -err;
        }
        out.push_back(r);
        const size_t step = align4(h.nlmsg_len);
        if (step >= data.size()) break;
        data = data.subspan(step);
    }
    return out;
}

bool LinkInfo::up() const {
    return (flags & IFF_UP) != 0;
}

Result<LinkInfo> parse_link(const Reply& reply) {
    if (reply.type != RTM_NEWLINK) {
        return malformed("expected a link description, got type " + std::to_string(reply.type));
    }
    if (reply.payload.size() < sizeof(ifinfomsg)) return malformed("a truncated link header");
    ifinfomsg ifi;
    std::memcpy(&ifi, reply.payload.data(), sizeof ifi);
    LinkInfo link;
    bool nested_ok = true;
    link.index = ifi.ifi_index;
    link.flags = ifi.ifi_flags;
    bool ok = for_each_attr(
        reply.payload.subspan(align4(sizeof ifi)), [&](uint16_t type, std::span<const uint8_t> p) {
            if (type == IFLA_IFNAME) {
                link.name = attr_string(p);
            } else if (type == IFLA_IFALIAS) {
                link.alias = attr_string(p);
            } else if (type == IFLA_MASTER && p.size() >= 4) {
                uint32_t m = 0;
                std::memcpy(&m, p.data(), 4);
                link.master = static_cast<int>(m);
            } else if (type == IFLA_STATS64 && p.size() >= 4 * sizeof(uint64_t)) {
                uint64_t v[4];
                std::memcpy(v, p.data(), sizeof v);  // rx_packets, tx_packets, rx_bytes, tx_bytes
                link.stats = LinkStats{v[0], v[1], v[2], v[3]};
            } else if (type == IFLA_LINKINFO) {
                nested_ok = for_each_attr(p,
                                          [&](uint16_t t, std::span<const uint8_t> q) {
                                              if (t == IFLA_INFO_KIND) link.kind = attr_string(q);
                                          }) &&
                            nested_ok;
            }
        });
    if (!ok || !nested_ok) return malformed("an attribute length beyond its message");
    return link;
}

}  // namespace domus::hostnet::nl
