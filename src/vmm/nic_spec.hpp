// A domain's network interface as the monitor takes it: a TAP device on the host, the guest's
// MAC address and per-direction rate limits. `domus run --net` and `domus-vmm --net` parse it.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "base/result.hpp"

namespace domus::vmm {

using MacAddress = std::array<uint8_t, 6>;

// A virtio-net interface backed by the TAP device `tap` (created by the monitor when absent and
// then removed with it; an existing persistent TAP, as domusd makes, is attached to). Rate
// limits are token buckets in bytes per second, a burst of one second's worth; 0 is unlimited.
// `rx` is towards the guest, `tx` from it.
struct NicSpec {
    std::string tap;
    MacAddress mac{};
    bool mac_given = false;  // false: the monitor picks a random 00:16:3e:xx:xx:xx
    uint64_t rx_bytes_per_sec = 0;
    uint64_t tx_bytes_per_sec = 0;
    bool operator==(const NicSpec&) const = default;
};

inline constexpr size_t kMaxNics = 4;           // eth0..eth3
inline constexpr size_t kMaxTapNameBytes = 15;  // IFNAMSIZ - 1

// Xen's organisationally unique prefix, which xl uses for the MACs it makes up.
inline constexpr MacAddress kXenMacPrefix = {0x00, 0x16, 0x3e, 0, 0, 0};

// "tap=NAME[,mac=XX:XX:XX:XX:XX:XX][,rx_bps=N][,tx_bps=N]", keys in any order, each at most
// once. The message names the bad part.
Result<NicSpec> parse_nic_option(std::string_view text);
std::string format_nic_option(const NicSpec& nic);  // what parse_nic_option reads back

// A Linux interface name: 1..15 bytes, not "." or "..", no '/', ':', whitespace or NUL.
Status check_interface_name(std::string_view name);

// "xx:xx:xx:xx:xx:xx" (hex, either case); a multicast or all-zero address is refused.
Result<MacAddress> parse_mac(std::string_view text);
std::string format_mac(const MacAddress& mac);  // lower-case, colon-separated

}  // namespace domus::vmm
