// Opening the real controller: the state store, the monitor supervisor, re-adoption of live
// monitors left by a previous daemon.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "base/result.hpp"
#include "control/controller.hpp"
#include "control/net_alloc.hpp"
#include "control/resource_options.hpp"

namespace domus::control {

struct ControllerOptions {
    std::string state_dir = "/var/lib/domus";  // domus.db, api.token, run/
    std::string vmm_path;                      // the domus-vmm binary
    std::string version;                       // reported by GET /v1/host
    int handshake_timeout_ms = 10000;          // a monitor must be up within this
    int stats_interval_ms = 1000;              // live figures in lists and metrics: this fresh
    int64_t events_kept = 100000;              // older lifecycle events are deleted
    // A domain's console log rotates to run/<id>.console.log.1 past this (0: never).
    uint64_t console_log_max_bytes = 1u << 20;
    // Where disk images may be (created if missing); empty: <state_dir>/images.
    std::vector<std::string> image_dirs;
    NetworkOptions network;  // the bridge, subnet, gateway and NAT of domain NICs
    std::string tun_path = "/dev/net/tun";
    // The user jailed monitors run as (`vmm-user`: a name in /etc/passwd or UID:GID; resolved
    // to UID:GID by open_controller). Empty: uid 0 without capabilities.
    std::string vmm_user;
    // Or one user per domain (`vmm-uid-range = FIRST-LAST`): domain N's monitor runs as uid =
    // gid = FIRST + N. Exclusive with vmm_user; open_controller refuses a range that holds an
    // id of /etc/passwd or /etc/group.
    std::string vmm_uid_range;
    ResourceOptions resources;  // admission: host memory reserve, overcommit, max-domains
};

Result<std::unique_ptr<Controller>> open_controller(const ControllerOptions& options);

}  // namespace domus::control
