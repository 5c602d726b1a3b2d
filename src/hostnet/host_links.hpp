// What domusd does to the host's interfaces, over rtnetlink: its bridge (created if absent,
// given the gateway address, up) and the domains' TAP devices (attached to the bridge, up,
// marked with an alias naming their owner, removed again). Every error names the interface.
#pragma once

#include <optional>
#include <string>

#include "base/result.hpp"
#include "hostnet/addresses.hpp"
#include "hostnet/netlink_socket.hpp"

namespace domus::hostnet {

// The bridge `name` exists (created when absent; an interface of that name that is not a
// bridge is an error naming it), has `gateway`/prefix and is up.
Status ensure_bridge(Netlink& nl, const std::string& name, Ipv4 gateway, int prefix);

// Makes the TAP `tap` (create_persistent_tap), marks it with `owner` (IFLA_IFALIAS), attaches
// it to `bridge` and brings it up. On failure nothing is left: a TAP made here is removed.
Status add_tap(Netlink& nl, const std::string& tap, const std::string& bridge,
               const std::string& owner, const char* tun_path = "/dev/net/tun");

// Removes the TAP `tap` if it exists, is a TAP ("tun" kind) and carries `owner` as its alias;
// anything else of that name is left alone. True when a device was removed.
Result<bool> remove_tap(Netlink& nl, const std::string& tap, const std::string& owner);

}  // namespace domus::hostnet
