// The unprivileged user a jailed domus-vmm runs as: domusd's `vmm-user` setting (a user name
// from /etc/passwd, or UID:GID) resolved by the daemon, or one uid per domain out of its
// `vmm-uid-range`; handed to the monitor as --user UID:GID. Pure parsers of untrusted text (the
// config values, /etc/passwd, /etc/group).
#pragma once

#include <sys/types.h>

#include <cstdint>
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

// `vmm-uid-range = FIRST-LAST`: domain N's monitor runs as uid = gid = FIRST + N, so no two
// monitors share a user. 1 <= FIRST <= LAST < 4294967295 (never root, never the kernel's "no
// id").
struct JailUidRange {
    uint32_t first = 0;
    uint32_t last = 0;
    friend bool operator==(const JailUidRange&, const JailUidRange&) = default;
};

Result<JailUidRange> parse_jail_uid_range(std::string_view text);
std::string format_jail_uid_range(const JailUidRange& range);

// The user of domain `id`; an error naming the id and the range when FIRST + id is past LAST.
Result<JailUser> jail_user_for_domain(const JailUidRange& range, int64_t id);

// The first account of `passwd` (uid or primary gid) or group of `group` (gid) whose id lies in
// `range`, as "user 'NAME' (uid N)" / "group 'NAME' (gid N)"; empty if none. A range handed to
// monitors must belong to nobody else, or a monitor would own that account's files.
std::string account_in_range(const JailUidRange& range, std::string_view passwd,
                             std::string_view group);

}  // namespace domus::vmm
