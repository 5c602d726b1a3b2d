// rtnetlink messages, built and parsed without a socket: the requests domusd sends to manage
// its bridge and TAP devices (links, addresses) and the replies it reads (acks, errors, link
// descriptions with their counters). Pure and bounds-checked: a reply that lies about a length
// is refused, never read past.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.hpp"
#include "hostnet/addresses.hpp"

namespace domus::hostnet::nl {

// A request under construction: the netlink header, a fixed family header, attributes.
class Message {
  public:
    Message(uint16_t type, uint16_t flags);            // NLM_F_REQUEST is always added
    void append_struct(const void* data, size_t len);  // the family header (ifinfomsg, ...)
    void attr(uint16_t type, const void* data, size_t len);
    void attr_string(uint16_t type, std::string_view s);  // NUL-terminated
    void attr_u32(uint16_t type, uint32_t v);
    size_t begin_nest(uint16_t type);  // returns the offset end_nest needs
    void end_nest(size_t offset);
    // The bytes to send, with the length and sequence number filled in.
    std::vector<uint8_t> finish(uint32_t seq) const;

  private:
    void pad();
    std::vector<uint8_t> buf_;
};

// Requests (NLM_F_ACK set on every one that changes something).
Message new_bridge(std::string_view name);  // RTM_NEWLINK, CREATE|EXCL, kind "bridge"
// RTM_NEWLINK on an existing link: up (or down), optionally a master (0: none) and an alias.
struct LinkChange {
    std::optional<bool> up;
    std::optional<int> master;  // an ifindex, 0 to leave any bridge
    std::optional<std::string> alias;
};
Message change_link(int index, const LinkChange& change);
Message delete_link(int index);           // RTM_DELLINK
Message get_link(std::string_view name);  // RTM_GETLINK by name
// RTM_NEWADDR, CREATE|REPLACE: `address`/prefix on link `index` (the broadcast address too).
Message new_address(int index, Ipv4 address, int prefix);

// One message of a reply.
struct Reply {
    uint16_t type = 0;
    uint16_t flags = 0;
    uint32_t seq = 0;
    int error = 0;  // NLMSG_ERROR: the errno (positive); 0 for an ack or another type
    std::span<const uint8_t> payload;
};
// Splits a datagram into messages; Errc::io when a header lies about a length.
Result<std::vector<Reply>> split(std::span<const uint8_t> datagram);

// A link as RTM_NEWLINK describes it.
struct LinkStats {
    uint64_t rx_packets = 0, tx_packets = 0, rx_bytes = 0, tx_bytes = 0;
};
struct LinkInfo {
    int index = 0;
    std::string name;
    uint32_t flags = 0;  // IFF_UP, ...
    int master = 0;      // the bridge's ifindex, 0 when none
    std::string kind;    // IFLA_INFO_KIND: "bridge", "tun", "veth", ... ("" when not given)
    std::string alias;   // IFLA_IFALIAS
    std::optional<LinkStats> stats;  // IFLA_STATS64
    bool up() const;
};
Result<LinkInfo> parse_link(const Reply& reply);

}  // namespace domus::hostnet::nl
