// `socket-group` in domusd's config: the group that owns the Unix socket (mode 0660), so that
// its members may use the API without root (the Debian package's `domus` group).
#pragma once

#include <sys/types.h>

#include <string>
#include <string_view>

#include "base/result.hpp"

namespace domus::api {

// Pure: a group name as groupadd takes it ([a-z_][a-z0-9_-]*, at most 32 bytes) or a number;
// the message names the value.
Status check_group_name(std::string_view name);

// Pure: the id of group `name` in the text of a group(5) file (name:password:gid:members
// lines; malformed lines are skipped); not there: an error naming it.
Result<gid_t> find_group(std::string_view group_file, const std::string& name);

// The group's id from /etc/group (`group_file`; a number is taken as it is). domusd is linked
// statically, where glibc's NSS lookups (getgrnam) would need the shared libraries of the very
// glibc it was built with: system groups such as the package's live in /etc/group.
Result<gid_t> lookup_group(const std::string& name, const std::string& group_file = "/etc/group");

// Gives the socket file at `path` to group `gid` (the owner stays).
Status set_socket_group(const std::string& path, gid_t gid);

}  // namespace domus::api
