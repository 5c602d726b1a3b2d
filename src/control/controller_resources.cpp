// Resource control: each monitor in a cgroup of its own with the domain's credit-scheduler
// settings (cpu_weight, cap, cpus) and memory/pids limits; vcpu-pin; and admission (max-domains,
// the host's memory with its reserve).
#include <dirent.h>
#include <sched.h>
#include <signal.h>
#include <unistd.h>

#include <cstring>
#include <fstream>

#include "control/cgroup_values.hpp"
#include "control/controller_internal.hpp"

namespace domus::control {

namespace {

// A name for this daemon's subtree that two daemons with different state dirs never share.
std::string instance_name(const std::string& state_dir) {
    char resolved[PATH_MAX];
    const std::string dir = ::realpath(state_dir.c_str(), resolved) ? resolved : state_dir;
    uint64_t h = 0xcbf29ce484222325ull;  // FNV-1a
    for (unsigned char c : dir) {
        h ^= c;
        h *= 0x100000001b3ull;
    }
    char out[24];
    std::snprintf(out, sizeof out, "d%016llx", static_cast<unsigned long long>(h));
    return out;
}

// The thread ids of the monitor's vCPU threads (named "vcpu<N>" by the monitor), by index.
std::map<int, pid_t> vcpu_threads(pid_t pid) {
    std::map<int, pid_t> out;
    const std::string task = "/proc/" + std::to_string(pid) + "/task";
    DIR* d = ::opendir(task.c_str());
    if (d == nullptr) return out;
    while (dirent* e = ::readdir(d)) {
        if (e->d_name[0] < '0' || e->d_name[0] > '9') continue;
        std::ifstream f(task + "/" + e->d_name + "/comm");
        std::string comm;
        std::getline(f, comm);
        if (comm.size() < 5 || !comm.starts_with("vcpu")) continue;
        const std::string digits = comm.substr(4);
        if (digits.find_first_not_of("0123456789") != std::string::npos || digits.size() > 3)
            continue;
        out[std::stoi(digits)] = static_cast<pid_t>(std::strtol(e->d_name, nullptr, 10));
    }
    ::closedir(d);
    return out;
}

std::string affinity_of(pid_t tid) {
    cpu_set_t set;
    CPU_ZERO(&set);
    if (::sched_getaffinity(tid, sizeof set, &set) != 0) return "";
    std::vector<uint32_t> cpus;
    for (uint32_t c = 0; c < CPU_SETSIZE; ++c) {
        if (CPU_ISSET(c, &set)) cpus.push_back(c);
    }
    return format_cpu_list(cpus);
}

}  // namespace

void ControllerImpl::init_cgroups() {
    cgroups_ = CgroupHost::detect(instance_name(options_.state_dir));
}

ApiResult<CgroupSettings> ControllerImpl::cgroup_settings(const DomainConfig& c) {
    CgroupSettings s;
    s.weight = c.cpu_weight;
    s.cap = c.cap;
    if (!c.cpus.empty()) {
        auto cpus = parse_cpu_list(c.cpus, host_cpus_);
        if (!cpus) return api_error(400, "invalid_field", cpus.error().message, "cpus");
        s.cpus = std::move(*cpus);
    }
    s.memory_bytes = monitor_memory_limit_bytes(c.memory);
    s.pids_max = kMonitorPidsMax;
    return s;
}

std::optional<ApiError> ControllerImpl::check_resources(const DomainConfig& c) {
    auto s = cgroup_settings(c);
    if (!s.ok()) return s.error();
    if (auto why = cgroups_.unsupported(s.value(), !c.cpus.empty())) {
        const char* field = c.cpu_weight != kDefaultCpuWeight ? "cpu_weight"
                            : c.cap != 0                      ? "cap"
                                                              : "cpus";
        return api_error(409, "insufficient_capacity", *why, field);
    }
    return std::nullopt;
}

std::optional<ApiError> ControllerImpl::check_domain_count_locked() {
    const size_t defined = table_->list().size();
    if (defined >= options_.resources.max_domains) {
        return api_error(409, "insufficient_capacity",
                         "max-domains is " + std::to_string(options_.resources.max_domains) +
                             " and " + std::to_string(defined) +
                             " domains are defined: delete one first (or raise max-domains in "
                             "domusd's config)");
    }
    return std::nullopt;
}

std::optional<ApiError> ControllerImpl::admit_start(const DomainRecord& rec) {
    std::lock_guard lock(admission_mu_);
    uint64_t assigned = 0;
    for (const auto& r : table_->list()) {
        if (r.id != rec.id && (is_live(r.state) || is_preserved(r))) assigned += r.config.memory;
    }
    for (const auto& [id, mib] : starting_mib_) {
        if (id != rec.id) assigned += mib;
    }
    const uint64_t reserve = options_.resources.memory_reserve_mib;
    const uint64_t need = assigned + rec.config.memory + reserve;
    if (!options_.resources.overcommit && need > host_memory_mib_) {
        return api_error(409, "insufficient_capacity",
                         "memory " + std::to_string(rec.config.memory) + " MiB for '" +
                             rec.config.name + "' + " + std::to_string(assigned) +
                             " MiB assigned to running domains + " + std::to_string(reserve) +
                             " MiB reserved for the host = " + std::to_string(need) +
                             " MiB, more than the host's " + std::to_string(host_memory_mib_) +
                             " MiB (overcommit is off in domusd's config)",
                         "memory");
    }
    starting_mib_[rec.id] = rec.config.memory;
    return std::nullopt;
}

void ControllerImpl::release_start(int64_t id) {
    std::lock_guard lock(admission_mu_);
    starting_mib_.erase(id);
}

Result<pid_t> ControllerImpl::spawn_in_cgroup(const DomainRecord& rec, const SpawnRequest& req) {
    if (cgroups_.mode() == CgroupMode::none) return spawn_monitor(req);
    auto settings = cgroup_settings(rec.config);
    if (!settings.ok()) return make_error(Errc::invalid_argument, settings.error().message);
    auto dirs = cgroups_.create(rec.id, settings.value());
    if (!dirs) {
        return make_error(Errc::resource,
                          "cannot make the domain's cgroup: " + dirs.error().message);
    }
    Result<pid_t> pid = make_error(Errc::resource, "not started");
    if (cgroups_.mode() == CgroupMode::v1) {
        // The monitor is born in the cgroup: this thread moves there for the spawn.
        CgroupHost::ThreadInCgroup inside(cgroups_, *dirs);
        if (!inside.status()) {
            pid = make_error(Errc::resource, "cannot enter the domain's cgroup: " +
                                                 inside.status().error().message);
        } else {
            pid = spawn_monitor(req);
        }
    } else {
        pid = spawn_monitor(req);
        if (pid) {
            if (auto st = cgroups_.add_process(*dirs, *pid); !st) {
                ::kill(*pid, SIGKILL);
                wait_for_exit(*pid, 3000);
                pid = make_error(Errc::resource,
                                 "cannot move the monitor into its cgroup: " + st.error().message);
            }
        }
    }
    if (!pid) cgroups_.remove(*dirs);
    return pid;
}

void ControllerImpl::remove_cgroup(const DomainRecord& rec) {
    if (cgroups_.mode() == CgroupMode::none) return;
    cgroups_.remove(cgroups_.dirs_for(rec.id));
}

std::optional<ApiError> ControllerImpl::apply_live_cpu(const DomainRecord& rec,
                                                       const DomainConfig& config) {
    auto settings = cgroup_settings(config);
    if (!settings.ok()) return settings.error();
    const CgroupDirs dirs = cgroups_.dirs_of(static_cast<pid_t>(rec.pid), rec.id);
    if (dirs.empty()) {
        return api_error(503, "unavailable",
                         "the cgroup of domain '" + rec.config.name + "' (monitor pid " +
                             std::to_string(rec.pid) +
                             ") was not found: restart the domain to "
                             "apply the change");
    }
    if (auto st = cgroups_.apply_cpu(dirs, settings.value()); !st) {
        return api_error(503, "unavailable", st.error().message);
    }
    return std::nullopt;
}

CgroupView ControllerImpl::cgroup_view(const DomainRecord& rec) const {
    CgroupView v;
    if (!is_live(rec.state) || rec.pid <= 0) return v;
    const CgroupDirs dirs = cgroups_.dirs_of(static_cast<pid_t>(rec.pid), rec.id);
    if (auto it = dirs.by_controller.find("cpu"); it != dirs.by_controller.end()) {
        v.present = true;
        v.path = it->second;
        if (auto ns = cgroups_.cpu_usage_ns(dirs); ns) v.cpu_usage_ns = *ns;
    }
    const auto threads = vcpu_threads(static_cast<pid_t>(rec.pid));
    for (const auto& [index, tid] : threads) {
        if (index != static_cast<int>(v.vcpu_affinity.size())) break;
        v.vcpu_affinity.push_back(affinity_of(tid));
    }
    return v;
}

ApiResult<DomainView> ControllerImpl::pin_vcpu(const std::string& name, int vcpu,
                                               const std::string& cpus) {
    if (name == "Domain-0") return api_error(403, "forbidden", "Domain-0's vCPUs are the host's");
    auto lock_ptr = domain_lock(name);
    std::lock_guard dl(*lock_ptr);
    auto rec = load(name);
    if (!rec) return api_error(404, "not_found", "no domain named '" + name + "'");
    if (rec->state != DomainState::running && rec->state != DomainState::paused) {
        return api_error(409, "conflict",
                         "cannot pin vCPUs of domain '" + name + "': it is " +
                             to_string(rec->state) +
                             " (vcpu-pin acts on a running domain; "
                             "cpus in its configuration applies at start)");
    }
    if (vcpu >= static_cast<int>(rec->config.vcpus) || vcpu < -1) {
        return api_error(400, "invalid_field",
                         "vcpu " + std::to_string(vcpu) + " does not exist (domain '" + name +
                             "' has " + std::to_string(rec->config.vcpus) + ": 0-" +
                             std::to_string(rec->config.vcpus - 1) + ")",
                         "vcpu");
    }
    auto wanted = parse_cpu_list(cpus, host_cpus_);
    if (!wanted) return api_error(400, "invalid_field", wanted.error().message, "cpus");
    std::vector<uint32_t> allowed;
    if (!rec->config.cpus.empty()) {
        auto a = parse_cpu_list(rec->config.cpus, host_cpus_);
        if (a) allowed = std::move(*a);
    }
    for (uint32_t c : *wanted) {
        if (!allowed.empty() && std::find(allowed.begin(), allowed.end(), c) == allowed.end()) {
            return api_error(400, "invalid_field",
                             "CPU " + std::to_string(c) + " is outside the cpus \"" +
                                 rec->config.cpus + "\" of domain '" + name + "'",
                             "cpus");
        }
    }
    const auto threads = vcpu_threads(static_cast<pid_t>(rec->pid));
    cpu_set_t set;
    CPU_ZERO(&set);
    for (uint32_t c : *wanted) CPU_SET(c, &set);
    for (int i = vcpu < 0 ? 0 : vcpu;
         i < (vcpu < 0 ? static_cast<int>(rec->config.vcpus) : vcpu + 1); ++i) {
        auto it = threads.find(i);
        if (it == threads.end()) {
            return api_error(503, "unavailable",
                             "the thread of vCPU " + std::to_string(i) + " of domain '" + name +
                                 "' was not found (monitor pid " + std::to_string(rec->pid) + ")");
        }
        if (::sched_setaffinity(it->second, sizeof set, &set) != 0) {
            return api_error(503, "unavailable",
                             "cannot pin vCPU " + std::to_string(i) + " to " + cpus + ": " +
                                 std::strerror(errno));
        }
    }
    (void)save(*rec, "vcpu_pinned",
               (vcpu < 0 ? std::string("all") : std::to_string(vcpu)) + " -> " + cpus);
    return view_of(*rec);
}

}  // namespace domus::control
