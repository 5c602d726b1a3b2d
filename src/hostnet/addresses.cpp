// Strict parsers and formatters for IPv4 addresses, subnets and MAC addresses.
#include "hostnet/addresses.hpp"

#include <cstdio>

namespace domus::hostnet {
namespace {

int hex_digit(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

}  // namespace

std::string quoted(std::string_view text) {
    constexpr size_t kShown = 64;
    std::string out = "\"";
    for (size_t i = 0; i < text.size() && i < kShown; ++i) {
        const auto c = static_cast<unsigned char>(text[i]);
        if (c == '"' || c == '\\') {
            out += '\\';
            out += static_cast<char>(c);
        } else if (c >= 0x20 && c < 0x7F) {
            out += static_cast<char>(c);
        } else {
            char buf[8];
            std::snprintf(buf, sizeof buf, "\\x%02x", c);
            out += buf;
        }
    }
    out += '"';
    if (text.size() > kShown) out += "...";
    return out;
}

std::string interface_name_error(std::string_view what, std::string_view name) {
    const std::string shown = std::string(what) + " " + quoted(name);
    if (name.empty()) return std::string(what) + " is empty";
    if (name.size() > kMaxInterfaceNameBytes) {
        return shown + " is longer than " + std::to_string(kMaxInterfaceNameBytes) +
               " bytes (a Linux interface name)";
    }
    if (name == "." || name == "..") return shown + " is not a usable interface name";
    for (char c : name) {
        const auto u = static_cast<unsigned char>(c);
        if (u <= 0x20 || u >= 0x7F || c == '/' || c == ':') {
            return shown +
                   " has a character an interface name cannot have (spaces, '/', ':', "
                   "control or non-ASCII bytes)";
        }
    }
    return {};
}

Parsed<Ipv4> parse_ipv4(std::string_view text) {
    const std::string bad = "IPv4 address " + quoted(text);
    uint32_t value = 0;
    std::string_view rest = text;
    for (int part = 0; part < 4; ++part) {
        if (part > 0) {
            if (rest.empty() || rest.front() != '.') {
                return {std::nullopt, bad + " is not four numbers separated by dots"};
            }
            rest.remove_prefix(1);
        }
        size_t n = 0;
        uint32_t octet = 0;
        while (n < rest.size() && rest[n] >= '0' && rest[n] <= '9' && n < 4) {
            octet = octet * 10 + static_cast<uint32_t>(rest[n] - '0');
            ++n;
        }
        if (n == 0) return {std::nullopt, bad + " is not four numbers separated by dots"};
        if (n > 1 && rest[0] == '0') {
            return {std::nullopt, bad + " has a number with a leading zero"};
        }
        if (n > 3 || octet > 255) {
            return {std::nullopt, bad + " has a number above 255"};
        }
        value = value << 8 | octet;
        rest.remove_prefix(n);
    }
    if (!rest.empty()) return {std::nullopt, bad + " is not four numbers separated by dots"};
    return {Ipv4{value}, {}};
}

std::string format_ipv4(Ipv4 a) {
    return std::to_string(a.value >> 24) + "." + std::to_string(a.value >> 16 & 0xff) + "." +
           std::to_string(a.value >> 8 & 0xff) + "." + std::to_string(a.value & 0xff);
}

Parsed<Subnet> parse_subnet(std::string_view text) {
    const std::string bad = "subnet " + quoted(text);
    const size_t slash = text.find('/');
    if (slash == std::string_view::npos) {
        return {std::nullopt, bad + " has no prefix length (write it as A.B.C.D/N)"};
    }
    auto addr = parse_ipv4(text.substr(0, slash));
    if (!addr.ok()) return {std::nullopt, bad + ": " + addr.error};
    const std::string_view len = text.substr(slash + 1);
    int prefix = 0;
    if (len.empty() || len.size() > 2 || (len.size() == 2 && len[0] == '0')) prefix = -1;
    for (char c : len) {
        if (c < '0' || c > '9') prefix = -1;
        if (prefix >= 0) prefix = prefix * 10 + (c - '0');
    }
    if (prefix < 8 || prefix > 30) {
        return {std::nullopt, bad + " needs a prefix length between 8 and 30"};
    }
    Subnet s{*addr.value, prefix};
    if ((addr.value->value & ~s.mask()) != 0) {
        return {std::nullopt, bad + " has host bits set (the network is " +
                                  format_ipv4(Ipv4{addr.value->value & s.mask()}) + "/" +
                                  std::to_string(prefix) + ")"};
    }
    return {s, {}};
}

std::string format_subnet(const Subnet& s) {
    return format_ipv4(s.network) + "/" + std::to_string(s.prefix);
}

Parsed<Mac> parse_mac(std::string_view text) {
    const std::string bad = "MAC address " + quoted(text);
    if (text.size() != 17) {
        return {std::nullopt, bad + " is not six hex bytes separated by colons"};
    }
    Mac mac{};
    for (size_t i = 0; i < 6; ++i) {
        const int hi = hex_digit(text[i * 3]), lo = hex_digit(text[i * 3 + 1]);
        if (hi < 0 || lo < 0 || (i < 5 && text[i * 3 + 2] != ':')) {
            return {std::nullopt, bad + " is not six hex bytes separated by colons"};
        }
        mac[i] = static_cast<uint8_t>(hi * 16 + lo);
    }
    if ((mac[0] & 1) != 0) {
        return {std::nullopt,
                bad + " is a multicast address (the low bit of the first byte is set)"};
    }
    if (mac == Mac{}) return {std::nullopt, bad + " is all zeros"};
    return {mac, {}};
}

std::string format_mac(const Mac& mac) {
    char buf[18];
    std::snprintf(buf, sizeof buf, "%02x:%02x:%02x:%02x:%02x:%02x", mac[0], mac[1], mac[2], mac[3],
                  mac[4], mac[5]);
    return buf;
}

}  // namespace domus::hostnet
