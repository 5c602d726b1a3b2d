// A domain's network interfaces: the checks of a whole list and xl.cfg's vif specifications
// (xl-network-configuration(5)). All pure; the subnet, the bridge and address uniqueness
// across domains are the controller's to check (they depend on the daemon's settings).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "control/domain_config.hpp"

namespace domus::control {

// At most kMaxDomainNics; each mac a unicast, non-zero MAC, each ip a dotted-quad IPv4, each
// bridge and vifname a Linux interface name; no two NICs with the same mac, ip or vifname.
// `shown` names the list in messages and fields ("nics" gives "nics[1].mac").
std::optional<ConfigError> check_nics(const std::vector<NicConfig>& nics, std::string_view shown);

// The guest's name of NIC i: "eth0", "eth1", ...
std::string guest_nic_name(size_t index);

// One xl.cfg vif specification: comma-separated key=value pairs (mac, bridge, ip, vifname,
// rate, type=vif, model=virtio-net); every other Xen key is refused by name, and an empty
// string is a NIC with every default.
struct XlVifResult {
    std::optional<NicConfig> nic;
    std::string error;  // names the key and its value
};
XlVifResult parse_xl_vif_spec(std::string_view spec);
// The vif specification parse_xl_vif_spec reads back (rx_bytes_per_sec has no xl.cfg key and
// is left out; tx_bytes_per_sec is rate=N B/s).
std::string format_xl_vif_spec(const NicConfig& nic);

// xl's rate: "<N>[K|M|G](B|b)/s": bytes (B) or bits (b) per second with decimal multipliers,
// as libxl reads it; the result in bytes per second (bits are divided by 8, at least 1). The
// "@INTERVAL" suffix is refused (Domus's limiter refills continuously), as is 0.
struct RateResult {
    std::optional<uint64_t> bytes_per_sec;
    std::string error;
};
RateResult parse_xl_rate(std::string_view text);

}  // namespace domus::control
