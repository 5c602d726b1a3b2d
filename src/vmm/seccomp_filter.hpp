// Installing the monitor's seccomp-bpf filter (libseccomp) built from seccomp_policy.hpp, and
// the SIGSYS handler that reports a forbidden call before the monitor ends.
#pragma once

#include <string>

#include "base/result.hpp"

namespace domus::vmm {

// The exit status of a monitor stopped by the filter: as a shell reports death by SIGSYS.
inline constexpr int kExitSeccomp = 128 + 31;

// Where the SIGSYS handler leaves its exit record: `exit_fd` is `tmp_path`, opened for
// writing before the jail (the handler cannot open files); the handler writes the record into
// it and renames it to `final_path`. Paths as seen after the jail. Call before install.
void set_seccomp_exit_record(int exit_fd, const std::string& tmp_path,
                             const std::string& final_path);

// Once the normal exit record is written (renamed away from `tmp_path`): a later violation is
// only logged, never written over the record.
void disarm_seccomp_exit_record();

// The handler's log line as JSON (log-format json): `json_prefix` from
// telemetry::json_line_prefix; empty: the text line. Call before install.
void set_seccomp_log_json_prefix(const std::string& json_prefix);

// Installs the SIGSYS handler and loads the filter on every thread of the process (TSYNC).
// Irreversible; the process must already have no_new_privs or CAP_SYS_ADMIN.
Status install_seccomp_filter();

}  // namespace domus::vmm
