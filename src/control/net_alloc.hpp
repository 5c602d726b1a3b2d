// Domain network addresses: the daemon's network settings, the allocation of IPs from its
// subnet and of MACs under Xen's prefix, the checks of the ones a configuration gives, and the
// kernel's ip= parameter. Pure: the set of addresses in use comes from the caller.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "control/domain_config.hpp"
#include "hostnet/addresses.hpp"

namespace domus::control {

// The network domusd manages (daemon config keys bridge, subnet, gateway, nat).
struct NetworkOptions {
    std::string bridge = "domus0";
    hostnet::Subnet subnet{hostnet::Ipv4{0x0a4d0000}, 24};  // 10.77.0.0/24
    hostnet::Ipv4 gateway{0x0a4d0001};                      // 10.77.0.1, on the bridge
    bool nat = false;  // MASQUERADE from the subnet to the uplink
};
// The gateway is a host address of the subnet: "" when fine, else why not.
std::string network_options_error(const NetworkOptions& options);

// What other domains (and earlier NICs of this one) hold.
struct AddressesInUse {
    std::set<uint32_t> ips;
    std::set<hostnet::Mac> macs;
};

// The lowest host address of the subnet that is neither the gateway nor in use.
std::optional<hostnet::Ipv4> allocate_ip(const NetworkOptions& net, const AddressesInUse& used);
// 00:16:3e:XX:XX:XX from `random` (the fourth byte's top bit clear, as libxl makes them), not in
// use; nullopt after 64 draws that all collided.
std::optional<hostnet::Mac> allocate_mac(const AddressesInUse& used,
                                         const std::function<uint32_t()>& random);

// Fills in each NIC's ip and mac (kept as given when set, else from `previous[i]` when that one
// is still usable, else allocated) and checks the given ones: the bridge is the daemon's, the
// ip a host address of the subnet other than the gateway and not used by another domain, the
// mac not used by another domain. Errors name the field ("nics[1].ip") and the value.
struct NicAssignment {
    std::vector<NicConfig> nics;
    ConfigError error;  // field and message when !ok
    bool ok = false;
};
NicAssignment assign_nic_addresses(const NetworkOptions& net, const std::vector<NicConfig>& nics,
                                   const std::vector<NicConfig>& previous, AddressesInUse used,
                                   const std::function<uint32_t()>& random);

// Linux's ip= parameter for a domain's first NIC:
// "ip=<client>::<gateway>:<netmask>:<hostname>:eth0:off".
std::string ip_kernel_param(const NetworkOptions& net, const std::string& ip,
                            const std::string& hostname);
// `cmdline` with `param` added as a kernel parameter: before a standalone "--" (outside
// quotes), whose words belong to init, else at the end. Unchanged when a kernel parameter with
// the same key ("ip=") is already there.
std::string add_kernel_param(std::string_view cmdline, std::string_view param);

}  // namespace domus::control
