#include "vmm/nic_spec.hpp"

#include <cstdio>

namespace domus::vmm {

namespace {

Error bad(std::string message) {
    return make_error(Errc::invalid_argument, std::move(message));
}

bool parse_positive(std::string_view s, uint64_t& out) {
    if (s.empty() || s.size() > 20 || s[0] == '0') return false;
    uint64_t v = 0;
    for (char ch : s) {
        if (ch < '0' || ch > '9') return false;
        const uint64_t d = uint64_t(ch - '0');
        if (v > (UINT64_MAX - d) / 10) return false;
        v = v * 10 + d;
    }
    out = v;
    return true;
}

int hex_value(char ch) {
    if (ch >= '0' && ch <= '9') return ch - '0';
    if (ch >= 'a' && ch <= 'f') return ch - 'a' + 10;
    if (ch >= 'A' && ch <= 'F') return ch - 'A' + 10;
    return -1;
}

}  // namespace

Status check_interface_name(std::string_view name) {
    if (name.empty()) return bad("the interface name is empty");
    if (name.size() > kMaxTapNameBytes) {
        return bad("interface name '" + std::string(name) + "' is longer than " +
                   std::to_string(kMaxTapNameBytes) + " bytes");
    }
    if (name == "." || name == "..") return bad("'" + std::string(name) + "' is no interface name");
    for (char ch : name) {
        const auto u = static_cast<unsigned char>(ch);
        if (ch == '/' || ch == ':' || u <= ' ' || u >= 0x7f) {
            return bad("interface name '" + std::string(name) +
                       "' may not contain '/', ':', spaces or control characters");
        }
    }
    return {};
}

Result<MacAddress> parse_mac(std::string_view text) {
    MacAddress mac{};
    const std::string msg = "MAC address '" + std::string(text) + "' ";
    if (text.size() != 17) return bad(msg + "is not of the form xx:xx:xx:xx:xx:xx");
    for (size_t i = 0; i < 6; ++i) {
        const int hi = hex_value(text[i * 3]);
        const int lo = hex_value(text[i * 3 + 1]);
        if (hi < 0 || lo < 0 || (i < 5 && text[i * 3 + 2] != ':')) {
            return bad(msg + "is not of the form xx:xx:xx:xx:xx:xx");
        }
        mac[i] = uint8_t(hi * 16 + lo);
    }
    if (mac[0] & 1) return bad(msg + "is a multicast address");
    if (mac == MacAddress{}) return bad(msg + "is all zeros");
    return mac;
}

std::string format_mac(const MacAddress& mac) {
    char buf[18];
    std::snprintf(buf, sizeof buf, "%02x:%02x:%02x:%02x:%02x:%02x", mac[0], mac[1], mac[2], mac[3],
                  mac[4], mac[5]);
    return buf;
}

Result<NicSpec> parse_nic_option(std::string_view text) {
    NicSpec nic;
    bool tap_seen = false, rx_seen = false, tx_seen = false;
    size_t start = 0;
    for (;;) {
        const size_t comma = text.find(',', start);
        const std::string_view part = text.substr(start, comma - start);
        if (part.empty()) {
            return bad("--net '" + std::string(text) + "' has an empty option");
        }
        const size_t eq = part.find('=');
        if (eq == std::string_view::npos) {
            return bad("'" + std::string(part) + "' in --net '" + std::string(text) +
                       "' is not KEY=VALUE (keys: tap, mac, rx_bps, tx_bps)");
        }
        const std::string_view key = part.substr(0, eq), value = part.substr(eq + 1);
        const auto twice = [&](bool& seen) {
            const bool was = seen;
            seen = true;
            return was;
        };
        if (key == "tap") {
            if (twice(tap_seen))
                return bad("tap= given twice in --net '" + std::string(text) + "'");
            if (auto st = check_interface_name(value); !st) return st.error();
            nic.tap = std::string(value);
        } else if (key == "mac") {
            if (twice(nic.mac_given))
                return bad("mac= given twice in --net '" + std::string(text) + "'");
            auto mac = parse_mac(value);
            if (!mac) return mac.error();
            nic.mac = *mac;
        } else if (key == "rx_bps" || key == "tx_bps") {
            const bool rx = key == "rx_bps";
            if (twice(rx ? rx_seen : tx_seen)) {
                return bad(std::string(key) + "= given twice in --net '" + std::string(text) + "'");
            }
            if (!parse_positive(value, rx ? nic.rx_bytes_per_sec : nic.tx_bytes_per_sec)) {
                return bad(std::string(key) + "= wants a positive decimal number, got '" +
                           std::string(value) + "'");
            }
        } else {
            return bad("unknown key '" + std::string(key) + "' in --net '" + std::string(text) +
                       "' (keys: tap, mac, rx_bps, tx_bps)");
        }
        if (comma == std::string_view::npos) break;
        start = comma + 1;
    }
    if (!tap_seen) return bad("--net '" + std::string(text) + "' names no tap=");
    return nic;
}

std::string format_nic_option(const NicSpec& nic) {
    std::string s = "tap=" + nic.tap;
    if (nic.mac_given) s += ",mac=" + format_mac(nic.mac);
    if (nic.rx_bytes_per_sec != 0) s += ",rx_bps=" + std::to_string(nic.rx_bytes_per_sec);
    if (nic.tx_bytes_per_sec != 0) s += ",tx_bps=" + std::to_string(nic.tx_bytes_per_sec);
    return s;
}

}  // namespace domus::vmm
