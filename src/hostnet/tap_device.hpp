// Persistent TAP devices made through /dev/net/tun, as a domain's monitor expects them:
// IFF_TAP | IFF_NO_PI | IFF_VNET_HDR, owned by no process until the monitor attaches.
#pragma once

#include <string_view>

#include "base/result.hpp"

namespace domus::hostnet {

// Creates the TAP `name` and makes it persistent. Never takes over an existing interface:
// a taken name is Errc::invalid_argument naming it; a missing /dev/net/tun is
// Errc::unsupported naming it. `tun_path` exists for tests (default /dev/net/tun).
Status create_persistent_tap(std::string_view name, const char* tun_path = "/dev/net/tun");

}  // namespace domus::hostnet
