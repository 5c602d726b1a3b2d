// Console access (log tail, live attach) and the Prometheus metrics.
#include <fcntl.h>
#include <unistd.h>

#include <cstdio>
#include <map>

#include "control/controller_internal.hpp"
#include "vmm/vmm_client.hpp"

namespace domus::control {

namespace {

// The last `lines` lines of `text` (a trailing newline ends the last line, not a new one).
std::string last_lines(const std::string& text, size_t lines) {
    size_t pos = text.size();
    if (pos > 0 && text[pos - 1] == '\n') --pos;
    size_t found = 0;
    while (pos > 0) {
        if (text[pos - 1] == '\n' && ++found == lines) break;
        --pos;
    }
    return text.substr(pos);
}

// At most `max_bytes` from the end of the file ("" when it is missing or empty).
std::string read_end(const std::string& path, size_t max_bytes) {
    Fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOFOLLOW));
    if (!fd.valid()) return {};
    const off_t size = ::lseek(fd.get(), 0, SEEK_END);
    if (size <= 0) return {};
    const off_t start =
        size > static_cast<off_t>(max_bytes) ? size - static_cast<off_t>(max_bytes) : 0;
    std::string buf(static_cast<size_t>(size - start), '\0');
    ssize_t n = ::pread(fd.get(), buf.data(), buf.size(), start);
    if (n <= 0) return {};
    buf.resize(static_cast<size_t>(n));
    return buf;
}

// The last `lines` lines of a console log, continued from its rotated part (`path`.1) when the
// current file holds fewer.
std::string tail_log(const std::string& path, size_t lines, size_t max_bytes) {
    std::string text = read_end(path, max_bytes);
    std::string tail = last_lines(text, lines);
    if (tail.size() < text.size() || text.size() >= max_bytes) return tail;  // enough lines
    return last_lines(read_end(path + ".1", max_bytes - text.size()) + text, lines);
}

}  // namespace

ApiResult<std::string> ControllerImpl::console_tail(const std::string& name, size_t lines) {
    if (name == "Domain-0") return api_error(403, "forbidden", "Domain-0 has no console here");
    auto rec = load(name);
    if (!rec) return api_error(404, "not_found", "no domain named '" + name + "'");
    return tail_log(run_path(rec->id, ".console.log"), lines, 4u << 20);
}

ApiResult<Fd> ControllerImpl::console_attach(const std::string& name) {
    if (name == "Domain-0") return api_error(403, "forbidden", "Domain-0 has no console here");
    auto rec = load(name);
    if (!rec) return api_error(404, "not_found", "no domain named '" + name + "'");
    if (rec->state != DomainState::running && rec->state != DomainState::paused &&
        rec->state != DomainState::shutting_down) {
        return api_error(409, "conflict",
                         "domain '" + name + "' is " + to_string(rec->state) +
                             ": its console is not live (GET .../console?tail=N shows the log)");
    }
    auto fd = vmm::open_console(run_path(rec->id, ".ctl"), 3000);
    if (!fd) return api_error(503, "unavailable", fd.error().message);
    return std::move(fd.value());
}

std::string ControllerImpl::metrics() {
    const auto snapshot = list_domains();
    const DomainList& views = *snapshot;
    std::map<std::string, int> by_state;
    for (const char* s : {"stopped", "running", "paused", "shutting-down", "crashed"})
        by_state[s] = 0;
    for (const auto& v : views) {
        if (!v.is_domain0) ++by_state[to_string(v.record.state)];
    }
    std::string out;
    out += "# HELP domus_domains Domains by state (Domain-0 excluded).\n";
    out += "# TYPE domus_domains gauge\n";
    for (const auto& [state, n] : by_state) {
        out += "domus_domains{state=\"" + state + "\"} " + std::to_string(n) + "\n";
    }
    auto series = [&](const char* name, const char* type, const char* help, auto value) {
        out += std::string("# HELP ") + name + " " + help + "\n";
        out += std::string("# TYPE ") + name + " " + type + "\n";
        for (const auto& v : views) {
            if (v.is_domain0) continue;
            out +=
                std::string(name) + "{domain=\"" + v.record.config.name + "\"} " + value(v) + "\n";
        }
    };
    series("domus_domain_vcpu_seconds_total", "counter", "Guest vCPU thread CPU time.",
           [](const DomainView& v) {
               char b[32];
               std::snprintf(b, sizeof b, "%.6f", static_cast<double>(v.vcpu_time_ns) / 1e9);
               return std::string(b);
           });
    series("domus_domain_exits_total", "counter", "VM exits handled by the domain's monitor.",
           [](const DomainView& v) { return std::to_string(v.exits); });
    series("domus_domain_hypercalls_total", "counter", "Hypercalls served.",
           [](const DomainView& v) { return std::to_string(v.hypercalls); });
    series("domus_domain_memory_bytes", "gauge", "Configured guest RAM.",
           [](const DomainView& v) { return std::to_string(v.record.config.memory << 20); });
    series("domus_domain_resident_bytes", "gauge", "Guest RAM actually touched.",
           [](const DomainView& v) { return std::to_string(v.resident_kib << 10); });
    // NIC counters, read now from each running domain's TAP devices (the guest's view: rx is
    // what the guest received). Only NICs whose TAP exists are listed.
    std::vector<std::pair<const DomainView*, std::vector<NicView>>> nics;
    for (const auto& v : views) {
        if (v.is_domain0 || v.nics.empty()) continue;
        std::vector<NicView> read = v.nics;
        read_nic_counters(v.record, read);
        nics.emplace_back(&v, std::move(read));
    }
    auto nic_series = [&](const char* name, const char* help, uint64_t NicView::*field) {
        out += std::string("# HELP ") + name + " " + help + "\n";
        out += std::string("# TYPE ") + name + " counter\n";
        for (const auto& [v, list] : nics) {
            for (size_t i = 0; i < list.size(); ++i) {
                if (!list[i].present) continue;
                out += std::string(name) + "{domain=\"" + v->record.config.name + "\",nic=\"eth" +
                       std::to_string(i) + "\"} " + std::to_string(list[i].*field) + "\n";
            }
        }
    };
    nic_series("domus_domain_net_rx_bytes_total", "Bytes the guest received on a NIC.",
               &NicView::rx_bytes);
    nic_series("domus_domain_net_rx_packets_total", "Packets the guest received on a NIC.",
               &NicView::rx_packets);
    nic_series("domus_domain_net_tx_bytes_total", "Bytes the guest sent on a NIC.",
               &NicView::tx_bytes);
    nic_series("domus_domain_net_tx_packets_total", "Packets the guest sent on a NIC.",
               &NicView::tx_packets);
    return out;
}

}  // namespace domus::control
