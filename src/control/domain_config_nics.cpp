// The checks of a domain's NIC list.
#include "control/domain_config_nics.hpp"

#include "hostnet/addresses.hpp"

namespace domus::control {
namespace {

using config_detail::quote;

ConfigError nic_error(std::string field, std::string message) {
    return ConfigError{std::move(field), std::move(message), 0, ConfigErrorKind::invalid_field};
}

}  // namespace

std::string guest_nic_name(size_t index) {
    return "eth" + std::to_string(index);
}

std::optional<ConfigError> check_nics(const std::vector<NicConfig>& nics, std::string_view shown) {
    const std::string list(shown);
    if (nics.size() > kMaxDomainNics) {
        return nic_error(list, list + " has " + std::to_string(nics.size()) +
                                   " entries: a domain has at most " +
                                   std::to_string(kMaxDomainNics) + " network interfaces");
    }
    for (size_t i = 0; i < nics.size(); ++i) {
        const std::string item = list + "[" + std::to_string(i) + "]";
        const NicConfig& n = nics[i];
        if (!n.mac.empty()) {
            if (auto m = hostnet::parse_mac(n.mac); !m.ok()) {
                return nic_error(item + ".mac", item + ".mac: " + m.error);
            }
        }
        if (!n.ip.empty()) {
            if (auto a = hostnet::parse_ipv4(n.ip); !a.ok()) {
                return nic_error(item + ".ip", item + ".ip: " + a.error);
            }
        }
        if (!n.bridge.empty()) {
            if (auto e = hostnet::interface_name_error("bridge", n.bridge); !e.empty()) {
                return nic_error(item + ".bridge", item + "." + e);
            }
        }
        if (!n.vifname.empty()) {
            if (auto e = hostnet::interface_name_error("vifname", n.vifname); !e.empty()) {
                return nic_error(item + ".vifname", item + "." + e);
            }
        }
        for (size_t j = 0; j < i; ++j) {
            const NicConfig& o = nics[j];
            const std::string other = list + "[" + std::to_string(j) + "]";
            auto same = [&](const char* key, const std::string& a, const std::string& b) {
                return nic_error(item + "." + key, item + "." + key + " " + quote(a) + " is also " +
                                                       other + "." + key +
                                                       (a == b ? "" : " " + quote(b)));
            };
            if (!n.mac.empty() && !o.mac.empty()) {
                auto a = hostnet::parse_mac(n.mac), b = hostnet::parse_mac(o.mac);
                if (*a.value == *b.value) return same("mac", n.mac, o.mac);
            }
            if (!n.ip.empty() && n.ip == o.ip) return same("ip", n.ip, o.ip);
            if (!n.vifname.empty() && n.vifname == o.vifname) {
                return same("vifname", n.vifname, o.vifname);
            }
        }
    }
    return std::nullopt;
}

}  // namespace domus::control
