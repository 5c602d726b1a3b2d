// Linux's `ip=` kernel parameter (Documentation/admin-guide/nfs/nfsroot.rst), static forms only:
//   ip=<client-ip>:<server-ip>:<gw-ip>:<netmask>:<hostname>:<device>:<autoconf>:<dns0>:<dns1>:<ntp0>
//   ip=off | ip=none          no configuration
// <autoconf> must be empty, `off` or `none`; `dhcp`, `bootp`, `rarp`, `both`, `on`, `any` (and
// `ip=dhcp` etc.) are refused: the kernel has no autoconfiguration. A missing netmask is the
// address class's (as Linux). Pure: no state, every byte checked.
#pragma once

#include <stddef.h>
#include <stdint.h>

namespace net {

enum class IpConfigError : uint8_t {
    Ok,
    Empty,            // nothing after ip=
    BadAddress,       // a field that should be a dotted quad is not
    NoClientAddress,  // static configuration without <client-ip>
    BadNetmask,       // not contiguous ones
    BadGateway,       // not within the client's subnet
    HostnameTooLong,  // > 64 bytes
    DeviceTooLong,    // > 15 bytes
    Autoconf,         // dhcp/bootp/rarp/both/on/any: not supported
    BadAutoconf,      // another word
    TooManyFields,
};

struct IpConfig {
    bool enabled;  // false for ip=off / ip=none
    uint32_t client, server, gateway, netmask;
    char hostname[65];
    char device[16];
    uint32_t dns[2];
    uint32_t ntp;
};

IpConfigError parse_ip_config(const char* value, size_t len, IpConfig* out);
// A message for the kernel log ("ip=: <reason>").
const char* ip_config_error_text(IpConfigError e);
// Parses a dotted quad "a.b.c.d" (each 0..255, no leading '+', 1..3 digits). Pure.
bool parse_ipv4_addr(const char* s, size_t len, uint32_t* out);

}  // namespace net
