// Mapping between DomainRecord and the columns of the `domains` table.
#include <time.h>

#include <limits>

#include "control/state_store_impl.hpp"

namespace domus::control::store_rows {

int64_t now_ms() {
    timespec ts{};
    ::clock_gettime(CLOCK_REALTIME, &ts);
    return static_cast<int64_t>(ts.tv_sec) * 1000 + ts.tv_nsec / 1000000;
}

const char* policy_text(Policy p) {
    switch (p) {
        case Policy::destroy:
            return "destroy";
        case Policy::restart:
            return "restart";
        case Policy::preserve:
            return "preserve";
    }
    return "invalid";
}

const char* state_text(DomainState s) {
    switch (s) {
        case DomainState::stopped:
            return "stopped";
        case DomainState::running:
            return "running";
        case DomainState::paused:
            return "paused";
        case DomainState::shutting_down:
            return "shutting-down";
        case DomainState::crashed:
            return "crashed";
    }
    return "invalid";
}

std::optional<Policy> policy_of(std::string_view s) {
    for (Policy p : {Policy::destroy, Policy::restart, Policy::preserve}) {
        if (s == policy_text(p)) return p;
    }
    return std::nullopt;
}

std::optional<DomainState> state_of(std::string_view s) {
    for (DomainState d : {DomainState::stopped, DomainState::running, DomainState::paused,
                          DomainState::shutting_down, DomainState::crashed}) {
        if (s == state_text(d)) return d;
    }
    return std::nullopt;
}

void bind_domain(sqlite::Stmt& s, const DomainRecord& r) {
    const DomainConfig& c = r.config;
    s.bind(1, c.name);
    // memory is at most 32768 MiB after validation; a value beyond int64 is clamped to -1,
    // which the CHECK (memory > 0) rejects rather than storing a wrapped number.
    s.bind(2, c.memory > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())
                  ? int64_t{-1}
                  : static_cast<int64_t>(c.memory));
    s.bind(3, static_cast<int64_t>(c.vcpus));
    s.bind(4, c.kernel);
    s.bind(5, c.cmdline);
    s.bind(6, policy_text(c.on_poweroff));
    s.bind(7, policy_text(c.on_reboot));
    s.bind(8, policy_text(c.on_crash));
    s.bind(9, state_text(r.state));
    s.bind(10, r.pid);
    s.bind(11, r.created_at);
    s.bind(12, r.updated_at);
    s.bind(13, r.started_at);
    if (r.last_exit) {
        s.bind(14, r.last_exit->reason);
        s.bind(15, r.last_exit->code);
        s.bind(16, r.last_exit->detail);
    } else {
        s.bind_null(14);
        s.bind_null(15);
        s.bind_null(16);
    }
    s.bind(17, static_cast<int64_t>(r.restarts));
    s.bind(18, c.ramdisk);
    s.bind(19, disks_to_json(c.disks));
    s.bind(20, nics_to_json(c.nics));
    s.bind(21, static_cast<int64_t>(c.cpu_weight));
    s.bind(22, static_cast<int64_t>(c.cap));
    s.bind(23, c.cpus);
    s.bind(24, exec_to_json(c.exec));
}

Result<DomainRecord> read_domain(const sqlite::Stmt& s) {
    DomainRecord r;
    r.id = s.int_at(0);
    r.config.name = s.text_at(1);
    auto bad = [&](const char* column, const std::string& value) {
        return make_error(Errc::io, "domain '" + r.config.name + "' (id " + std::to_string(r.id) +
                                        ") has an invalid " + column + " '" + value +
                                        "' in the state store");
    };
    const int64_t memory = s.int_at(2), vcpus = s.int_at(3), restarts = s.int_at(17);
    if (memory <= 0) return bad("memory", std::to_string(memory));
    if (vcpus <= 0 || vcpus > std::numeric_limits<uint32_t>::max()) {
        return bad("vcpus", std::to_string(vcpus));
    }
    if (restarts < 0 || restarts > std::numeric_limits<uint32_t>::max()) {
        return bad("restarts", std::to_string(restarts));
    }
    r.config.memory = static_cast<uint64_t>(memory);
    r.config.vcpus = static_cast<uint32_t>(vcpus);
    r.config.kernel = s.text_at(4);
    r.config.cmdline = s.text_at(5);
    const char* policy_columns[] = {"on_poweroff", "on_reboot", "on_crash"};
    Policy* policies[] = {&r.config.on_poweroff, &r.config.on_reboot, &r.config.on_crash};
    for (int i = 0; i < 3; ++i) {
        const std::string text = s.text_at(6 + i);
        auto p = policy_of(text);
        if (!p) return bad(policy_columns[i], text);
        *policies[i] = *p;
    }
    const std::string state = s.text_at(9);
    auto st = state_of(state);
    if (!st) return bad("state", state);
    r.state = *st;
    r.pid = s.int_at(10);
    r.created_at = s.int_at(11);
    r.updated_at = s.int_at(12);
    r.started_at = s.int_at(13);
    if (!s.is_null(14)) {
        r.last_exit = ExitInfo{s.text_at(14), s.int_at(15), s.text_at(16)};
    }
    r.restarts = static_cast<uint32_t>(restarts);
    r.config.ramdisk = s.text_at(18);
    const std::string disks = s.text_at(19);
    auto parsed = parse_disks_json(disks);
    if (!parsed.ok()) return bad("disks", disks.substr(0, 200));
    r.config.disks = std::move(*parsed.value);
    const std::string nics = s.text_at(20);
    auto parsed_nics = parse_nics_json(nics);
    if (!parsed_nics.ok()) return bad("nics", nics.substr(0, 200));
    r.config.nics = std::move(*parsed_nics.value);
    const int64_t weight = s.int_at(21), cap = s.int_at(22);
    if (weight < 1 || weight > 65535) return bad("cpu_weight", std::to_string(weight));
    if (cap < 0 || cap > 6400) return bad("cap", std::to_string(cap));
    r.config.cpu_weight = static_cast<uint32_t>(weight);
    r.config.cap = static_cast<uint32_t>(cap);
    r.config.cpus = s.text_at(23);
    const std::string exec = s.text_at(24);
    auto parsed_exec = parse_exec_json(exec);
    if (!parsed_exec.ok()) return bad("exec", exec.substr(0, 200));
    r.config.exec = std::move(*parsed_exec.value);
    return r;
}

}  // namespace domus::control::store_rows
