// The monitor control channel (docs/api.md, "The monitor control channel"): newline-delimited
// JSON between domusd and one domus-vmm over `<run-dir>/<id>.ctl`, plus the one-line
// handshake domus-vmm prints on stdout. Everything here is pure: text in, a value or a precise
// error out; used by both ends (domus-vmm and the daemon's VmmClient).
//
// Requests, one per line (at most kMaxControlLine bytes before the '\n'):
//   {"op":"status"|"pause"|"unpause"|"shutdown"|"reboot"|"destroy"|"console"|"dump-core"}
// Responses, one line each: {"ok":true} | {"ok":false,"error":"..."} | the status object.
// After {"op":"console"} answered {"ok":true} the connection carries raw console bytes.
// {"op":"dump-core"} comes with one file descriptor (SCM_RIGHTS, fd_passing.hpp) on a regular
// file the monitor writes the domain's ELF core into (core_dump.hpp); the monitor cannot open a
// file itself (jail, seccomp). Answered {"ok":true,"bytes":N} once the file is complete.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "base/result.hpp"

namespace domus::vmm {

inline constexpr size_t kMaxControlLine = 4096;

enum class ControlOp { status, pause, unpause, shutdown, reboot, destroy, console, dump_core };
const char* to_string(ControlOp op);

struct ControlRequest {
    ControlOp op = ControlOp::status;
};

// One request line, without its '\n' (a trailing '\r' is tolerated). The object must have
// exactly one member, "op", naming a known operation; the error says what is wrong.
Result<ControlRequest> parse_control_request(std::string_view line);

// The reply to {"op":"status"}.
struct VmmStatus {
    // running | paused | shutting-down; after an end the monitor preserves (on_crash/
    // on_poweroff/on_reboot = preserve): crashed | stopped, with preserved set and the exit.
    std::string state;
    bool preserved = false;
    std::string exit_reason;  // preserved only: as ExitInfo (exit_info.hpp)
    int64_t exit_code = 0;
    std::string exit_detail;
    int64_t pid = 0;
    uint32_t vcpus = 0;
    uint64_t memory_mib = 0;
    uint64_t exits = 0;
    uint64_t hypercalls = 0;
    uint64_t vcpu_time_ns = 0;  // CPU time of all vCPU threads
    uint64_t uptime_ns = 0;     // since the vCPUs started
    uint64_t resident_kib = 0;  // guest RAM pages allocated (touched)
};

// Each returns one line, '\n' included.
std::string format_ok();
std::string format_error(std::string_view message);
std::string format_status(const VmmStatus& status);
std::string format_request(ControlOp op);
std::string format_dump_core_ok(uint64_t bytes);

// Client side. parse_ok_response: {"ok":true,...} -> ok; {"ok":false,"error":m} -> an error
// with Errc::invalid_argument and message m (the monitor refused); anything else -> an error
// with Errc::io naming the problem.
Status parse_ok_response(std::string_view line);
Result<VmmStatus> parse_status_response(std::string_view line);
// {"ok":true,"bytes":N} -> N.
Result<uint64_t> parse_dump_core_response(std::string_view line);

// The handshake line domus-vmm prints on stdout, then closes stdout:
//   {"ok":true,"pid":<pid>}   once the domain runs and the control socket listens
//   {"ok":false,"error":"..."} (and exit status 1) when it could not get that far.
std::string format_handshake_ok(int64_t pid);
std::string format_handshake_error(std::string_view message);
// Returns the pid, or the monitor's error (Errc::invalid_argument) / a malformed line (Errc::io).
Result<int64_t> parse_handshake(std::string_view line);

}  // namespace domus::vmm
