// IPv4 addresses, IPv4 subnets and Ethernet MAC addresses as text: strict, pure parsers that
// name the bad value, and their formatters. Shared by the domain configuration (vif ip=, mac=),
// the daemon's network settings and the host networking code.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace domus::hostnet {

// An IPv4 address in host byte order (10.77.0.1 is 0x0a4d0001).
struct Ipv4 {
    uint32_t value = 0;
    bool operator==(const Ipv4&) const = default;
    auto operator<=>(const Ipv4&) const = default;
};

// An IPv4 network: the address with every host bit zero, and the prefix length (8..30: a
// subnet for domains needs a gateway, at least one domain, the network and broadcast).
struct Subnet {
    Ipv4 network;
    int prefix = 24;
    bool operator==(const Subnet&) const = default;

    uint32_t mask() const { return prefix == 0 ? 0 : ~uint32_t{0} << (32 - prefix); }
    Ipv4 netmask() const { return Ipv4{mask()}; }
    Ipv4 broadcast() const { return Ipv4{network.value | ~mask()}; }
    bool contains(Ipv4 a) const { return (a.value & mask()) == network.value; }
    // A usable host address: inside, neither the network nor the broadcast address.
    bool is_host(Ipv4 a) const { return contains(a) && a != network && a != broadcast(); }
};

using Mac = std::array<uint8_t, 6>;

// Xen's organisationally unique prefix, 00:16:3e, from which xl (and domusd) make up MACs.
inline constexpr std::array<uint8_t, 3> kXenOui = {0x00, 0x16, 0x3e};

// A parse result: the value, or a message naming the bad text ("" when ok).
template <typename T>
struct Parsed {
    std::optional<T> value;
    std::string error;
    bool ok() const { return value.has_value(); }
};

// Dotted quad, four decimal numbers 0..255 without leading zeros ("010.1.1.1" is refused: some
// tools read it as octal).
Parsed<Ipv4> parse_ipv4(std::string_view text);
std::string format_ipv4(Ipv4 a);

// "A.B.C.D/N" with N in 8..30 and every host bit of A.B.C.D zero.
Parsed<Subnet> parse_subnet(std::string_view text);
std::string format_subnet(const Subnet& s);

// "xx:xx:xx:xx:xx:xx", hex digits in either case; a multicast (group bit set) or all-zero
// address is refused: neither can be an interface's address.
Parsed<Mac> parse_mac(std::string_view text);
std::string format_mac(const Mac& mac);  // lower case, colon-separated

// A Linux network interface name: 1..15 bytes of printable ASCII, not "." or "..", without
// '/', ':' or spaces. "" when valid, else a message naming it (`what`: "bridge", "vifname").
std::string interface_name_error(std::string_view what, std::string_view name);
inline constexpr size_t kMaxInterfaceNameBytes = 15;  // IFNAMSIZ - 1

// The printable form of untrusted text for a message: "..." quoted, bytes outside printable
// ASCII as \xNN, cut after 64 bytes.
std::string quoted(std::string_view text);

}  // namespace domus::hostnet
