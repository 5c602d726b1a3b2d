// DomainView/HostView/Event -> JSON, field for field as docs/api.md shows them.
#include "api/json_views.hpp"

#include <boost/json/array.hpp>
#include <boost/json/serialize.hpp>

namespace domus::api {

namespace json = boost::json;

json::object domain_json(const control::DomainView& view) {
    const control::DomainRecord& r = view.record;
    const control::DomainConfig& c = r.config;
    json::object o;
    o["name"] = c.name;
    o["id"] = r.id;
    o["state"] = control::to_string(r.state);
    o["memory"] = c.memory;
    o["vcpus"] = c.vcpus;
    if (c.kernel.empty()) {
        o["kernel"] = nullptr;
    } else {
        o["kernel"] = c.kernel;
    }
    o["cmdline"] = c.cmdline;
    o["on_poweroff"] = control::to_string(c.on_poweroff);
    o["on_reboot"] = control::to_string(c.on_reboot);
    o["on_crash"] = control::to_string(c.on_crash);
    o["pid"] = r.pid;
    o["created_at"] = r.created_at;
    o["updated_at"] = r.updated_at;
    o["started_at"] = r.started_at;
    if (r.last_exit) {
        o["last_exit"] = json::object{{"reason", r.last_exit->reason},
                                      {"code", r.last_exit->code},
                                      {"detail", r.last_exit->detail}};
    } else {
        o["last_exit"] = nullptr;
    }
    o["restarts"] = r.restarts;
    o["stats"] = json::object{{"vcpu_time_ns", view.vcpu_time_ns},
                              {"exits", view.exits},
                              {"hypercalls", view.hypercalls},
                              {"resident_kib", view.resident_kib}};
    return o;
}

json::object host_json(const control::HostView& h) {
    return json::object{{"backend", h.backend},
                        {"cpus", h.cpus},
                        {"memory_total_mib", h.memory_total_mib},
                        {"memory_available_mib", h.memory_available_mib},
                        {"memory_assigned_mib", h.memory_assigned_mib},
                        {"max_vcpus_per_domain", h.max_vcpus_per_domain},
                        {"domains_total", h.domains_total},
                        {"domains_running", h.domains_running},
                        {"version", h.version}};
}

json::object event_json(const control::Event& e) {
    return json::object{{"id", e.id},
                        {"time", e.time},
                        {"domain", e.domain},
                        {"type", e.type},
                        {"detail", e.detail}};
}

json::object events_json(const std::vector<control::Event>& events, int64_t after) {
    json::array list;
    list.reserve(events.size());
    for (const auto& e : events) list.push_back(event_json(e));
    const int64_t last = events.empty() ? after : events.back().id;
    return json::object{{"events", std::move(list)}, {"last_id", last}};
}

json::object error_json(const control::ApiError& error) {
    json::object inner{{"code", error.code}, {"message", error.message}};
    if (!error.field.empty()) inner["field"] = error.field;
    return json::object{{"error", std::move(inner)}};
}

std::string sse_record(const control::Event& event) {
    std::string type = event.type;  // a line break would end the field early
    for (char& c : type) {
        if (c == '\n' || c == '\r') c = ' ';
    }
    return "id: " + std::to_string(event.id) + "\nevent: " + type +
           "\ndata: " + json::serialize(event_json(event)) + "\n\n";
}

}  // namespace domus::api
