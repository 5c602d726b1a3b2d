// domus-vmm: one monitor process per running domain, driven over its control socket
// (control_server.hpp). Files in the run directory, named by the domain id:
//   <id>.ctl          the control socket (mode 0600), removed on exit
//   <id>.console.log  guest console output, appended
//   <id>.exit         how it ended (exit_file.hpp), written atomically just before exit; a
//                     stale one is removed at start, so its presence always means this run
//   <id>.exit.tmp     opened at start: the exit record is written into it, then renamed
// The handshake on stdout is one line, then stdout is closed (control_protocol.hpp).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "base/result.hpp"
#include "vmm/domain.hpp"
#include "vmm/jail_user.hpp"
#include "vmm/vm_config.hpp"

namespace domus::vmm {

// Which ends of a guest are preserved. A crash also covers a triple fault and a vCPU error;
// a power-off also covers the end of the domain's init program (exit).
struct PreserveOn {
    bool crash = false;
    bool poweroff = false;
    bool reboot = false;
};

// The state a preserved domain reports after `reason` ("crashed" | "stopped"), or "" when
// `preserve` does not keep it (destroyed is never preserved).
std::string preserved_state(const PreserveOn& preserve, StopReason reason);
// `--preserve` values: "crash" | "poweroff" | "reboot" (an error names any other).
Status add_preserve_option(PreserveOn& preserve, std::string_view value);

struct MonitorOptions {
    VmConfig config;  // name, domain_id, memory, vcpus, kernel, ramdisk, cmdline (no console_path)
    std::string run_dir;
    // After the domain is built and before its vCPUs run: jail.hpp (the run directory becomes
    // the monitor's root; capabilities dropped; `user` if given) and seccomp_filter.hpp.
    // domusd gives each domain a run directory of its own. Off: for debugging only, and by
    // default in ThreadSanitizer builds (its runtime keeps a thread of its own and writes its
    // reports to files it opens when it finds a race: neither works inside the jail).
#if defined(__SANITIZE_THREAD__)
    bool confine = false;
#else
    bool confine = true;
#endif
    std::optional<JailUser> user;
    uint64_t console_log_max_bytes = 0;  // <id>.console.log rotates to .1 past this (0: never)
    // Xen's `preserve` (--preserve crash|poweroff|reboot): when the guest ends that way the
    // monitor keeps running with the domain's memory and stopped vCPUs, serving status (the
    // final state, preserved, the exit), dump-core and destroy until destroyed.
    PreserveOn preserve;
};

struct MonitorPaths {
    std::string ctl, console_log, exit_file;
};
MonitorPaths monitor_paths(const std::string& run_dir, uint32_t domain_id);

// Returns the process exit status: as `domus run` (run_domain.hpp ExitCode): 0 poweroff,
// 1 error before the handshake, 2 guest crash, 3 triple fault / vCPU error, 4 reboot,
// 130/143 destroyed by SIGINT/SIGTERM; a `destroy` request also exits 143.
int run_monitor(const MonitorOptions& options);

// Prints {"ok":false,"error":message} on stdout and the message on stderr; returns 1.
int monitor_startup_failure(const std::string& message);

}  // namespace domus::vmm
