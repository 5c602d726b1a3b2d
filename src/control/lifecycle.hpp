// The domain lifecycle's decisions as pure functions: what the end of a domain's monitor means
// (the states it passes through and the events recorded, and whether it restarts, after
// on_poweroff / on_reboot / on_crash), the restart budget, and what a re-adopted monitor's
// status means. ControllerImpl applies them (saves, starts, watches) under its locks; the
// locks guard the data, the decisions live here and are unit-tested on their own.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "control/domain_config.hpp"
#include "control/domain_state.hpp"
#include "vmm/exit_info.hpp"

namespace domus::control::lifecycle {

// A state the domain takes, with the event recorded for it.
struct Step {
    DomainState state;
    std::string event;   // "stopped", "crashed", "destroyed"
    std::string detail;  // the event's detail
    bool operator==(const Step&) const = default;
};

enum class Then { nothing, restart };

struct ExitPlan {
    std::vector<Step> steps;  // applied and recorded in order
    Then then = Then::nothing;
    const char* policy_key =
        "";  // the setting that decided: "on_poweroff", "on_reboot", "on_crash"
};

// The monitor ended with `exit` (read from its exit record, or "monitor_died"): reason
// poweroff/exit -> on_poweroff, reboot -> on_reboot, destroyed -> stopped without a policy,
// anything else -> crashed and on_crash. A `preserve` policy keeps the monitor alive (it is
// started with --preserve), so its end reaches here only when the monitor ended anyway: the
// domain is left as it ended (stopped or crashed), and a reboot is a destroy.
ExitPlan on_monitor_exit(const DomainConfig& config, const vmm::ExitInfo& exit);

// The restart a policy asked for was refused by the budget, or failed.
Step restart_refused();
Step restart_failed(const std::string& why);

// At most kMaxRestarts automatic restarts of one domain within kRestartWindowMs.
inline constexpr size_t kMaxRestarts = 5;
inline constexpr int64_t kRestartWindowMs = 60000;
class RestartBudget {
  public:
    // True (and the restart counted) when fewer than kMaxRestarts happened in the window
    // ending at `now_ms`.
    bool take(int64_t now_ms);

  private:
    std::deque<int64_t> times_;
};

// The state of a live domain whose monitor was re-adopted, from the monitor's status:
// "running", "paused", "shutting-down"; nullopt (keep the recorded state) for anything else.
std::optional<DomainState> adopted_state(std::string_view monitor_state);

// What a restarted daemon learned about a domain's recorded monitor.
struct MonitorProbe {
    bool alive = false;      // a domus-vmm process with the recorded pid exists
    bool answered = false;   // its control socket answered a status request
    int64_t status_pid = 0;  // from the status
    std::string state;       // from the status: running, paused, shutting-down, crashed, stopped
    bool preserved = false;  // from the status
    std::string error;       // why it did not answer
};

enum class Adopt {
    leftovers,      // not live: only a TAP or cgroup a killed daemon left behind is removed
    watch,          // the monitor is the domain's: watched again (state below, when known)
    preserved_end,  // it ended while no daemon watched and keeps the domain: apply that end
    ended,          // it is gone: apply its exit record (or "monitor_died")
    released,       // a preserved domain whose monitor is gone: stopped, nothing to apply
};

struct Adoption {
    Adopt action;
    std::optional<DomainState> state;  // with watch: the state the monitor reports
    std::string detail;                // the "adopted" / "destroyed" event's detail
};

// The re-adoption decision for one domain record (its state, monitor pid, preserved flag) and
// what probing its monitor found. A monitor that is alive but does not answer is never taken
// for dead: it is watched, and its state is settled by the stats sampler once it answers.
Adoption decide_adoption(DomainState state, int64_t pid, bool preserved, const MonitorProbe& probe);

}  // namespace domus::control::lifecycle
