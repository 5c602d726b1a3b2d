// The real Controller. Split across controller_*.cpp by concern; this header is private to them.
//
// Locks (acquire in this order, never the reverse):
//   1. a domain's lock (domain_lock(name)): serialises every request and monitor event on it
//   1b. admission_mu_: max-domains and host memory admission (never held across a spawn)
//   2. net_mu_: NIC address assignment (held across it and the table write that stores it,
//      so two domains never get the same address), the bridge, the netlink socket
//   3. notify_mu_ / snapshot_mu_
//   4. the DomainTable's locks (its SQLite lock, then its in-memory copy's lock)
//   5. sub_mu_ / restarts_mu_ / stats_mu_ / sampler_mu_: leaf locks
// No lock is held while waiting for another thread that could need the same lock.
//
// Reads that serve lists (list_domains, host, metrics) never touch SQLite or a monitor: the
// records come from the DomainTable's memory, the live figures from the stats sampler (a thread
// asking each live monitor for its status every stats_interval_ms), and the list itself is one
// immutable snapshot rebuilt only when either has changed.
#pragma once

#include <atomic>
#include <condition_variable>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <thread>

#include "boot/exec_image.hpp"
#include "control/cgroup_host.hpp"
#include "control/controller_impl.hpp"
#include "control/controller_tasks.hpp"
#include "control/domain_table.hpp"
#include "control/lifecycle.hpp"
#include "control/name_locks.hpp"
#include "control/supervisor.hpp"
#include "hostnet/netlink_socket.hpp"
#include "telemetry/metrics.hpp"
#include "vmm/control_protocol.hpp"
#include "vmm/jail_user.hpp"

namespace domus::control {

class ControllerImpl final : public Controller {
  public:
    ControllerImpl(ControllerOptions options, std::unique_ptr<DomainTable> table);
    ~ControllerImpl() override;

    Status init();  // supervisor, host probe, re-adoption

    std::shared_ptr<const DomainList> list_domains() override;
    ApiResult<DomainView> get_domain(const std::string& name) override;
    ApiResult<DomainView> create_domain(const DomainConfig& config, bool start) override;
    ApiResult<DomainView> patch_domain(const std::string& name,
                                       const DomainConfigPatch& patch) override;
    ApiResult<Empty> delete_domain(const std::string& name) override;
    ApiResult<DomainView> act(const std::string& name, Action action,
                              const ActionOptions& options) override;
    ApiResult<DomainView> pin_vcpu(const std::string& name, int vcpu,
                                   const std::string& cpus) override;
    ApiResult<std::string> console_tail(const std::string& name, size_t lines) override;
    ApiResult<Fd> console_attach(const std::string& name) override;
    ApiResult<Fd> dump_core(const std::string& name) override;
    HostView host() override;
    std::vector<Event> events_after(int64_t after_id, size_t limit) override;
    void subscribe_events(std::function<void(const Event&)> callback) override;
    std::string metrics() override;
    ApiResult<ImageView> create_image(const ImageRequest& request) override;
    ApiResult<std::vector<ImageView>> list_images() override;

  private:
    // controller_impl.cpp
    std::shared_ptr<std::mutex> domain_lock(const std::string& name);
    std::optional<DomainRecord> load(const std::string& name);
    ApiResult<Empty> save(const DomainRecord& record, const std::string& event_type,
                          const std::string& detail = "");
    // Hands new events to the subscribers, counts and logs them; `gone`: a domain just deleted
    // (its id for the log line).
    void notify_new_events(const DomainRecord* gone = nullptr);
    DomainView view_of(const DomainRecord& record);
    DomainView domain0_view();
    // The host cannot give what `config` asks for right now: the error, else nothing.
    std::optional<ApiError> check_capacity(const DomainConfig& config);
    // The kernel (a valid ELF for this memory size) and the ramdisk (a valid initramfs of at
    // most half the memory) can be read: 400 invalid_field naming the file and the problem.
    ApiResult<Empty> check_boot_files(const DomainConfig& config);
    // Every disk image resolved inside the image dirs (a regular file of at least a sector),
    // as the monitor's --disk values in guest order; 400 invalid_field naming disks[i].path.
    ApiResult<std::vector<std::string>> check_disk_images(const DomainConfig& config);
    // controller_exec.cpp: exec's program and overlay confined to the image dirs (400
    // invalid_field naming exec.program or exec.overlay); the initramfs packed and dropped (the
    // program static, every file readable, within half the memory; the command line fits); the
    // monitor's --exec options (none without exec).
    ApiResult<ExecSpec> resolve_exec(const DomainConfig& config);
    ApiResult<Empty> check_exec(const DomainConfig& config);
    ApiResult<std::vector<std::string>> exec_monitor_args(const DomainConfig& config);
    void adopt_all();

