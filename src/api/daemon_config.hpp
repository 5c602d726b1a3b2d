// domusd's settings: defaults, then a `key = value` file (--config), then command-line flags.
// The file takes the flags' names (socket, state-dir, listen, vmm, verbose, log-format), the TCP
// listener's certificate (tls-cert, tls-key: PEM files; default: a self-signed one in
// <state-dir>/tls/) and the server's limits; an unknown key is rejected by name.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "api/server_options.hpp"
#include "base/result.hpp"
#include "control/net_alloc.hpp"
#include "control/resource_options.hpp"
#include "telemetry/log_line.hpp"

namespace domus::api {

struct DaemonConfig {
    std::string socket = "/run/domus/domusd.sock";
    std::string state_dir = "/var/lib/domus";
    std::string listen;            // "ADDR:PORT", empty: Unix socket only
    std::string vmm;               // empty: domus-vmm next to /proc/self/exe
    std::string vmm_user;          // `vmm-user`: monitors run as it (name or UID:GID); empty: uid 0
    std::string vmm_uid_range;     // `vmm-uid-range` FIRST-LAST: domain N's monitor as FIRST + N
    std::string socket_group;      // `socket-group`: the socket's group (empty: domusd's own)
    ServerOptions server;          // limits (unix_socket/tcp_listen/token are filled in at start)
    int64_t events_kept = 100000;  // lifecycle events kept in the store (older ones deleted)
    int stats_interval_ms = 1000;  // how often live figures for lists and metrics are sampled
    // A domain's console log rotates to <id>.console.log.1 past this (0: never): at most
    // twice this on disk per domain.
    uint64_t console_log_max_bytes = 1u << 20;
    // Where disk images may be: absolute dirs, created at start if missing. `image-dirs` in the
    // file, a comma-separated list; empty: <state-dir>/images. Relative image paths and
    // disk-create use the first.
    std::vector<std::string> image_dirs;
    // Domain networking: `bridge` (domus0), `subnet` (10.77.0.0/24), `gateway` (the subnet's
    // first address, given to the bridge), `nat` (false; true: MASQUERADE to the uplink).
    control::NetworkOptions network;
    bool gateway_set = false;  // `gateway` was given (else it follows `subnet`)
    // Admission: `memory-reserve-mib` (512), `overcommit` (false), `max-domains` (1024).
    control::ResourceOptions resources;
    // `log-format`: text (the plain "domusd: ..." lines, the default) or json (one object per
    // line with level, component and the domain's name and id); the monitors follow it.
    telemetry::LogFormat log_format = telemetry::LogFormat::text;
};

// Applies the settings of a config file's text onto `config`. Lines: `key = value`, `#`
// comments, blank lines; values may be "quoted". Errors name the line and the key.
Status apply_config_text(std::string_view text, DaemonConfig& config);
// Reads and applies a file (errors name the path).
Status apply_config_file(const std::string& path, DaemonConfig& config);

}  // namespace domus::api
