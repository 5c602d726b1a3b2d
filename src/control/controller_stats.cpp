// Live figures for lists and metrics: a sampler thread asks every live domain's monitor for
// its status once per stats interval, so that listing N domains costs no monitor round trip.
// The same round notices a monitor that kept its domain after the guest ended (preserve): the
// monitor does not exit then, so its status is how the daemon learns of the end.
#include <algorithm>
#include <string>
#include <vector>

#include "control/controller_internal.hpp"
#include "vmm/vmm_client.hpp"

namespace domus::control {

namespace {

// A monitor that does not answer within this is skipped for the round (its last figures stay).
constexpr int kSampleTimeoutMs = 200;

bool has_monitor(const DomainRecord& r) {
    return r.pid > 0 && is_live(r.state);
}

// The record says running and the monitor paused, or the other way round.
bool pause_state_differs(DomainState recorded, const std::string& reported) {
    return (recorded == DomainState::running && reported == "paused") ||
           (recorded == DomainState::paused && reported == "running");
}

}  // namespace

void ControllerImpl::start_sampler() {
    sampler_ = std::thread([this] {
        const auto interval = std::chrono::milliseconds(std::max(options_.stats_interval_ms, 10));
        std::unique_lock lock(sampler_mu_);
        while (!sampler_stop_) {
            lock.unlock();
            sample_stats();
            lock.lock();
            sampler_cv_.wait_for(lock, interval, [this] { return sampler_stop_; });
        }
    });
}

void ControllerImpl::stop_sampler() {
    {
        std::lock_guard lock(sampler_mu_);
        sampler_stop_ = true;
    }
    sampler_cv_.notify_all();
    if (sampler_.joinable()) sampler_.join();
}

void ControllerImpl::sample_stats() {
    std::map<int64_t, LiveStats> fresh;
    std::vector<std::string> disagreeing;
    std::vector<std::string> preserved;
    for (const auto& rec : table_->list()) {
        if (!has_monitor(rec)) continue;
        {
            std::lock_guard lock(sampler_mu_);  // stopping: do not make the daemon wait
            if (sampler_stop_) return;
        }
        auto client = vmm::VmmClient::connect(run_path(rec.id, ".ctl"), kSampleTimeoutMs);
        auto status = client ? client->status() : Result<vmm::VmmStatus>(client.error());
        if (status && status->pid == rec.pid && status->preserved) {
            preserved.push_back(rec.config.name);  // it ended and its monitor keeps it
            continue;
        }
        if (status && status->pid == rec.pid) {
            fresh[rec.id] = LiveStats{rec.pid, status->vcpu_time_ns, status->exits,
                                      status->hypercalls, status->resident_kib};
            if (pause_state_differs(rec.state, status->state))
                disagreeing.push_back(rec.config.name);
            continue;
        }
        // No answer this round: keep the figures it last gave, if from the same monitor.
        std::lock_guard lock(stats_mu_);
        if (auto it = stats_.find(rec.id); it != stats_.end() && it->second.pid == rec.pid) {
            fresh[rec.id] = it->second;
        }
    }
    for (const std::string& name : disagreeing) reconcile_pause_state(name);
    // Applied on the task thread, which may wait for the domain's lock (a request in flight,
    // a long dump-core) without holding up the sampling of the other domains.
    for (const std::string& name : preserved) {
        tasks_->post([this, name] { on_preserved(name); });
    }
    std::lock_guard lock(stats_mu_);
    if (fresh == stats_) return;
    stats_ = std::move(fresh);
    stats_gen_.fetch_add(1, std::memory_order_acq_rel);
}

// A pause or unpause whose answer timed out (the request failed with 504) may still have
// taken effect in the monitor. The monitor is the truth about its vCPUs: the record follows it,
// with the event the change would have had. Skipped while a request holds the domain's lock.
void ControllerImpl::reconcile_pause_state(const std::string& name) {
    auto lock_ptr = domain_lock(name);
    std::unique_lock dl(*lock_ptr, std::try_to_lock);
    if (!dl.owns_lock()) return;  // a request is in flight: the next round looks again
    auto rec = load(name);
    if (!rec || !has_monitor(*rec)) return;
    auto client = vmm::VmmClient::connect(run_path(rec->id, ".ctl"), kSampleTimeoutMs);
    auto status = client ? client->status() : Result<vmm::VmmStatus>(client.error());
    if (!status || status->pid != rec->pid || !pause_state_differs(rec->state, status->state)) {
        return;
    }
    const bool paused = status->state == "paused";
    rec->state = paused ? DomainState::paused : DomainState::running;
    (void)save(*rec, paused ? "paused" : "unpaused", "as its monitor reports");
}

DomainView ControllerImpl::sampled_view(const DomainRecord& record) const {
    DomainView v;
    v.record = record;
    v.nics = nic_views(record);
    if (!has_monitor(record)) return v;
    std::lock_guard lock(stats_mu_);
    if (auto it = stats_.find(record.id); it != stats_.end() && it->second.pid == record.pid) {
        v.vcpu_time_ns = it->second.vcpu_time_ns;
        v.exits = it->second.exits;
        v.hypercalls = it->second.hypercalls;
        v.resident_kib = it->second.resident_kib;
    }
    return v;
}

}  // namespace domus::control
