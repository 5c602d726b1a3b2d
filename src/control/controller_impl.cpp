// The controller: opening, queries, definitions (create/patch/delete), events, host view.
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "base/meminfo.hpp"
#include "boot/elf_loader.hpp"
#include "boot/file_read.hpp"
#include "boot/initramfs.hpp"
#include "control/controller_internal.hpp"
#include "control/image_paths.hpp"
#include "domus/abi/boot_info.h"
#include "hv/hypervisor.hpp"
#include "telemetry/log_line.hpp"
#include "vmm/jail_user.hpp"

namespace domus::control {

namespace {

Status make_dir(const std::string& path, mode_t mode) {
    if (::mkdir(path.c_str(), mode) == 0 || errno == EEXIST) return {};
    return make_error(Errc::io, "cannot create directory " + path + ": " + std::strerror(errno));
}

}  // namespace

ApiError api_error(int status, std::string code, std::string message, std::string field) {
    return ApiError{status, std::move(code), std::move(message), std::move(field)};
}

ApiError store_error(const Error& e) {
    if (e.code == Errc::no_space) {
        return api_error(
            507, "insufficient_storage",
            "the state directory's file system is full; nothing was changed (" + e.message + ")");
    }
    return api_error(500, "internal", "state store: " + e.message);
}

int64_t unix_ms() {
    timespec ts{};
    ::clock_gettime(CLOCK_REALTIME, &ts);
    return static_cast<int64_t>(ts.tv_sec) * 1000 + ts.tv_nsec / 1000000;
}

Result<std::unique_ptr<Controller>> open_controller(const ControllerOptions& options) {
    if (auto st = make_dir(options.state_dir, 0700); !st) return st.error();
    if (auto st = make_dir(options.state_dir + "/run", 0700); !st) return st.error();
    ControllerOptions resolved = options;
    auto etc_text = [](const char* path) {
        auto bytes = read_file(path, 16u << 20);
        return bytes ? std::string(reinterpret_cast<const char*>(bytes->data()), bytes->size())
                     : std::string();
    };
    if (!options.vmm_user.empty() && !options.vmm_uid_range.empty()) {
        return make_error(Errc::invalid_argument,
                          "vmm-user and vmm-uid-range are exclusive: set one of them");
    }
    if (!options.vmm_user.empty()) {
        auto user = vmm::resolve_jail_user(options.vmm_user, etc_text("/etc/passwd"));
        if (!user) return user.error();
        resolved.vmm_user = vmm::format_jail_user(*user);
    }
    if (!options.vmm_uid_range.empty()) {
        auto range = vmm::parse_jail_uid_range(options.vmm_uid_range);
        if (!range) return range.error();
        const std::string taken =
            vmm::account_in_range(*range, etc_text("/etc/passwd"), etc_text("/etc/group"));
        if (!taken.empty()) {
            return make_error(Errc::invalid_argument,
                              "vmm-uid-range " + vmm::format_jail_uid_range(*range) + " holds " +
                                  taken + ": its ids must belong to no account or group");
        }
        resolved.vmm_uid_range = vmm::format_jail_uid_range(*range);
    }
    auto store = StateStore::open(options.state_dir + "/domus.db");
    if (!store) return store.error();
    auto impl =
        std::make_unique<ControllerImpl>(resolved, DomainTable::open(std::move(store.value())));
    if (auto st = impl->init(); !st) return st.error();
    return std::unique_ptr<Controller>(std::move(impl));
}

ControllerImpl::ControllerImpl(ControllerOptions options, std::unique_ptr<DomainTable> table)
    : options_(std::move(options)), table_(std::move(table)) {
    init_metrics();
}

ControllerImpl::~ControllerImpl() {
    stop_sampler();
    // Order matters: the watcher posts into the task queue and tasks call the supervisor.
    if (supervisor_) supervisor_->stop();  // 1. no more exit callbacks (no more posts)
    tasks_.reset();                        // 2. finish/stop tasks, which may still watch()
    supervisor_.reset();                   // 3. now nothing uses the supervisor
    cgroups_.release();                    // the daemon's cgroup subtree, if no domain runs
}

Status ControllerImpl::init() {
    {
        std::lock_guard lock(notify_mu_);
        notified_event_id_ = table_->last_event_id();
    }
    auto dirs = prepare_image_dirs(options_.image_dirs.empty()
                                       ? std::vector<std::string>{options_.state_dir + "/images"}
                                       : options_.image_dirs);
    if (!dirs) return dirs.error();
    image_dirs_ = std::move(*dirs);
    host_cpus_ = static_cast<uint32_t>(::sysconf(_SC_NPROCESSORS_ONLN));
    host_memory_mib_ = meminfo_mib("MemTotal");
    // The host's backend, probed once (a VM and a vCPU, then released).
    if (auto hv = hv::Hypervisor::open(); hv) {
        max_vcpus_ =
            std::min<uint32_t>(static_cast<uint32_t>(hv->caps().max_vcpus), DOMUS_MAX_VCPUS);
        if (auto vm = hv->create_vm(); vm) {
            if (auto vcpu = vm->create_vcpu(0); vcpu) {
                auto b = hv::Hypervisor::detect_backend(*vcpu);
                backend_ = b && *b == hv::Backend::pvm ? "PVM" : "hardware KVM";
            }
        }
    }
    init_cgroups();
    tasks_ = std::make_unique<TaskQueue>();
    supervisor_ = std::make_unique<Supervisor>([this](int64_t id, pid_t pid) {
        tasks_->post([this, id, pid] { on_monitor_exit(id, pid); });
    });
    if (auto st = supervisor_->start(); !st) return st;
    adopt_all();
    start_sampler();
    return {};
}

// Each domain's files are in a directory of its own, which is also its monitor's jail root.
std::string ControllerImpl::run_path(int64_t id, const char* suffix) const {
    return options_.state_dir + "/run/" + std::to_string(id) + "/" + std::to_string(id) + suffix;
}

void ControllerImpl::remove_run_files(int64_t id) const {
    for (const char* suffix : {".ctl", ".exit", ".exit.tmp", ".log", ".console.log",
                               ".console.log.1", ".console.log.1.next"}) {
        ::unlink(run_path(id, suffix).c_str());
    }
    ::rmdir((options_.state_dir + "/run/" + std::to_string(id)).c_str());  // the jail root
}

std::shared_ptr<std::mutex> ControllerImpl::domain_lock(const std::string& name) {
    return locks_.get(name);
}

std::optional<DomainRecord> ControllerImpl::load(const std::string& name) {
    return table_->get(name);
}

ApiResult<Empty> ControllerImpl::save(const DomainRecord& record, const std::string& event_type,
                                      const std::string& detail) {
    DomainRecord r = record;
    r.updated_at = unix_ms();
    Event ev;
    ev.domain = r.config.name;
    ev.type = event_type;
    ev.detail = detail;
    const Status st = table_->update(r, ev);
    if (!st) return store_error(st.error());
    notify_new_events();
    return Empty{};
}

void ControllerImpl::notify_new_events(const DomainRecord* gone) {
    std::vector<Event> fresh;
    std::vector<std::function<void(const Event&)>> subs;
    bool prune = false;
    {
        std::lock_guard lock(notify_mu_);
        fresh = table_->events_after(notified_event_id_, 1000);
        if (!fresh.empty()) notified_event_id_ = fresh.back().id;
        // Retention: once a tenth of events_kept (at least 1) new events arrived, delete the
        // ones beyond events_kept (one DELETE per batch, not per event).
        const int64_t step = std::max<int64_t>(options_.events_kept / 10, 1);
        if (notified_event_id_ - pruned_at_event_id_ >= step) {
            pruned_at_event_id_ = notified_event_id_;
            prune = true;
        }
        std::lock_guard sl(sub_mu_);
        subs = subscribers_;
    }
    if (prune) (void)table_->prune_events(options_.events_kept);  // retried next batch
    for (const auto& e : fresh) {
        lifecycle_events_->inc({e.type});
        // One log line per event, with the domain's name and id (a deleted one's from `gone`).
        int64_t id = gone != nullptr && gone->config.name == e.domain ? gone->id : -1;
        if (id < 0) {
            if (auto r = table_->get(e.domain)) id = r->id;
        }
        telemetry::log_for(e.type == "crashed" ? telemetry::Level::warn : telemetry::Level::info,
                           e.domain, id, e.detail.empty() ? e.type : e.type + ": " + e.detail);
        for (const auto& cb : subs) cb(e);
    }
}

void ControllerImpl::subscribe_events(std::function<void(const Event&)> callback) {
    std::lock_guard lock(sub_mu_);
    subscribers_.push_back(std::move(callback));
}

std::vector<Event> ControllerImpl::events_after(int64_t after_id, size_t limit) {
    return table_->events_after(after_id, limit);
}

DomainView ControllerImpl::domain0_view() {
    DomainView v;
    v.is_domain0 = true;
    v.record.id = 0;
    v.record.config.name = "Domain-0";
    v.record.config.memory = host_memory_mib_;
    v.record.config.vcpus = host_cpus_;
    v.record.state = DomainState::running;
    v.record.pid = ::getpid();
    return v;
}

std::shared_ptr<const DomainList> ControllerImpl::list_domains() {
    // Generations first, data second: a snapshot is never older than the generations it keeps.
    const uint64_t table_gen = table_->generation();
    const uint64_t stats_gen = stats_gen_.load(std::memory_order_acquire);
    std::lock_guard lock(snapshot_mu_);
    if (snapshot_ && snapshot_table_gen_ == table_gen && snapshot_stats_gen_ == stats_gen) {
        return snapshot_;
    }
    const auto records = table_->list();
    auto list = std::make_shared<DomainList>();
    list->reserve(records.size() + 1);
    list->push_back(domain0_view());
    for (const auto& r : records) list->push_back(sampled_view(r));
    snapshot_ = std::move(list);
    snapshot_table_gen_ = table_gen;
    snapshot_stats_gen_ = stats_gen;
    return snapshot_;
}

ApiResult<DomainView> ControllerImpl::get_domain(const std::string& name) {
    if (name == "Domain-0") return domain0_view();
    auto rec = load(name);
    if (!rec) return api_error(404, "not_found", "no domain named '" + name + "'");
    return view_of(*rec);
}

std::optional<ApiError> ControllerImpl::check_capacity(const DomainConfig& config) {
    if (max_vcpus_ != 0 && config.vcpus > max_vcpus_) {
        return api_error(409, "insufficient_capacity",
                         "vcpus " + std::to_string(config.vcpus) + " exceeds the host's limit of " +
                             std::to_string(max_vcpus_),
                         "vcpus");
    }
    const uint64_t available = meminfo_mib("MemAvailable");
    if (config.memory > available) {
        return api_error(409, "insufficient_capacity",
                         "memory " + std::to_string(config.memory) +
                             " MiB is more than the host can give (" + std::to_string(available) +
                             " MiB available)",
                         "memory");
    }
    return std::nullopt;
}

ApiResult<Empty> ControllerImpl::check_boot_files(const DomainConfig& config) {
    const uint64_t ram_bytes = config.memory << 20;
    std::optional<ElfImage> image;
    if (!config.kernel.empty()) {
        auto file = read_boot_file(image_dirs_, config.kernel, "kernel", kMaxKernelBytes,
                                   "the kernel size limit");
        if (!file) return api_error(400, "invalid_field", file.error().message, "kernel");
        // The magic is checked here, so that no message echoes the file's first bytes.
        static constexpr uint8_t kElfMagic[] = {0x7f, 'E', 'L', 'F'};
        if (file->bytes.size() < 4 || std::memcmp(file->bytes.data(), kElfMagic, 4) != 0) {
            return api_error(400, "invalid_field",
                             "kernel '" + config.kernel + "' is not an ELF file", "kernel");
        }
        auto parsed = parse_elf(file->bytes, ElfLimits{ram_bytes, DOMUS_GPA_KERNEL_MIN});
        if (!parsed) {
            return api_error(400, "invalid_field",
                             "kernel " + config.kernel + ": " + parsed.error().message, "kernel");
        }
        image = std::move(parsed.value());
    }
    if (!config.exec.empty()) return check_exec(config);  // exec excludes a ramdisk
    if (config.ramdisk.empty()) return Empty{};
    // The same checks the monitor makes; where the embedded guest ends is the monitor's to know.
    const uint64_t max_bytes = max_initramfs_bytes(ram_bytes);
    const std::string limit_name =
        "half of the domain's " + std::to_string(config.memory) + " MiB of memory";
    auto file = read_boot_file(image_dirs_, config.ramdisk, "ramdisk", max_bytes, limit_name);
    if (!file) return api_error(400, "invalid_field", file.error().message, "ramdisk");
    const bool gzip = file->bytes.size() >= 2 && file->bytes[0] == 0x1f && file->bytes[1] == 0x8b;
    const bool cpio = file->bytes.size() >= 2 && file->bytes[0] == '0' && file->bytes[1] == '7';
    auto archive = decode_initramfs(std::move(file->bytes), max_bytes, limit_name);
    if (!archive) {
        // A file of neither kind: the decoder's message would quote its first bytes.
        std::string why =
            gzip || cpio || archive.error().message.find("compressed") != std::string::npos
                ? archive.error().message
                : "not a newc cpio archive or gzip data";
        return api_error(400, "invalid_field", "ramdisk '" + config.ramdisk + "': " + why,
                         "ramdisk");
    }
    if (image) {
        auto gpa = place_initramfs(ram_bytes, archive->size(), image->lowest_gpa, image->end_gpa,
                                   initramfs_page_offset(*archive));
        if (!gpa) {
            return api_error(400, "invalid_field",
                             "ramdisk '" + config.ramdisk + "': " + gpa.error().message, "ramdisk");
        }
    }
    return Empty{};
}

ApiResult<DomainView> ControllerImpl::create_domain(const DomainConfig& config, bool start) {
    auto lock_ptr = domain_lock(config.name);
    std::lock_guard dl(*lock_ptr);
    if (auto k = check_boot_files(config); !k.ok()) return k.error();
    if (auto d = check_disk_images(config); !d.ok()) return d.error();
    if (auto e = check_resources(config)) return *e;
    // A definition may ask for more memory than is free now (it is checked again at start),
    // but never for more vCPUs than the host can ever run.
    if (auto e = check_capacity(config); e && (start || e->field == "vcpus")) return *e;
    // NIC addresses are assigned and stored under net_mu_: no other domain can take them.
    DomainConfig assigned = config;
    // max-domains: counted and the new row stored under admission_mu_.
    std::unique_lock admission(admission_mu_);
    if (auto e = check_domain_count_locked()) return *e;
    std::unique_lock net_lock(net_mu_, std::defer_lock);
    if (!assigned.nics.empty()) {
        net_lock.lock();
        auto nics = assign_nics_locked(assigned.nics, 0, {});
        if (!nics.ok()) return nics.error();
        assigned.nics = std::move(nics.value());
    }
    int64_t first_event = 0;
    Result<DomainRecord> created = table_->create(assigned, first_event);
    if (net_lock.owns_lock()) net_lock.unlock();
    admission.unlock();
    if (!created) {
        if (created.error().code == Errc::invalid_argument) {
            return api_error(409, "conflict", created.error().message, "name");
        }
        if (created.error().code == Errc::resource) {
            return api_error(409, "conflict", created.error().message, "nics");
        }
        return store_error(created.error());
    }
    DomainRecord rec = created.value();
    if (start) {
        auto started = start_locked(rec, false);
        if (!started.ok()) {
            // The request changes nothing: neither the definition nor its events remain.
            (void)table_->discard(rec.config.name, first_event);
            remove_run_files(rec.id);
            return started;
        }
        notify_new_events();
        return started;
    }
    notify_new_events();
    return view_of(rec);
}

ApiResult<DomainView> ControllerImpl::patch_domain(const std::string& name,
                                                   const DomainConfigPatch& patch) {
    if (name == "Domain-0") return api_error(403, "forbidden", "Domain-0 cannot be changed");
    auto lock_ptr = domain_lock(name);
    std::lock_guard dl(*lock_ptr);
    auto rec = load(name);
    if (!rec) return api_error(404, "not_found", "no domain named '" + name + "'");
    if (patch.name && *patch.name != name) {
        return api_error(400, "invalid_field", "a domain's name cannot be changed", "name");
    }
    // A preserved domain's monitor still holds its TAPs, cgroup and memory: changed like a live
    // one, so that destroy releases what it was started with.
    const bool live = (rec->state != DomainState::stopped && rec->state != DomainState::crashed) ||
                      is_preserved(*rec);
    if (live) {
        for (const auto& f : patch.present_fields()) {
            if (f != "on_poweroff" && f != "on_reboot" && f != "on_crash" && f != "name" &&
                f != "cpu_weight" && f != "cap" && f != "cpus") {
                return api_error(409, "conflict",
                                 "field '" + f + "' cannot change while the domain is " +
                                     to_string(rec->state) +
                                     (is_preserved(*rec) ? " and preserved" : "") +
                                     " (live-changeable: on_poweroff, on_reboot, on_crash, "
                                     "cpu_weight, cap, cpus)",
                                 f);
            }
        }
    }
    auto merged = apply_patch(rec->config, patch);
    if (!merged.ok()) {
        return api_error(400, "invalid_field", merged.error.message, merged.error.field);
    }
    DomainRecord updated = *rec;
    updated.config = *merged.value;
    if (auto k = check_boot_files(updated.config); !k.ok()) return k.error();
    const bool sched = patch.cpu_weight || patch.cap || patch.cpus;
    if (sched) {
        if (auto e = check_resources(updated.config)) return *e;
    }
    if (patch.disks) {
        if (auto d = check_disk_images(updated.config); !d.ok()) return d.error();
    }
    std::unique_lock net_lock(net_mu_, std::defer_lock);
    if (patch.nics) {
        // Addresses left out keep the ones the same NIC had, when still free.
        net_lock.lock();
        auto nics = assign_nics_locked(updated.config.nics, rec->id, rec->config.nics);
        if (!nics.ok()) return nics.error();
        updated.config.nics = std::move(nics.value());
    }
    // A running domain's cgroup changes first; if storing fails, it gets the old values back.
    if (live && sched) {
        if (auto e = apply_live_cpu(*rec, updated.config)) return *e;
    }
    std::string fields;
    for (const auto& f : patch.present_fields()) fields += (fields.empty() ? "" : ",") + f;
    if (auto s = save(updated, "updated", fields); !s.ok()) {
        if (live && sched) (void)apply_live_cpu(*rec, rec->config);
        return s.error();
    }
    if (net_lock.owns_lock()) net_lock.unlock();
    return view_of(updated);
}

ApiResult<Empty> ControllerImpl::delete_domain(const std::string& name) {
    if (name == "Domain-0") return api_error(403, "forbidden", "Domain-0 cannot be deleted");
    auto lock_ptr = domain_lock(name);
    std::lock_guard dl(*lock_ptr);
    auto rec = load(name);
    if (!rec) return api_error(404, "not_found", "no domain named '" + name + "'");
    if (rec->state != DomainState::stopped && rec->state != DomainState::crashed) {
        return api_error(409, "conflict",
                         "domain '" + name + "' is " + to_string(rec->state) +
                             ": destroy it before deleting it");
    }
    if (is_preserved(*rec)) {
        return api_error(409, "conflict",
                         "domain '" + name + "' is " + to_string(rec->state) +
                             " and preserved (monitor pid " + std::to_string(rec->pid) +
                             "): destroy it before deleting it");
    }
    const Status st = table_->remove(name);
    if (!st) return store_error(st.error());
    remove_run_files(rec->id);
    notify_new_events(&*rec);
    return Empty{};
}

HostView ControllerImpl::host() {
    HostView h;
    h.backend = backend_;
    h.cpus = host_cpus_;
    h.memory_total_mib = host_memory_mib_;
    h.memory_available_mib = meminfo_mib("MemAvailable");
    h.max_vcpus_per_domain = max_vcpus_;
    h.version = options_.version;
    h.network = network_view();
    h.cgroup_mode = to_string(cgroups_.mode());
    h.cgroup_controllers = cgroups_.controllers();
    h.cgroups = cgroups_.description();
    h.memory_reserve_mib = options_.resources.memory_reserve_mib;
    h.overcommit = options_.resources.overcommit;
    h.max_domains = options_.resources.max_domains;
    const auto views = list_domains();
    h.domains_total = static_cast<uint32_t>(views->size() - 1);  // without Domain-0
    for (const auto& v : *views) {
        const DomainRecord& r = v.record;
        if (v.is_domain0) continue;
        if (is_live(r.state)) ++h.domains_running;
        // A preserved domain's monitor still holds its memory (admission counts it too).
        if (is_live(r.state) || is_preserved(r)) h.memory_assigned_mib += r.config.memory;
    }
    return h;
}

}  // namespace domus::control
