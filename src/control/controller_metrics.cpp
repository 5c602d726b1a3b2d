// The Controller's Prometheus families: counters of what it did (monitor spawns and failures,
// lifecycle events by type, restarts by policy, re-adoptions) and gauges read at scrape time
// from the domain list snapshot and the stats sampler (domains by state; per domain: vCPU
// seconds, exits, hypercalls, configured and resident memory, NIC counters) and from the host
// (memory total, available, assigned). Label values are domain names (validated at creation),
// event types and policy keys: never raw client input.
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "base/meminfo.hpp"
#include "control/controller_internal.hpp"

namespace domus::control {

namespace {

using telemetry::Labels;
using Samples = std::vector<std::pair<Labels, double>>;

}  // namespace

void ControllerImpl::init_metrics() {
    spawns_ = &metrics_.counter("domus_monitor_spawns_total",
                                "Domain monitors (domus-vmm) started and answering.");
    spawn_failures_ = &metrics_.counter("domus_monitor_spawn_failures_total",
                                        "Domain monitors that failed to start.");
    lifecycle_events_ =
        &metrics_.counter("domus_lifecycle_events_total",
                          "Lifecycle events stored, by type (GET /v1/events).", {"type"});
    restarts_ = &metrics_.counter(
        "domus_restarts_total",
        "Domains restarted by their policy, by the policy key that asked for it.", {"policy"});
    readoptions_ = &metrics_.counter("domus_readoptions_total",
                                     "Running monitors re-adopted by a starting daemon.");

    auto views = [this] { return list_domains(); };
    metrics_.callback(
        {"domus_domains", "Domains by state (Domain-0 excluded).", "gauge", {"state"}, [views] {
             std::map<std::string, double> by_state;
             for (const char* s : {"stopped", "running", "paused", "shutting-down", "crashed"})
                 by_state[s] = 0;
             for (const auto& v : *views()) {
                 if (!v.is_domain0) by_state[to_string(v.record.state)] += 1;
             }
             Samples out;
             for (const auto& [state, n] : by_state) out.push_back({{state}, n});
             return out;
         }});
    // One family per figure, a series per domain (its name: unique, as the API names it).
    auto per_domain = [&](const char* name, const char* type, const char* help, auto value) {
        metrics_.callback({name, help, type, {"domain"}, [views, value] {
                               Samples out;
                               for (const auto& v : *views()) {
                                   if (v.is_domain0) continue;
                                   out.push_back({{v.record.config.name}, value(v)});
                               }
                               return out;
                           }});
    };
    per_domain("domus_domain_vcpu_seconds_total", "counter",
               "Guest vCPU thread CPU time (sampled from the monitor).",
               [](const DomainView& v) { return static_cast<double>(v.vcpu_time_ns) / 1e9; });
    per_domain("domus_domain_exits_total", "counter", "VM exits handled by the domain's monitor.",
               [](const DomainView& v) { return static_cast<double>(v.exits); });
    per_domain("domus_domain_hypercalls_total", "counter", "Hypercalls served.",
               [](const DomainView& v) { return static_cast<double>(v.hypercalls); });
    per_domain(
        "domus_domain_memory_bytes", "gauge", "Configured guest RAM.",
        [](const DomainView& v) { return static_cast<double>(v.record.config.memory << 20); });
    per_domain("domus_domain_resident_bytes", "gauge",
               "Guest RAM pages actually allocated (touched) in the guest's memory file; not the "
               "monitor's own RSS.",
               [](const DomainView& v) { return static_cast<double>(v.resident_kib << 10); });

    // NIC counters, read at scrape time from each running domain's TAP devices (the guest's
    // view: rx is what the guest received). Only NICs whose TAP exists are listed.
    auto nic_family = [&](const char* name, const char* help, uint64_t NicView::*field) {
        metrics_.callback({name, help, "counter", {"domain", "nic"}, [this, views, field] {
                               Samples out;
                               for (const auto& v : *views()) {
                                   if (v.is_domain0 || v.nics.empty()) continue;
                                   std::vector<NicView> read = v.nics;
                                   read_nic_counters(v.record, read);
                                   for (size_t i = 0; i < read.size(); ++i) {
                                       if (!read[i].present) continue;
                                       out.push_back(
                                           {{v.record.config.name, "eth" + std::to_string(i)},
                                            static_cast<double>(read[i].*field)});
                                   }
                               }
                               return out;
                           }});
    };
    nic_family("domus_domain_net_rx_bytes_total", "Bytes the guest received on a NIC.",
               &NicView::rx_bytes);
    nic_family("domus_domain_net_rx_packets_total", "Packets the guest received on a NIC.",
               &NicView::rx_packets);
    nic_family("domus_domain_net_tx_bytes_total", "Bytes the guest sent on a NIC.",
               &NicView::tx_bytes);
    nic_family("domus_domain_net_tx_packets_total", "Packets the guest sent on a NIC.",
               &NicView::tx_packets);

    const auto host_gauge = [&](const char* name, const char* help, auto value) {
        metrics_.callback({name, help, "gauge", {}, [value] {
                               return Samples{{{}, static_cast<double>(value()) * 1048576.0}};
                           }});
    };
    host_gauge("domus_host_memory_total_bytes", "Host RAM (MemTotal).",
               [this] { return host_memory_mib_; });
    host_gauge("domus_host_memory_available_bytes", "Host RAM available now (MemAvailable).",
               [] { return meminfo_mib("MemAvailable"); });
    host_gauge("domus_host_memory_assigned_bytes",
               "Guest RAM assigned to running, paused, shutting-down and preserved domains.",
               [views] {
                   uint64_t mib = 0;
                   for (const auto& v : *views()) {
                       if (!v.is_domain0 && (is_live(v.record.state) || is_preserved(v.record))) {
                           mib += v.record.config.memory;
                       }
                   }
                   return mib;
               });
}

std::string ControllerImpl::metrics() {
    return metrics_.expose();
}

}  // namespace domus::control