    // controller_net.cpp (net_mu_: address assignment, the bridge, the netlink socket)
    struct NicPlan {
        std::vector<std::string> net_args;  // the monitor's --net values, eth0 first
        std::string cmdline;                // with ip= for eth0
    };
    std::string tap_name(const DomainRecord& rec, size_t i) const;
    std::string tap_owner(const DomainRecord& rec) const;
    Result<hostnet::Netlink*> netlink_locked();
    // Every NIC's ip and mac filled in and checked against the other domains' (net_mu_ held).
    ApiResult<std::vector<NicConfig>> assign_nics_locked(const std::vector<NicConfig>& nics,
                                                         int64_t self_id,
                                                         const std::vector<NicConfig>& previous);
    // The bridge (once), then every TAP: on failure none is left.
    ApiResult<NicPlan> setup_nics(const DomainRecord& rec);
    void teardown_nics(const DomainRecord& rec);  // removes the domain's TAPs, if any
    std::vector<NicView> nic_views(const DomainRecord& rec) const;  // names, no counters
    void read_nic_counters(const DomainRecord& rec, std::vector<NicView>& views);
    NetworkView network_view();

    // controller_stats.cpp
    struct LiveStats {
        int64_t pid = 0;  // the monitor these figures came from
        uint64_t vcpu_time_ns = 0, exits = 0, hypercalls = 0, resident_kib = 0;
        bool operator==(const LiveStats&) const = default;
    };
    void start_sampler();
    void stop_sampler();
    void sample_stats();  // one round over every live domain
    void reconcile_pause_state(const std::string& name);
    // The record with its last sampled figures (none unless from the record's own monitor).
    DomainView sampled_view(const DomainRecord& record) const;

    // controller_metrics.cpp: the families of metrics(), made once by the constructor.
    void init_metrics();

    // controller_actions.cpp
    ApiResult<DomainView> start_locked(DomainRecord& rec, bool by_policy);
    ApiResult<DomainView> destroy_locked(DomainRecord& rec, const std::string& event_type);
    void on_monitor_exit(int64_t id, pid_t pid);
    void handle_exit_locked(DomainRecord& rec, const ExitInfo& info);
    void shutdown_timeout(const std::string& name, int64_t pid);
    bool allow_restart(int64_t id);
    // The monitor reports the domain ended and preserved: the record follows (state, last
    // exit, pid kept), with the event the end would have had.
    void apply_preserved_locked(DomainRecord& rec, const vmm::VmmStatus& status);
    // Posted to the task thread by the sampler or a view that saw the monitor preserved: takes
    // the domain's lock, asks the monitor again and applies (once: a repeat finds it applied).
    void on_preserved(const std::string& name);

