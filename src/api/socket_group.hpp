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

// The group's id from the system's group database (a number is taken as it is); a group that
// does not exist is an error naming it.
Result<gid_t> lookup_group(const std::string& name);

// Gives the socket file at `path` to group `gid` (the owner stays).
Status set_socket_group(const std::string& path, gid_t gid);

}  // namespace domus::api
