// DomainView/HostView/Event -> JSON, field for field as docs/api.md shows them.
#include "api/json_views.hpp"

#include <boost/json/array.hpp>
#include <boost/json/serialize.hpp>

#include "control/domain_config_disks.hpp"
#include "control/domain_config_nics.hpp"

namespace domus::api {

namespace json = boost::json;

namespace {

// Length of the valid UTF-8 sequence at s[i] (RFC 3629: no overlongs, surrogates or values
// above U+10FFFF), 0 when there is none.
size_t utf8_sequence(std::string_view s, size_t i) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c < 0x80) return 1;
    size_t len = 0;
    unsigned char lo = 0x80, hi = 0xBF;
    if (c >= 0xC2 && c <= 0xDF) {
        len = 2;
    } else if (c >= 0xE0 && c <= 0xEF) {
        len = 3;
        if (c == 0xE0) lo = 0xA0;
        if (c == 0xED) hi = 0x9F;
    } else if (c >= 0xF0 && c <= 0xF4) {
        len = 4;
        if (c == 0xF0) lo = 0x90;
        if (c == 0xF4) hi = 0x8F;
    } else {
        return 0;
    }
    if (s.size() - i < len) return 0;
    for (size_t k = 1; k < len; ++k) {
        const auto b = static_cast<unsigned char>(s[i + k]);
        if (b < (k == 1 ? lo : 0x80) || b > (k == 1 ? hi : 0xBF)) return 0;
    }
    return len;
}

}  // namespace

std::string utf8_safe(std::string_view s) {
    std::string out;
    out.reserve(s.size());
    for (size_t i = 0; i < s.size();) {
        const size_t len = utf8_sequence(s, i);
        if (len == 0) {
            static constexpr char kHex[] = "0123456789abcdef";
            const auto c = static_cast<unsigned char>(s[i]);
            out += "\\x";
            out += kHex[c >> 4];
            out += kHex[c & 15];
            ++i;
        } else {
            out.append(s.substr(i, len));
            i += len;
        }
    }
    return out;
}

json::array disks_json(const std::vector<control::DiskConfig>& disks) {
    const auto guest = control::guest_disk_indexes(disks);
    json::array out;
    out.reserve(disks.size());
    for (size_t i = 0; i < disks.size(); ++i) {
        const control::DiskConfig& d = disks[i];
        json::object o;
        o["path"] = utf8_safe(d.path);
        if (d.vdev.empty()) {
            o["vdev"] = nullptr;
        } else {
            o["vdev"] = utf8_safe(d.vdev);
        }
        o["guest"] = control::guest_disk_name(guest[i]);
        o["read_only"] = d.read_only;
        o["bytes_per_sec"] = d.bytes_per_sec;
        o["ops_per_sec"] = d.ops_per_sec;
        out.push_back(std::move(o));
    }
    return out;
}

json::array nics_json(const control::DomainView& view) {
    const auto& nics = view.record.config.nics;
    json::array out;
    out.reserve(nics.size());
    for (size_t i = 0; i < nics.size(); ++i) {
        const control::NicConfig& n = nics[i];
        json::object o;
        o["guest"] = control::guest_nic_name(i);
        o["mac"] = n.mac.empty() ? json::value(nullptr) : json::value(n.mac);
        o["ip"] = n.ip.empty() ? json::value(nullptr) : json::value(n.ip);
        o["vifname"] = n.vifname.empty() ? json::value(nullptr) : json::value(utf8_safe(n.vifname));
        o["rx_bytes_per_sec"] = n.rx_bytes_per_sec;
        o["tx_bytes_per_sec"] = n.tx_bytes_per_sec;
        if (i < view.nics.size()) {
            const control::NicView& v = view.nics[i];
            o["tap"] = utf8_safe(v.tap);
            o["bridge"] = utf8_safe(v.bridge);  // the configured one, else the daemon's
            o["stats"] = json::object{{"present", v.present},
                                      {"rx_bytes", v.rx_bytes},
                                      {"rx_packets", v.rx_packets},
                                      {"tx_bytes", v.tx_bytes},
                                      {"tx_packets", v.tx_packets}};
        }
        out.push_back(std::move(o));
    }
    return out;
}

// The program packed into the initramfs, or null.
json::value exec_json(const control::ExecConfig& e) {
    if (e.empty()) return nullptr;
    json::array args;
    for (const auto& a : e.args) args.push_back(json::value(utf8_safe(a)));
    json::object o;
    o["program"] = utf8_safe(e.program);
    o["args"] = std::move(args);
    o["with_busybox"] = e.with_busybox;
    o["overlay"] = e.overlay.empty() ? json::value(nullptr) : json::value(utf8_safe(e.overlay));
    return o;
}