    // controller_resources.cpp: cgroups and admission
    void init_cgroups();
    // The cgroup settings of `config` on this host; 400 invalid_field for cpus the host lacks.
    ApiResult<CgroupSettings> cgroup_settings(const DomainConfig& config);
    // The settings can be applied here (cpus exist, the controllers are there): else the error.
    std::optional<ApiError> check_resources(const DomainConfig& config);
    // max-domains (admission_mu_ held by the caller).
    std::optional<ApiError> check_domain_count_locked();
    // Host memory for a start: reserves rec's memory until release_start(rec.id).
    std::optional<ApiError> admit_start(const DomainRecord& rec);
    void release_start(int64_t id);
    // Starts the monitor inside a new cgroup for the domain (spawn_monitor otherwise).
    Result<pid_t> spawn_in_cgroup(const DomainRecord& rec, const SpawnRequest& req);
    void remove_cgroup(const DomainRecord& rec);  // after its monitor ended
    // Writes the CPU settings of a live domain's cgroup.
    std::optional<ApiError> apply_live_cpu(const DomainRecord& rec, const DomainConfig& config);
    CgroupView cgroup_view(const DomainRecord& rec) const;

    // paths under <state_dir>/run
    std::string run_path(int64_t id, const char* suffix) const;
    // The user domain `id`'s monitor runs as: `vmm-user`, or FIRST + id of `vmm-uid-range`
    // (refused, naming both, when the range holds no such uid); 0:0 with neither.
    ApiResult<vmm::JailUser> monitor_user(int64_t id) const;
    // Made (or kept) and given to `owner`, the monitor's user, who must write its exit record
    // there.
    ApiResult<std::string> prepare_run_dir(int64_t id, const vmm::JailUser& owner);
    // Unlinks every run/<id>.* file (the logs too): the domain's definition is gone.
    void remove_run_files(int64_t id) const;

    ControllerOptions options_;
    std::vector<std::string> image_dirs_;  // resolved at init
    std::mutex images_mu_;                 // one image creation at a time
    std::unique_ptr<DomainTable> table_;
    NameLocks locks_;
    std::mutex notify_mu_;
    int64_t notified_event_id_ = 0;   // under notify_mu_
    int64_t pruned_at_event_id_ = 0;  // under notify_mu_: the newest event id at the last prune
    std::mutex sub_mu_;
    std::vector<std::function<void(const Event&)>> subscribers_;
    std::mutex snapshot_mu_;
    std::shared_ptr<const DomainList> snapshot_;
    uint64_t snapshot_table_gen_ = 0, snapshot_stats_gen_ = 0;
    mutable std::mutex stats_mu_;
    std::map<int64_t, LiveStats> stats_;  // by domain id
    std::atomic<uint64_t> stats_gen_{1};
    std::mutex sampler_mu_;
    std::condition_variable sampler_cv_;
    bool sampler_stop_ = false;
    std::thread sampler_;
    std::mutex net_mu_;
    std::optional<hostnet::Netlink> netlink_;  // under net_mu_, opened on first use
    bool bridge_ready_ = false;                // under net_mu_
    std::mutex restarts_mu_;
    std::map<int64_t, lifecycle::RestartBudget> restart_budgets_;
    std::string backend_ = "none";
    uint32_t max_vcpus_ = 0;
    uint32_t host_cpus_ = 0;        // read once at init
    uint64_t host_memory_mib_ = 0;  // MemTotal, read once at init
    CgroupHost cgroups_;            // detected once at init
    std::mutex admission_mu_;       // max-domains and memory admission (after a domain's lock)
    std::map<int64_t, uint64_t> starting_mib_;  // under admission_mu_: starts in flight
    std::unique_ptr<TaskQueue> tasks_;
    std::unique_ptr<Supervisor> supervisor_;
    telemetry::Registry metrics_;  // its families live as long as it; counters are atomic
    telemetry::CounterFamily* spawns_ = nullptr;
    telemetry::CounterFamily* spawn_failures_ = nullptr;
    telemetry::CounterFamily* lifecycle_events_ = nullptr;  // by event type
    telemetry::CounterFamily* restarts_ = nullptr;          // by policy key (on_crash, ...)
    telemetry::CounterFamily* readoptions_ = nullptr;
};

ApiError api_error(int status, std::string code, std::string message, std::string field = "");
// A state store failure: 507 insufficient_storage when its file system is full, else 500.
ApiError store_error(const Error& e);
int64_t unix_ms();

}  // namespace domus::control
