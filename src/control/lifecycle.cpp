#include "control/lifecycle.hpp"

namespace domus::control::lifecycle {

ExitPlan on_monitor_exit(const DomainConfig& config, const vmm::ExitInfo& exit) {
    ExitPlan plan;
    Policy policy;
    if (exit.reason == "poweroff" || exit.reason == "exit") {
        // "exit": the domain's init program ended (its status is the detail): a power-off.
        policy = config.on_poweroff;
        plan.policy_key = "on_poweroff";
        plan.steps.push_back(
            {DomainState::stopped, "stopped", exit.reason == "exit" ? exit.detail : "poweroff"});
    } else if (exit.reason == "reboot") {
        policy = config.on_reboot == Policy::preserve ? Policy::destroy : config.on_reboot;
        plan.policy_key = "on_reboot";
        plan.steps.push_back({DomainState::stopped, "stopped", "reboot"});
    } else if (exit.reason == "destroyed") {
        plan.steps.push_back({DomainState::stopped, "destroyed", exit.detail});
        return plan;
    } else {
        policy = config.on_crash;
        plan.policy_key = "on_crash";
        plan.steps.push_back({DomainState::crashed, "crashed", exit.reason + ": " + exit.detail});
        if (policy == Policy::destroy) {
            plan.steps.push_back({DomainState::stopped, "destroyed", "on_crash=destroy"});
        }
    }
    if (policy == Policy::restart) plan.then = Then::restart;
    return plan;
}

Step restart_refused() {
    return {DomainState::crashed, "crashed",
            "restarted too often: more than " + std::to_string(kMaxRestarts) + " times in " +
                std::to_string(kRestartWindowMs / 1000) + " s"};
}

Step restart_failed(const std::string& why) {
    return {DomainState::crashed, "crashed", "restart failed: " + why};
}

bool RestartBudget::take(int64_t now_ms) {
    while (!times_.empty() && now_ms - times_.front() > kRestartWindowMs) times_.pop_front();
    if (times_.size() >= kMaxRestarts) return false;
    times_.push_back(now_ms);
    return true;
}

std::optional<DomainState> adopted_state(std::string_view monitor_state) {
    if (monitor_state == "running") return DomainState::running;
    if (monitor_state == "paused") return DomainState::paused;
    if (monitor_state == "shutting-down") return DomainState::shutting_down;
    return std::nullopt;
}

Adoption decide_adoption(DomainState state, int64_t pid, bool preserved,
                         const MonitorProbe& probe) {
    const std::string monitor = "monitor pid " + std::to_string(pid);
    const bool ours = probe.alive && probe.answered && probe.status_pid == pid;
    const bool silent = probe.alive && !probe.answered;
    if (preserved) {
        if (ours) {
            return {Adopt::watch, probe.preserved ? std::nullopt : adopted_state(probe.state),
                    "preserved, " + monitor};
        }
        if (silent) {
            return {Adopt::watch, std::nullopt,
                    "preserved, " + monitor + " (not answering: " + probe.error + ")"};
        }
        return {Adopt::released, std::nullopt,
                "its preserved monitor (pid " + std::to_string(pid) +
                    ") ended while domusd was not running"};
    }
    if (!is_live(state)) return {Adopt::leftovers, std::nullopt, ""};
    if (pid > 0 && ours && probe.preserved) return {Adopt::preserved_end, std::nullopt, ""};
    if (pid > 0 && ours) return {Adopt::watch, adopted_state(probe.state), monitor};
    if (pid > 0 && silent) {
        return {Adopt::watch, std::nullopt, monitor + " (not answering: " + probe.error + ")"};
    }
    return {Adopt::ended, std::nullopt, ""};
}

}  // namespace domus::control::lifecycle
