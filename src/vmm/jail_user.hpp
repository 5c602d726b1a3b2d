// The unprivileged user a jailed domus-vmm runs as: domusd's `vmm-user` setting (a user name
// from /etc/passwd, or UID:GID) resolved by the daemon, handed to the monitor as --user UID:GID.
// Pure parsers of untrusted text (the config value, /etc/passwd).
#pragma once

#include <sys/types.h>

#include <string>
#include <string_view>

#include "base/result.hpp"

namespace domus::vmm {

struct JailUser {
    uid_t uid = 0;
    gid_t gid = 0;
    friend bool operator==(const JailUser&, const JailUser&) = default;
};

// "UID:GID", each a decimal number below 4294967295 (the kernel's "no id").
Result<JailUser> parse_jail_user(std::string_view text);
std::string format_jail_user(const JailUser& user);

// `spec` is UID:GID or a user name, looked up in `passwd` (the text of /etc/passwd): its uid
// and primary gid. Errors name the spec.
Result<JailUser> resolve_jail_user(std::string_view spec, std::string_view passwd);

}  // namespace domus::vmm