json::object domain_json(const control::DomainView& view) {
    const control::DomainRecord& r = view.record;
    const control::DomainConfig& c = r.config;
    json::object o;
    o.reserve(27);  // every field below: no rehashing while building
    o["name"] = c.name;
    o["id"] = r.id;
    o["state"] = control::to_string(r.state);
    o["preserved"] = control::is_preserved(r);
    o["memory"] = c.memory;
    o["vcpus"] = c.vcpus;
    if (c.kernel.empty()) {
        o["kernel"] = nullptr;
    } else {
        o["kernel"] = c.kernel;
    }
    if (c.ramdisk.empty()) {
        o["ramdisk"] = nullptr;
    } else {
        o["ramdisk"] = c.ramdisk;
    }
    o["cmdline"] = c.cmdline;
    o["on_poweroff"] = control::to_string(c.on_poweroff);
    o["on_reboot"] = control::to_string(c.on_reboot);
    o["on_crash"] = control::to_string(c.on_crash);
    o["disks"] = disks_json(c.disks);
    o["nics"] = nics_json(view);
    o["cpu_weight"] = c.cpu_weight;
    o["cap"] = c.cap;
    if (c.cpus.empty()) {
        o["cpus"] = nullptr;
    } else {
        o["cpus"] = utf8_safe(c.cpus);
    }
    o["exec"] = exec_json(c.exec);
    if (view.cgroup.present || !view.cgroup.vcpu_affinity.empty()) {
        json::array affinity;
        for (const auto& a : view.cgroup.vcpu_affinity) affinity.push_back(json::value(a));
        o["cgroup"] = json::object{{"path", utf8_safe(view.cgroup.path)},
                                   {"cpu_usage_ns", view.cgroup.cpu_usage_ns},
                                   {"vcpu_affinity", std::move(affinity)}};
    } else {
        o["cgroup"] = nullptr;
    }
    o["pid"] = r.pid;
    o["created_at"] = r.created_at;
    o["updated_at"] = r.updated_at;
    o["started_at"] = r.started_at;
    if (r.last_exit) {
        o["last_exit"] = json::object{{"reason", utf8_safe(r.last_exit->reason)},
                                      {"code", r.last_exit->code},
                                      {"detail", utf8_safe(r.last_exit->detail)}};
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

json::array controllers_json(const control::HostView& h) {
    json::array out;
    for (const auto& c : h.cgroup_controllers) out.push_back(json::value(c));
    return out;
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
                        {"version", h.version},
                        {"network", json::object{{"bridge", utf8_safe(h.network.bridge)},
                                                 {"subnet", h.network.subnet},
                                                 {"gateway", h.network.gateway},
                                                 {"nat", h.network.nat},
                                                 {"bridge_up", h.network.bridge_up}}},
                        {"cgroups", json::object{{"mode", h.cgroup_mode},
                                                 {"controllers", controllers_json(h)},
                                                 {"detail", utf8_safe(h.cgroups)}}},
                        {"memory_reserve_mib", h.memory_reserve_mib},
                        {"overcommit", h.overcommit},
                        {"max_domains", h.max_domains}};
}

json::object image_json(const control::ImageView& i) {
    json::array used;
    for (const auto& d : i.used_by) used.push_back(json::value(utf8_safe(d)));
    return json::object{{"name", utf8_safe(i.name)},
                        {"path", utf8_safe(i.path)},
                        {"size", i.size_bytes},
                        {"used_by", std::move(used)}};
}

json::object event_json(const control::Event& e) {
    return json::object{{"id", e.id},
                        {"time", e.time},
                        {"domain", utf8_safe(e.domain)},
                        {"type", utf8_safe(e.type)},
                        {"detail", utf8_safe(e.detail)}};
}

json::object events_json(const std::vector<control::Event>& events, int64_t after) {
    json::array list;
    list.reserve(events.size());
    for (const auto& e : events) list.push_back(event_json(e));
    const int64_t last = events.empty() ? after : events.back().id;
    return json::object{{"events", std::move(list)}, {"last_id", last}};
}

json::object error_json(const control::ApiError& error) {
    json::object inner{{"code", utf8_safe(error.code)}, {"message", utf8_safe(error.message)}};
    if (!error.field.empty()) inner["field"] = utf8_safe(error.field);
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
