// IP and MAC allocation, the checks of given addresses, and the ip= kernel parameter.
#include "control/net_alloc.hpp"

namespace domus::control {
namespace {

using hostnet::format_ipv4;
using hostnet::Ipv4;

ConfigError nic_error(std::string field, std::string message) {
    return ConfigError{std::move(field), std::move(message), 0, ConfigErrorKind::invalid_field};
}

// The kernel parameters of a command line, as [begin, end) offsets of each word before "--".
struct Word {
    size_t begin, end;
};
std::vector<Word> kernel_words(std::string_view s, size_t& init_at) {
    std::vector<Word> words;
    init_at = std::string_view::npos;
    size_t i = 0;
    while (i < s.size()) {
        while (i < s.size() && (s[i] == ' ' || s[i] == '\t' || s[i] == '\n')) ++i;
        if (i >= s.size()) break;
        const size_t begin = i;
        char quote = 0;
        while (i < s.size() && (quote != 0 || (s[i] != ' ' && s[i] != '\t' && s[i] != '\n'))) {
            if (quote == 0 && (s[i] == '"' || s[i] == '\'')) {
                quote = s[i];
            } else if (quote != 0 && s[i] == quote) {
                quote = 0;
            }
            ++i;
        }
        if (s.substr(begin, i - begin) == "--") {
            init_at = begin;
            break;
        }
        words.push_back({begin, i});
    }
    return words;
}

}  // namespace

std::string network_options_error(const NetworkOptions& n) {
    if (!n.subnet.is_host(n.gateway)) {
        return "gateway " + format_ipv4(n.gateway) + " is not a host address of the subnet " +
               hostnet::format_subnet(n.subnet);
    }
    if (auto e = hostnet::interface_name_error("bridge", n.bridge); !e.empty()) return e;
    return {};
}

std::optional<Ipv4> allocate_ip(const NetworkOptions& net, const AddressesInUse& used) {
    const uint32_t first = net.subnet.network.value + 1, last = net.subnet.broadcast().value - 1;
    for (uint32_t a = first; a <= last && a >= first; ++a) {
        if (a != net.gateway.value && !used.ips.contains(a)) return Ipv4{a};
    }
    return std::nullopt;
}

std::optional<hostnet::Mac> allocate_mac(const AddressesInUse& used,
                                         const std::function<uint32_t()>& random) {
    for (int attempt = 0; attempt < 64; ++attempt) {
        const uint32_t r = random();
        hostnet::Mac mac{hostnet::kXenOui[0],          hostnet::kXenOui[1],
                         hostnet::kXenOui[2],          static_cast<uint8_t>((r >> 16) & 0x7f),
                         static_cast<uint8_t>(r >> 8), static_cast<uint8_t>(r)};
        if (!used.macs.contains(mac)) return mac;
    }
    return std::nullopt;
}

NicAssignment assign_nic_addresses(const NetworkOptions& net, const std::vector<NicConfig>& nics,
                                   const std::vector<NicConfig>& previous, AddressesInUse used,
                                   const std::function<uint32_t()>& random) {
    NicAssignment out;
    const std::string subnet = hostnet::format_subnet(net.subnet);
    // Given addresses first, so that an allocation never takes one a later NIC asks for.
    for (size_t i = 0; i < nics.size(); ++i) {
        const std::string item = "nics[" + std::to_string(i) + "]";
        const NicConfig& n = nics[i];
        if (!n.bridge.empty() && n.bridge != net.bridge) {
            out.error =
                nic_error(item + ".bridge", item + ".bridge " + hostnet::quoted(n.bridge) +
                                                " is not a bridge domusd manages (it manages " +
                                                hostnet::quoted(net.bridge) + ")");
            return out;
        }
        if (!n.ip.empty()) {
            const auto ip = hostnet::parse_ipv4(n.ip);
            if (!ip.ok()) {
                out.error = nic_error(item + ".ip", item + ".ip: " + ip.error);
                return out;
            }
            const Ipv4 a = *ip.value;
            std::string why;
            if (!net.subnet.contains(a)) {
                why = "is outside the subnet " + subnet;
            } else if (!net.subnet.is_host(a)) {
                why = "is the subnet's " +
                      std::string(a == net.subnet.network ? "network" : "broadcast") + " address";
            } else if (a == net.gateway) {
                why = "is the gateway's address (the bridge's)";
            } else if (used.ips.contains(a.value)) {
                why = "is already assigned to another domain";
            }
            if (!why.empty()) {
                out.error = nic_error(item + ".ip", item + ".ip " + n.ip + " " + why);
                return out;
            }
            used.ips.insert(a.value);
        }
        if (!n.mac.empty()) {
            const auto mac = hostnet::parse_mac(n.mac);
            if (!mac.ok()) {
                out.error = nic_error(item + ".mac", item + ".mac: " + mac.error);
                return out;
            }
            if (used.macs.contains(*mac.value)) {
                out.error = nic_error(item + ".mac", item + ".mac " + n.mac +
                                                         " is already assigned to another domain");
                return out;
            }
            used.macs.insert(*mac.value);
        }
    }
    out.nics = nics;
    for (size_t i = 0; i < nics.size(); ++i) {
        NicConfig& n = out.nics[i];
        const NicConfig* prev = i < previous.size() ? &previous[i] : nullptr;
        if (n.ip.empty()) {
            std::optional<Ipv4> a;
            if (prev && !prev->ip.empty()) {
                auto p = hostnet::parse_ipv4(prev->ip);
                if (p.ok() && net.subnet.is_host(*p.value) && *p.value != net.gateway &&
                    !used.ips.contains(p.value->value)) {
                    a = *p.value;
                }
            }
            if (!a) a = allocate_ip(net, used);
            if (!a) {
                out.error = nic_error("nics[" + std::to_string(i) + "].ip",
                                      "no free address is left in the subnet " + subnet);
                return out;
            }
            used.ips.insert(a->value);
            n.ip = format_ipv4(*a);
        }
        if (n.mac.empty()) {
            std::optional<hostnet::Mac> m;
            if (prev && !prev->mac.empty()) {
                auto p = hostnet::parse_mac(prev->mac);
                if (p.ok() && !used.macs.contains(*p.value)) m = *p.value;
            }
            if (!m) m = allocate_mac(used, random);
            if (!m) {
                out.error = nic_error("nics[" + std::to_string(i) + "].mac",
                                      "no unused MAC address could be made");
                return out;
            }
            used.macs.insert(*m);
            n.mac = hostnet::format_mac(*m);
        }
    }
    out.ok = true;
    return out;
}

std::string ip_kernel_param(const NetworkOptions& net, const std::string& ip,
                            const std::string& hostname) {
    return "ip=" + ip + "::" + format_ipv4(net.gateway) + ":" + format_ipv4(net.subnet.netmask()) +
           ":" + hostname + ":eth0:off";
}

std::string add_kernel_param(std::string_view cmdline, std::string_view param) {
    const std::string_view key = param.substr(0, param.find('=') + 1);
    size_t init_at = 0;
    for (const Word& w : kernel_words(cmdline, init_at)) {
        if (cmdline.substr(w.begin, w.end - w.begin).starts_with(key)) {
            return std::string(cmdline);
        }
    }
    if (init_at == std::string_view::npos) {
        std::string out(cmdline);
        while (!out.empty() && (out.back() == ' ' || out.back() == '\t')) out.pop_back();
        return out + (out.empty() ? "" : " ") + std::string(param);
    }
    return std::string(cmdline.substr(0, init_at)) + std::string(param) + " " +
           std::string(cmdline.substr(init_at));
}

}  // namespace domus::control
