// xl.cfg vif specifications (xl-network-configuration(5)): comma-separated key=value pairs.
// Domus's NIC is a virtio-net device on a TAP attached to a bridge domusd manages: what it
// cannot honour (hotplug scripts, driver domains, emulated cards, routed setups) is refused by
// name, never ignored.
#include <array>
#include <string>

#include "control/domain_config_nics.hpp"
#include "hostnet/addresses.hpp"

namespace domus::control {
namespace {

using config_detail::quote;

std::string_view trim(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
    return s;
}

struct Refused {
    std::string_view key;
    const char* why;
};
constexpr Refused kRefusedKeys[] = {
    {"backend", "driver domains are not supported: domusd is the back end"},
    {"script", "hotplug scripts are not supported: domusd attaches the TAP to its bridge itself"},
    {"gatewaydev", "routed networking (vif-route) is not supported: NICs are bridged"},
    {"forwarddev", "routed networking (vif-route) is not supported: NICs are bridged"},
    {"accel", "accelerated vifs are not supported"},
    {"devid", "the NIC's index is its position in the list"},
    {"mtu", "the MTU is the bridge's"},
    {"vlan", "VLANs are not supported"},
    {"trusted", "Domus does not take back-end trust hints"},
    {"untrusted", "Domus does not take back-end trust hints"},
    {"queues", "multi-queue NICs are not supported"},
    {"connection", "Domus NICs are always TAP devices"},
};

enum Key { kMac, kBridge, kIp, kVifname, kRate, kType, kModel, kKeyCount };
constexpr std::array<std::string_view, kKeyCount> kKeys = {"mac",  "bridge", "ip",   "vifname",
                                                           "rate", "type",   "model"};

}  // namespace

RateResult parse_xl_rate(std::string_view text) {
    const std::string shown = "rate " + quote(text);
    const std::string form = " (write it as N[K|M|G]B/s for bytes or N[K|M|G]b/s for bits)";
    if (const size_t at = text.find('@'); at != std::string_view::npos) {
        return {std::nullopt, shown +
                                  ": the @interval is not supported (Domus's limiter refills "
                                  "continuously)"};
    }
    size_t i = 0;
    uint64_t n = 0;
    while (i < text.size() && text[i] >= '0' && text[i] <= '9') {
        const auto d = static_cast<uint64_t>(text[i] - '0');
        if (n > (UINT64_MAX - d) / 10) return {std::nullopt, shown + " does not fit 64 bits"};
        n = n * 10 + d;
        ++i;
    }
    if (i == 0) return {std::nullopt, shown + " does not start with a number" + form};
    uint64_t mult = 1;
    if (i < text.size() && (text[i] == 'K' || text[i] == 'M' || text[i] == 'G')) {
        mult = text[i] == 'K' ? 1000 : text[i] == 'M' ? 1000000 : 1000000000;
        ++i;
    }
    if (i >= text.size() || (text[i] != 'B' && text[i] != 'b')) {
        return {std::nullopt, shown + " has no unit" + form};
    }
    const bool bits = text[i] == 'b';
    ++i;
    if (text.substr(i) != "/s") return {std::nullopt, shown + " is not per second" + form};
    if (n == 0) {
        return {std::nullopt, shown + " is zero (leave rate out for an unlimited NIC)"};
    }
    if (n > UINT64_MAX / mult) return {std::nullopt, shown + " does not fit 64 bits"};
    uint64_t bytes = n * mult;
    if (bits) bytes = bytes / 8 == 0 ? 1 : bytes / 8;
    return {bytes, {}};
}

XlVifResult parse_xl_vif_spec(std::string_view spec) {
    NicConfig nic;
    std::array<bool, kKeyCount> given{};
    std::string_view rest = spec;
    while (true) {
        const size_t comma = rest.find(',');
        const std::string_view item = trim(rest.substr(0, comma));
        if (!item.empty()) {
            const size_t eq = item.find('=');
            const std::string_view key = trim(item.substr(0, eq));
            if (eq == std::string_view::npos) {
                return {std::nullopt,
                        quote(item) + " is not key=value (mac=, bridge=, ip=, vifname=, rate=)"};
            }
            const std::string_view value = trim(item.substr(eq + 1));
            size_t k = 0;
            while (k < kKeyCount && kKeys[k] != key) ++k;
            if (k == kKeyCount) {
                for (const auto& r : kRefusedKeys) {
                    if (r.key == key) {
                        return {std::nullopt, std::string(key) + "= is not supported: " + r.why};
                    }
                }
                return {std::nullopt, "unknown parameter " + quote(key) +
                                          " (Domus takes mac, bridge, ip, vifname, rate, "
                                          "type=vif, model=virtio-net)"};
            }
            if (given[k]) return {std::nullopt, std::string(key) + " is given twice"};
            given[k] = true;
            if (value.empty()) return {std::nullopt, std::string(key) + "= has no value"};
            switch (k) {
                case kMac: {
                    auto m = hostnet::parse_mac(value);
                    if (!m.ok()) return {std::nullopt, m.error};
                    nic.mac = hostnet::format_mac(*m.value);
                    break;
                }
                case kIp: {
                    if (value.find(' ') != std::string_view::npos) {
                        return {std::nullopt, "ip " + quote(value) +
                                                  " lists several addresses: a Domus NIC has one"};
                    }
                    auto a = hostnet::parse_ipv4(value);
                    if (!a.ok()) return {std::nullopt, a.error};
                    nic.ip = hostnet::format_ipv4(*a.value);
                    break;
                }
                case kBridge:
                    if (auto e = hostnet::interface_name_error("bridge", value); !e.empty()) {
                        return {std::nullopt, e};
                    }
                    nic.bridge = std::string(value);
                    break;
                case kVifname:
                    if (auto e = hostnet::interface_name_error("vifname", value); !e.empty()) {
                        return {std::nullopt, e};
                    }
                    nic.vifname = std::string(value);
                    break;
                case kRate: {
                    auto r = parse_xl_rate(value);
                    if (!r.bytes_per_sec) return {std::nullopt, r.error};
                    nic.tx_bytes_per_sec = *r.bytes_per_sec;
                    break;
                }
                case kType:
                    if (value == "ioemu" || value == "vif,ioemu") {
                        return {std::nullopt,
                                "type=ioemu (an emulated card for HVM guests) is not supported: "
                                "a Domus NIC is virtio-net (type=vif)"};
                    }
                    if (value != "vif") {
                        return {std::nullopt,
                                "type " + quote(value) + " is not supported (type=vif)"};
                    }
                    break;
                case kModel:
                    if (value != "virtio-net" && value != "virtio") {
                        return {std::nullopt,
                                "model " + quote(value) +
                                    " is not supported: a Domus NIC is always virtio-net (emulated "
                                    "cards such as rtl8139 or e1000 do not exist here)"};
                    }
                    break;
                default:
                    break;
            }
        }
        if (comma == std::string_view::npos) break;
        rest.remove_prefix(comma + 1);
    }
    return {std::move(nic), {}};
}

std::string format_xl_vif_spec(const NicConfig& n) {
    std::string out;
    auto add = [&](const char* key, const std::string& value) {
        if (value.empty()) return;
        out += (out.empty() ? "" : ", ") + std::string(key) + "=" + value;
    };
    add("mac", n.mac);
    add("ip", n.ip);
    add("bridge", n.bridge);
    add("vifname", n.vifname);
    if (n.tx_bytes_per_sec != 0) add("rate", std::to_string(n.tx_bytes_per_sec) + "B/s");
    return out;
}

}  // namespace domus::control
