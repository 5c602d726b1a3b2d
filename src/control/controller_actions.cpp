// Lifecycle actions, monitor exits and the on_poweroff/on_reboot/on_crash policies.
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <tuple>

#include "control/controller_internal.hpp"
#include "control/image_paths.hpp"
#include "telemetry/log_line.hpp"
#include "vmm/jail_user.hpp"
#include "vmm/vmm_client.hpp"

namespace domus::control {

namespace {

constexpr int kControlTimeoutMs = 3000;
constexpr int kDestroyGraceMs = 3000;

ApiError wrong_state(const DomainRecord& rec, const char* action) {
    return api_error(409, "conflict",
                     std::string("cannot ") + action + " domain '" + rec.config.name + "': it is " +
                         to_string(rec.state));
}

// The monitor could not be asked: 504 when it did not answer in time (stopped, overloaded),
// 503 when it cannot be reached at all. Either way nothing about the domain changed here.
ApiError monitor_unreachable(const DomainRecord& rec, const Error& e) {
    const std::string who =
        "domain '" + rec.config.name + "': its monitor (pid " + std::to_string(rec.pid) + ")";
    if (e.code == Errc::timeout) {
        return api_error(504, "monitor_timeout",
                         who + " did not answer within " + std::to_string(kControlTimeoutMs) +
                             " ms; it may be stopped or overloaded (" + e.message + ")");
    }
    return api_error(503, "unavailable", who + " cannot be reached: " + e.message);
}

}  // namespace

ApiResult<DomainView> ControllerImpl::act(const std::string& name, Action action,
                                          const ActionOptions& options) {
    if (name == "Domain-0") {
        return api_error(403, "forbidden",
                         std::string("Domain-0 cannot be ") + to_string(action) + "ed");
    }
    auto lock_ptr = domain_lock(name);
    std::lock_guard dl(*lock_ptr);
    auto loaded = load(name);
    if (!loaded) return api_error(404, "not_found", "no domain named '" + name + "'");
    DomainRecord rec = *loaded;
    const std::string ctl = run_path(rec.id, ".ctl");

    switch (action) {
        case Action::start:
            if (is_live(rec.state)) return wrong_state(rec, "start");
            if (is_preserved(rec)) {
                return api_error(409, "conflict",
                                 "cannot start domain '" + rec.config.name + "': it is " +
                                     to_string(rec.state) + " and preserved (its monitor, pid " +
                                     std::to_string(rec.pid) +
                                     ", keeps its memory for dump-core); destroy it first");
            }
            if (auto e = check_capacity(rec.config)) return *e;
            if (auto k = check_boot_files(rec.config); !k.ok()) return k.error();
            rec.restarts = 0;
            return start_locked(rec, false);
        case Action::destroy:
            if (!is_live(rec.state) && rec.state != DomainState::crashed && !is_preserved(rec)) {
                return wrong_state(rec, "destroy");
            }
            return destroy_locked(rec, "destroyed");
        case Action::pause:
        case Action::unpause:
        case Action::shutdown:
        case Action::reboot:
            break;
    }

    const bool ok_state = (action == Action::pause && rec.state == DomainState::running) ||
                          (action == Action::unpause && rec.state == DomainState::paused) ||
                          (action == Action::shutdown && (rec.state == DomainState::running ||
                                                          rec.state == DomainState::paused)) ||
                          (action == Action::reboot && rec.state == DomainState::running);
    if (!ok_state) return wrong_state(rec, to_string(action));

    auto client = vmm::VmmClient::connect(ctl, kControlTimeoutMs);
    if (!client) return monitor_unreachable(rec, client.error());
    Status st;
    switch (action) {
        case Action::pause:
            st = client->pause();
            break;
        case Action::unpause:
            st = client->unpause();
            break;
        case Action::shutdown:
            // A paused guest cannot see the request: let it run to handle it.
            if (rec.state == DomainState::paused) st = client->unpause();
            if (st) st = client->request_shutdown();
            break;
        case Action::reboot:
            st = client->request_reboot();
            break;
        default:
            break;
    }
    if (!st) {
        // The monitor refusing (e.g. a state it disagrees with) is a conflict; silence is 504.
        if (st.error().code == Errc::invalid_argument) {
            return api_error(409, "conflict", st.error().message);
        }
        return monitor_unreachable(rec, st.error());
    }

    std::string event;
    switch (action) {
        case Action::pause:
            rec.state = DomainState::paused;
            event = "paused";
            break;
        case Action::unpause:
            rec.state = DomainState::running;
            event = "unpaused";
            break;
        case Action::shutdown: {
            rec.state = DomainState::shutting_down;
            event = "shutdown_requested";
            const int64_t pid = rec.pid;
            tasks_->post_after(options.shutdown_timeout,
                               [this, name, pid] { shutdown_timeout(name, pid); });
            break;
        }
        case Action::reboot:
            event = "reboot_requested";
            break;
        default:
            break;
    }
    if (auto s = save(rec, event); !s.ok()) return s.error();
    return view_of(rec);
}

ApiResult<vmm::JailUser> ControllerImpl::monitor_user(int64_t id) const {
    if (!options_.vmm_user.empty()) {
        auto user = vmm::parse_jail_user(options_.vmm_user);  // resolved by open_controller
        if (!user) return api_error(500, "internal", user.error().message);
        return *user;
    }
    if (options_.vmm_uid_range.empty()) return vmm::JailUser{};
    auto range = vmm::parse_jail_uid_range(options_.vmm_uid_range);
    if (!range) return api_error(500, "internal", range.error().message);
    auto user = vmm::jail_user_for_domain(*range, id);
    if (!user) return api_error(409, "conflict", user.error().message);
    return *user;
}

// <state>/run/<id>/: the domain's monitor files, and its monitor's jail root.
ApiResult<std::string> ControllerImpl::prepare_run_dir(int64_t id, const vmm::JailUser& owner) {
    const std::string dir = options_.state_dir + "/run/" + std::to_string(id);
    if (::mkdir(dir.c_str(), 0700) != 0 && errno != EEXIST) {
        return api_error(500, "internal",
                         "cannot create " + dir + ": " + std::string(std::strerror(errno)));
    }
    // Always (re)owned: the monitor has no CAP_DAC_OVERRIDE, and its user may have changed
    // since the directory was made.
    if (::chown(dir.c_str(), owner.uid, owner.gid) != 0 || ::chmod(dir.c_str(), 0700) != 0) {
        return api_error(500, "internal",
                         "cannot give " + dir + " to " + vmm::format_jail_user(owner) + ": " +
                             std::string(std::strerror(errno)));
    }
    return dir;
}

ApiResult<DomainView> ControllerImpl::start_locked(DomainRecord& rec, bool by_policy) {
    // Resource control: the settings must apply here, and the host's memory must admit it
    // (reserved until this start has ended either way).
    if (auto e = check_resources(rec.config)) return *e;
    if (auto e = admit_start(rec)) return *e;
    struct Release {
        ControllerImpl* self;
        int64_t id;
        ~Release() { self->release_start(id); }
    } release{this, rec.id};
    // Its monitor's user first: a domain id past vmm-uid-range is refused before anything is
    // made for it.
    auto user = monitor_user(rec.id);
    if (!user.ok()) {
        ApiError e = user.error();
        e.message = "domain '" + rec.config.name + "' failed to start: " + e.message;
        return e;
    }
    // The images may have changed since the definition: checked again at every start.
    auto disks = check_disk_images(rec.config);
    if (!disks.ok()) {
        ApiError e = disks.error();
        e.message = "domain '" + rec.config.name + "' failed to start: " + e.message;
        return e;
    }
    // So may the kernel and ramdisk: the monitor gets their confined, resolved paths.
    std::string kernel, ramdisk;
    for (auto [given, out, what] : {std::tuple{&rec.config.kernel, &kernel, "kernel"},
                                    std::tuple{&rec.config.ramdisk, &ramdisk, "ramdisk"}}) {
        if (given->empty()) continue;
        auto resolved = resolve_boot_file(image_dirs_, *given, what);
        if (!resolved) {
            return api_error(
                400, "invalid_field",
                "domain '" + rec.config.name + "' failed to start: " + resolved.error().message,
                what);
        }
        *out = std::move(*resolved);
    }
    auto exec = exec_monitor_args(rec.config);  // --exec: its files confined again, like those
    if (!exec.ok()) {
        ApiError e = exec.error();
        e.message = "domain '" + rec.config.name + "' failed to start: " + e.message;
        return e;
    }
    // The TAP devices (and the bridge, on the first such start): --net and the ip= parameter.
    auto nics = setup_nics(rec);
    if (!nics.ok()) return nics.error();
    auto run_dir = prepare_run_dir(rec.id, user.value());
    if (!run_dir.ok()) {
        teardown_nics(rec);
        return run_dir.error();
    }
    ::unlink(run_path(rec.id, ".exit").c_str());
    ::unlink(run_path(rec.id, ".ctl").c_str());
    SpawnRequest req;
    req.vmm_path = options_.vmm_path;
    req.log_path = run_path(rec.id, ".log");
    req.handshake_timeout_ms = options_.handshake_timeout_ms;
    req.args = {"--name",
                rec.config.name,
                "--id",
                std::to_string(rec.id),
                "--memory",
                std::to_string(rec.config.memory),
                "--vcpus",
                std::to_string(rec.config.vcpus),
                "--run-dir",
                run_dir.value(),
                "--console-log-max-bytes",
                std::to_string(options_.console_log_max_bytes)};
    if (telemetry::log_format() == telemetry::LogFormat::json) {  // the monitor logs as domusd
        req.args.push_back("--log-format");
        req.args.push_back("json");
    }
    for (auto [policy, end] :
         {std::pair{rec.config.on_crash, "crash"}, std::pair{rec.config.on_poweroff, "poweroff"},
          std::pair{rec.config.on_reboot, "reboot"}}) {
        if (policy != Policy::preserve) continue;
        req.args.push_back("--preserve");
        req.args.push_back(end);
    }
    if (!options_.vmm_user.empty() || !options_.vmm_uid_range.empty()) {
        req.args.push_back("--user");
        req.args.push_back(vmm::format_jail_user(user.value()));
    }
    if (!kernel.empty()) {
        req.args.push_back("--kernel");
        req.args.push_back(kernel);
    }
    if (!ramdisk.empty()) {
        req.args.push_back("--ramdisk");
        req.args.push_back(ramdisk);
    }
    if (!nics.value().cmdline.empty()) {
        req.args.push_back("--cmdline");
        req.args.push_back(nics.value().cmdline);
    }
    req.args.insert(req.args.end(), exec.value().begin(), exec.value().end());
    for (const std::string& disk : disks.value()) {  // in guest order: vda first
        req.args.push_back("--disk");
        req.args.push_back(disk);
    }
    for (const std::string& net : nics.value().net_args) {  // eth0 first
        req.args.push_back("--net");
        req.args.push_back(net);
    }
    auto pid = spawn_in_cgroup(rec, req);  // in the domain's own cgroup, when the host has them
    (pid ? spawns_ : spawn_failures_)->inc({});
    if (!pid) {
        teardown_nics(rec);
        // The domain's fault (the monitor refused it) is a 4xx; the host's is a 5xx.
        const Errc code = pid.error().code;
        const int status = code == Errc::invalid_argument ? 400
                           : code == Errc::resource       ? 503
                                                          : 500;
        return api_error(
            status,
            status == 400   ? "invalid_field"
            : status == 503 ? "unavailable"
                            : "internal",
            "domain '" + rec.config.name + "' failed to start: " + pid.error().message);
    }
    rec.state = DomainState::running;
    rec.pid = *pid;
    rec.started_at = unix_ms();
    if (auto s = save(rec, by_policy ? "restarted" : "started"); !s.ok()) {
        ::kill(*pid, SIGKILL);
        wait_for_exit(*pid, kDestroyGraceMs);
        teardown_nics(rec);
        remove_cgroup(rec);
        return s.error();
    }
    if (auto st = supervisor_->watch(rec.id, *pid); !st) {
        ::kill(*pid, SIGKILL);
        wait_for_exit(*pid, kDestroyGraceMs);
        teardown_nics(rec);
        remove_cgroup(rec);
        return api_error(500, "internal", st.error().message);
    }
    return view_of(rec);
}

ApiResult<DomainView> ControllerImpl::destroy_locked(DomainRecord& rec,
                                                     const std::string& event_type) {
    const pid_t pid = static_cast<pid_t>(rec.pid);
    if (pid > 0 && is_monitor_process(pid)) {
        supervisor_->unwatch(pid);
        if (auto client = vmm::VmmClient::connect(run_path(rec.id, ".ctl"), kControlTimeoutMs);
            client) {
            (void)client->destroy();
        }
        if (!wait_for_exit(pid, kDestroyGraceMs)) {
            ::kill(pid, SIGKILL);
            wait_for_exit(pid, kDestroyGraceMs);
        }
    }
    if (auto info = vmm::read_exit_file(run_path(rec.id, ".exit")); info) {
        rec.last_exit = *info;
    } else if (rec.state != DomainState::crashed) {
        rec.last_exit = ExitInfo{"destroyed", 0, "destroyed by request"};
    }
    ::unlink(run_path(rec.id, ".exit").c_str());
    ::unlink(run_path(rec.id, ".ctl").c_str());
    teardown_nics(rec);
    remove_cgroup(rec);
    rec.state = DomainState::stopped;
    rec.pid = 0;
    if (auto s = save(rec, event_type); !s.ok()) return s.error();
    return view_of(rec);
}

void ControllerImpl::shutdown_timeout(const std::string& name, int64_t pid) {
    auto lock_ptr = domain_lock(name);
    std::lock_guard dl(*lock_ptr);
    auto rec = load(name);
    if (!rec || rec->pid != pid || rec->state != DomainState::shutting_down) return;
    (void)destroy_locked(*rec, "destroyed");  // the guest ignored the request
}

void ControllerImpl::on_monitor_exit(int64_t id, pid_t pid) {
    const std::optional<DomainRecord> found = table_->get(id);
    if (!found) return;
    auto lock_ptr = domain_lock(found->config.name);
    std::lock_guard dl(*lock_ptr);
    auto rec = load(found->config.name);
    if (!rec || rec->pid != pid) return;  // already handled (destroy) or a newer monitor
    auto info = vmm::read_exit_file(run_path(rec->id, ".exit"));
    ExitInfo exit =
        info ? *info
             : ExitInfo{"monitor_died", 0,
                        "monitor process " + std::to_string(pid) + " ended without an exit record"};
    ::unlink(run_path(rec->id, ".exit").c_str());
    ::unlink(run_path(rec->id, ".ctl").c_str());
    handle_exit_locked(*rec, exit);
}

bool ControllerImpl::allow_restart(int64_t id) {
    std::lock_guard lock(restarts_mu_);
    return restart_budgets_[id].take(unix_ms());
}

void ControllerImpl::handle_exit_locked(DomainRecord& rec, const ExitInfo& exit) {
    teardown_nics(rec);  // the monitor is gone: its TAPs go too (a restart makes new ones)
    remove_cgroup(rec);  // and its cgroup (a restart makes a new one)
    rec.last_exit = exit;
    rec.pid = 0;
    const auto apply = [&](const lifecycle::Step& step) {
        rec.state = step.state;
        (void)save(rec, step.event, step.detail);
    };
    const lifecycle::ExitPlan plan = lifecycle::on_monitor_exit(rec.config, exit);
    for (const lifecycle::Step& step : plan.steps) apply(step);
    if (plan.then != lifecycle::Then::restart) return;
    if (!allow_restart(rec.id)) {
        apply(lifecycle::restart_refused());
        return;
    }
    ++rec.restarts;
    restarts_->inc({plan.policy_key});
    auto started = start_locked(rec, true);
    if (!started.ok()) apply(lifecycle::restart_failed(started.error().message));
}

void ControllerImpl::apply_preserved_locked(DomainRecord& rec, const vmm::VmmStatus& status) {
    rec.last_exit = ExitInfo{status.exit_reason, status.exit_code, status.exit_detail};
    const std::string kept =
        "preserved: monitor pid " + std::to_string(rec.pid) + " keeps its memory until destroyed";
    if (status.state == "crashed") {
        rec.state = DomainState::crashed;
        (void)save(rec, "crashed", status.exit_reason + ": " + status.exit_detail + "; " + kept);
    } else {
        rec.state = DomainState::stopped;
        const std::string why =
            status.exit_reason == "exit" ? status.exit_detail : status.exit_reason;
        (void)save(rec, "stopped", why + "; " + kept);
    }
}

void ControllerImpl::on_preserved(const std::string& name) {
    auto lock_ptr = domain_lock(name);
    std::lock_guard dl(*lock_ptr);
    auto rec = load(name);
    if (!rec || !is_live(rec->state) || rec->pid <= 0) return;  // already applied, or gone
    auto client = vmm::VmmClient::connect(run_path(rec->id, ".ctl"), kControlTimeoutMs);
    auto status = client ? client->status() : Result<vmm::VmmStatus>(client.error());
    if (!status || status->pid != rec->pid || !status->preserved) return;
    apply_preserved_locked(*rec, *status);
}

void ControllerImpl::adopt_all() {
    for (auto& rec : table_->list()) {
        const bool preserved = is_preserved(rec);
        if (!preserved && !is_live(rec.state)) {
            teardown_nics(rec);  // a TAP left by a daemon killed while starting or stopping it
            remove_cgroup(rec);  // likewise an empty cgroup
            continue;
        }
        auto lock_ptr = domain_lock(rec.config.name);
        std::lock_guard dl(*lock_ptr);
        const pid_t pid = static_cast<pid_t>(rec.pid);
        // Probe the recorded monitor; what it means is lifecycle::decide_adoption's.
        lifecycle::MonitorProbe probe;
        std::optional<vmm::VmmStatus> status;
        probe.alive = pid > 0 && is_monitor_process(pid);
        if (probe.alive) {
            auto client = vmm::VmmClient::connect(run_path(rec.id, ".ctl"), kControlTimeoutMs);
            auto answer = client ? client->status() : Result<vmm::VmmStatus>(client.error());
            probe.answered = answer.ok();
            if (answer) {
                status = *answer;
                probe.status_pid = status->pid;
                probe.state = status->state;
                probe.preserved = status->preserved;
            } else {
                probe.error = answer.error().message;
            }
        }
        const lifecycle::Adoption adoption =
            lifecycle::decide_adoption(rec.state, rec.pid, preserved, probe);
        switch (adoption.action) {
            case lifecycle::Adopt::leftovers:
                teardown_nics(rec);
                remove_cgroup(rec);
                break;
            case lifecycle::Adopt::watch:
                if (adoption.state) rec.state = *adoption.state;
                (void)save(rec, "adopted", adoption.detail);
                readoptions_->inc({});
                (void)supervisor_->watch(rec.id, pid);
                break;
            case lifecycle::Adopt::preserved_end:  // it ended, preserved, while nobody watched
                apply_preserved_locked(rec, *status);
                readoptions_->inc({});
                (void)supervisor_->watch(rec.id, pid);
                break;
            case lifecycle::Adopt::released: {
                if (auto info = vmm::read_exit_file(run_path(rec.id, ".exit")); info) {
                    rec.last_exit = *info;
                }
                ::unlink(run_path(rec.id, ".exit").c_str());
                ::unlink(run_path(rec.id, ".ctl").c_str());
                teardown_nics(rec);
                remove_cgroup(rec);
                rec.pid = 0;
                (void)save(rec, "destroyed", adoption.detail);
                break;
            }
            case lifecycle::Adopt::ended: {
                // The monitor ended while no daemon was watching: apply what it left behind.
                auto info = vmm::read_exit_file(run_path(rec.id, ".exit"));
                ExitInfo exit = info ? *info
                                     : ExitInfo{"monitor_died", 0,
                                                "monitor process " + std::to_string(pid) +
                                                    " ended while domusd was not running"};
                ::unlink(run_path(rec.id, ".exit").c_str());
                ::unlink(run_path(rec.id, ".ctl").c_str());
                handle_exit_locked(rec, exit);
                break;
            }
        }
    }
}

DomainView ControllerImpl::view_of(const DomainRecord& record) {
    DomainView v;
    v.record = record;
    v.nics = nic_views(record);
    read_nic_counters(record, v.nics);
    v.cgroup = cgroup_view(record);
    if (is_live(record.state) && record.pid > 0) {
        auto client = vmm::VmmClient::connect(run_path(record.id, ".ctl"), 500);
        if (client) {
            if (auto s = client->status(); s) {
                if (s->preserved && s->pid == record.pid) {
                    // The guest ended and its monitor kept it: applied on the task thread
                    // (the caller may hold the domain's lock), seen by the next request.
                    tasks_->post([this, name = record.config.name] { on_preserved(name); });
                }
                v.vcpu_time_ns = s->vcpu_time_ns;
                v.exits = s->exits;
                v.hypercalls = s->hypercalls;
                v.resident_kib = s->resident_kib;
            }
        }
    }
    return v;
}

}  // namespace domus::control
