// `<run-dir>/<id>.exit`: how a domus-vmm ended, written just before it exits (tmp + rename, so
// a reader sees the whole file or none) as one JSON object:
//   {"reason": "poweroff|exit|reboot|crash|triple_fault|vcpu_error|destroyed|seccomp",
//    "code": N, "detail": "..."}
// ("seccomp": the monitor made a system call its filter forbids; code = its number.)
// No exit file after the process is gone means the monitor died (killed, crashed).
#pragma once

#include <string>
#include <string_view>

#include "base/result.hpp"
#include "vmm/exit_info.hpp"

namespace domus::vmm {

inline constexpr size_t kMaxExitFileBytes = 64 * 1024;

// True for the reasons a domus-vmm writes (not "monitor_died", which only the daemon infers).
bool is_exit_reason(std::string_view reason);

// Pure. format: one line, '\n' included. parse: "reason" (a known one) and "code" (an integer)
// are required, "detail" (a string) is optional; other fields are ignored.
std::string format_exit_info(const ExitInfo& info);
Result<ExitInfo> parse_exit_info(std::string_view text);

// Writes `path` atomically: `path`.tmp, fsync, rename.
Status write_exit_file(const std::string& path, const ExitInfo& info);
// The same into `tmp_fd`, `path`.tmp opened (empty) earlier: a jailed monitor cannot open files.
Status write_exit_file(int tmp_fd, const std::string& path, const ExitInfo& info);
// Errc::not_found when there is no such file (the monitor died or has not exited).
Result<ExitInfo> read_exit_file(const std::string& path);

}  // namespace domus::vmm
