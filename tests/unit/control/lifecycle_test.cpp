// The lifecycle decisions: every exit reason under every policy, the restart budget, adoption.
#include "control/lifecycle.hpp"

#include <gtest/gtest.h>

namespace domus::control::lifecycle {
namespace {

DomainConfig with(Policy poweroff, Policy reboot, Policy crash) {
    DomainConfig c;
    c.name = "d";
    c.on_poweroff = poweroff;
    c.on_reboot = reboot;
    c.on_crash = crash;
    return c;
}

vmm::ExitInfo exit_of(const std::string& reason, const std::string& detail = "") {
    return {reason, 0, detail};
}

constexpr Policy kAll[] = {Policy::destroy, Policy::restart, Policy::preserve};

TEST(Lifecycle, PoweroffAndInitExitFollowOnPoweroff) {
    for (Policy p : kAll) {
        const ExitPlan a =
            on_monitor_exit(with(p, Policy::destroy, Policy::destroy), exit_of("poweroff"));
        ASSERT_EQ(a.steps.size(), 1u);
        EXPECT_EQ(a.steps[0], (Step{DomainState::stopped, "stopped", "poweroff"}));
        EXPECT_EQ(a.then, p == Policy::restart ? Then::restart : Then::nothing) << to_string(p);
        EXPECT_STREQ(a.policy_key, "on_poweroff");
        // init's exit is a power-off whose detail is its status.
        const ExitPlan b = on_monitor_exit(with(p, Policy::restart, Policy::restart),
                                           exit_of("exit", "init exited with status 3"));
        ASSERT_EQ(b.steps.size(), 1u);
        EXPECT_EQ(b.steps[0], (Step{DomainState::stopped, "stopped", "init exited with status 3"}));
        EXPECT_EQ(b.then, p == Policy::restart ? Then::restart : Then::nothing);
    }
}

TEST(Lifecycle, RebootFollowsOnRebootAndPreserveMeansDestroy) {
    for (Policy p : kAll) {
        const ExitPlan plan =
            on_monitor_exit(with(Policy::restart, p, Policy::restart), exit_of("reboot"));
        ASSERT_EQ(plan.steps.size(), 1u);
        EXPECT_EQ(plan.steps[0], (Step{DomainState::stopped, "stopped", "reboot"}));
        EXPECT_STREQ(plan.policy_key, "on_reboot");
        EXPECT_EQ(plan.then, p == Policy::restart ? Then::restart : Then::nothing);
    }
}

TEST(Lifecycle, CrashesFollowOnCrash) {
    for (const char* reason : {"crash", "triple_fault", "vcpu_error", "monitor_died", "seccomp"}) {
        const ExitPlan destroy = on_monitor_exit(
            with(Policy::restart, Policy::restart, Policy::destroy), exit_of(reason, "why"));
        ASSERT_EQ(destroy.steps.size(), 2u) << reason;
        EXPECT_EQ(destroy.steps[0],
                  (Step{DomainState::crashed, "crashed", std::string(reason) + ": why"}));
        EXPECT_EQ(destroy.steps[1], (Step{DomainState::stopped, "destroyed", "on_crash=destroy"}));
        EXPECT_EQ(destroy.then, Then::nothing);

        const ExitPlan restart = on_monitor_exit(
            with(Policy::destroy, Policy::destroy, Policy::restart), exit_of(reason, "why"));
        ASSERT_EQ(restart.steps.size(), 1u);
        EXPECT_EQ(restart.steps[0].state, DomainState::crashed);
        EXPECT_EQ(restart.then, Then::restart);
        EXPECT_STREQ(restart.policy_key, "on_crash");

        const ExitPlan preserve = on_monitor_exit(
            with(Policy::destroy, Policy::destroy, Policy::preserve), exit_of(reason, "why"));
        ASSERT_EQ(preserve.steps.size(), 1u);
        EXPECT_EQ(preserve.steps[0].state, DomainState::crashed);
        EXPECT_EQ(preserve.then, Then::nothing);
    }
}

TEST(Lifecycle, DestroyedIgnoresEveryPolicy) {
    const ExitPlan plan = on_monitor_exit(with(Policy::restart, Policy::restart, Policy::restart),
                                          exit_of("destroyed", "by request"));
    ASSERT_EQ(plan.steps.size(), 1u);
    EXPECT_EQ(plan.steps[0], (Step{DomainState::stopped, "destroyed", "by request"}));
    EXPECT_EQ(plan.then, Then::nothing);
}

TEST(Lifecycle, RestartRefusedAndFailedAreCrashes) {
    EXPECT_EQ(restart_refused(), (Step{DomainState::crashed, "crashed",
                                       "restarted too often: more than 5 times in 60 s"}));
    EXPECT_EQ(restart_failed("no kernel"),
              (Step{DomainState::crashed, "crashed", "restart failed: no kernel"}));
}

TEST(Lifecycle, RestartBudgetAllowsFiveInSixtySeconds) {
    RestartBudget b;
    for (int i = 0; i < 5; ++i) EXPECT_TRUE(b.take(1000 + i)) << i;
    EXPECT_FALSE(b.take(1010));
    EXPECT_FALSE(b.take(1000 + kRestartWindowMs));  // the first is exactly 60 s old: still in
    EXPECT_TRUE(b.take(1001 + kRestartWindowMs));   // it left the window: one slot free
    EXPECT_FALSE(b.take(1001 + kRestartWindowMs));
    EXPECT_TRUE(b.take(1010 + 2 * kRestartWindowMs));  // all old: a fresh budget
}

TEST(Lifecycle, AdoptedStateComesFromTheMonitor) {
    EXPECT_EQ(adopted_state("running"), DomainState::running);
    EXPECT_EQ(adopted_state("paused"), DomainState::paused);
    EXPECT_EQ(adopted_state("shutting-down"), DomainState::shutting_down);
    EXPECT_EQ(adopted_state("crashed"), std::nullopt);
    EXPECT_EQ(adopted_state(""), std::nullopt);
    EXPECT_EQ(adopted_state("Running"), std::nullopt);
}

MonitorProbe answering(int64_t pid, const std::string& state, bool preserved = false) {
    MonitorProbe p;
    p.alive = p.answered = true;
    p.status_pid = pid;
    p.state = state;
    p.preserved = preserved;
    return p;
}

MonitorProbe silent() {
    MonitorProbe p;
    p.alive = true;
    p.error = "timed out";
    return p;
}

TEST(Adoption, ALiveMonitorIsWatchedInTheStateItReports) {
    const Adoption a = decide_adoption(DomainState::running, 42, false, answering(42, "paused"));
    EXPECT_EQ(a.action, Adopt::watch);
    EXPECT_EQ(a.state, DomainState::paused);
    EXPECT_EQ(a.detail, "monitor pid 42");
    EXPECT_EQ(decide_adoption(DomainState::paused, 42, false, answering(42, "running")).state,
              DomainState::running);
}

TEST(Adoption, AMonitorThatDoesNotAnswerIsWatchedNotTakenForDead) {
    // Taken for dead, its domain would be restarted beside it by its policy: two monitors.
    const Adoption a = decide_adoption(DomainState::running, 42, false, silent());
    EXPECT_EQ(a.action, Adopt::watch);
    EXPECT_EQ(a.state, std::nullopt);
    EXPECT_EQ(a.detail, "monitor pid 42 (not answering: timed out)");
    const Adoption p = decide_adoption(DomainState::crashed, 42, true, silent());
    EXPECT_EQ(p.action, Adopt::watch);
    EXPECT_EQ(p.detail, "preserved, monitor pid 42 (not answering: timed out)");
}

TEST(Adoption, AGoneOrForeignMonitorEndedWhileNobodyWatched) {
    EXPECT_EQ(decide_adoption(DomainState::running, 42, false, MonitorProbe{}).action,
              Adopt::ended);
    // Another process answers with another pid: not this domain's monitor.
    EXPECT_EQ(decide_adoption(DomainState::running, 42, false, answering(77, "running")).action,
              Adopt::ended);
    EXPECT_EQ(decide_adoption(DomainState::shutting_down, 0, false, silent()).action, Adopt::ended);
}

TEST(Adoption, PreservedDomains) {
    // The end happened, and was preserved, while no daemon watched.
    EXPECT_EQ(
        decide_adoption(DomainState::running, 42, false, answering(42, "crashed", true)).action,
        Adopt::preserved_end);
    // Recorded preserved, still preserved: watched, its state kept.
    const Adoption kept =
        decide_adoption(DomainState::crashed, 42, true, answering(42, "crashed", true));
    EXPECT_EQ(kept.action, Adopt::watch);
    EXPECT_EQ(kept.state, std::nullopt);
    EXPECT_EQ(kept.detail, "preserved, monitor pid 42");
    // Its monitor is gone: released.
    const Adoption gone = decide_adoption(DomainState::stopped, 42, true, MonitorProbe{});
    EXPECT_EQ(gone.action, Adopt::released);
    EXPECT_EQ(gone.detail, "its preserved monitor (pid 42) ended while domusd was not running");
}

TEST(Adoption, StoppedAndCrashedDomainsOnlyLoseTheirLeftovers) {
    for (DomainState s : {DomainState::stopped, DomainState::crashed}) {
        EXPECT_EQ(decide_adoption(s, 0, false, MonitorProbe{}).action, Adopt::leftovers);
    }
}

}  // namespace
}  // namespace domus::control::lifecycle
