// Domain lifecycle states and the records the daemon keeps about each domain.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "control/domain_config.hpp"
#include "vmm/exit_info.hpp"

namespace domus::control {

enum class DomainState { stopped, running, paused, shutting_down, crashed };
const char* to_string(DomainState s);  // "stopped", "running", "paused", "shutting-down", "crashed"
std::optional<DomainState> state_from_string(std::string_view s);

// How a domain's monitor last ended (from its exit file, or "monitor died" when it had none).
using ExitInfo = vmm::ExitInfo;

struct DomainRecord {
    int64_t id = 0;  // stable, > 0 (Domain-0 is 0)
    DomainConfig config;
    DomainState state = DomainState::stopped;
    // domus-vmm pid while running/paused/shutting-down, and while a stopped or crashed domain
    // is preserved (is_preserved); else 0.
    int64_t pid = 0;
    int64_t created_at = 0;  // unix ms
    int64_t updated_at = 0;  // unix ms
    int64_t started_at = 0;  // unix ms of the last start, 0 if never
    std::optional<ExitInfo> last_exit;
    uint32_t restarts = 0;  // automatic restarts by policy since the last user start
};

// A monitor runs the domain's vCPUs (or is ending them).
inline bool is_live(DomainState s) {
    return s == DomainState::running || s == DomainState::paused || s == DomainState::shutting_down;
}

// on_crash/on_poweroff/on_reboot = preserve kept the domain: its monitor still holds its memory
// and stopped vCPUs (for dump-core) until it is destroyed.
inline bool is_preserved(const DomainRecord& r) {
    return r.pid > 0 && (r.state == DomainState::stopped || r.state == DomainState::crashed);
}

struct Event {
    int64_t id = 0;      // monotonically increasing
    int64_t time = 0;    // unix ms
    std::string domain;  // domain name ("" for host events)
    std::string type;  // created, started, paused, unpaused, shutdown_requested, reboot_requested,
                       // stopped, crashed, restarted, destroyed, deleted, updated, adopted,
                       // core_dumped
    std::string detail;
};

}  // namespace domus::control
