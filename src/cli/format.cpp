#include "cli/format.hpp"

#include <cinttypes>
#include <cstdio>
#include <ctime>

#include <boost/json.hpp>

namespace domus::cli {

namespace json = boost::json;

const char* const kListHeader =
    "Name                                        ID   Mem VCPUs\tState\tTime(s)";

namespace {

const json::value* field(const json::object& o, std::string_view key) {
    const auto* v = o.if_contains(key);
    return (v == nullptr || v->is_null()) ? nullptr : v;
}

std::string str(const json::object& o, std::string_view key, std::string fallback = "-") {
    const auto* v = field(o, key);
    if (v == nullptr || !v->is_string()) return fallback;
    return std::string(v->as_string());
}

// Integral JSON numbers (and doubles that hold one) as int64, else nothing.
std::optional<int64_t> integer(const json::object& o, std::string_view key) {
    const auto* v = field(o, key);
    if (v == nullptr) return std::nullopt;
    if (v->is_int64()) return v->as_int64();
    if (v->is_uint64() && v->as_uint64() <= INT64_MAX) return static_cast<int64_t>(v->as_uint64());
    if (v->is_double()) return static_cast<int64_t>(v->as_double());
    return std::nullopt;
}

std::string int_or_dash(const json::object& o, std::string_view key) {
    auto v = integer(o, key);
    return v ? std::to_string(*v) : "-";
}

// xl.cfg string literal: double quotes unless the text holds one and no single quote.
std::string xl_quote(const std::string& s) {
    const char q =
        (s.find('"') != std::string::npos && s.find('\'') == std::string::npos) ? '\'' : '"';
    return q + s + q;
}

// xl.cfg string literal with C escapes (which the xl.cfg parser takes): any text, quotes,
// backslashes and control characters included, reads back as itself.
std::string xl_escaped(std::string_view s) {
    std::string out = "\"";
    for (char c : s) {
        const auto u = static_cast<unsigned char>(c);
        if (c == '"' || c == '\\') {
            out += '\\';
            out += c;
        } else if (c == '\n') {
            out += "\\n";
        } else if (c == '\t') {
            out += "\\t";
        } else if (u < 0x20 || u == 0x7F) {
            char buf[8];
            std::snprintf(buf, sizeof buf, "\\x%02x", u);
            out += buf;
        } else {
            out += c;
        }
    }
    return out + '"';
}

}  // namespace

std::string format_exec_xl(const json::object& d) {
    const auto* e = field(d, "exec");
    if (e == nullptr || !e->is_object()) return "";
    const json::object& exec = e->as_object();
    const auto* program = field(exec, "program");
    if (program == nullptr || !program->is_string()) return "";
    std::string out = "exec = " + xl_escaped(program->as_string()) + '\n';
    if (const auto* args = field(exec, "args"); args != nullptr && args->is_array()) {
        std::string list;
        for (const auto& a : args->as_array()) {
            if (a.is_string()) list += (list.empty() ? "" : ", ") + xl_escaped(a.as_string());
        }
        if (!list.empty()) out += "exec_args = [ " + list + " ]\n";
    }
    if (const auto* b = field(exec, "with_busybox"); b != nullptr && b->is_bool() && b->as_bool()) {
        out += "exec_busybox = 1\n";
    }
    if (const auto* o = field(exec, "overlay"); o != nullptr && o->is_string()) {
        out += "exec_overlay = " + xl_escaped(o->as_string()) + '\n';
    }
    return out;
}

std::string format_list_row(const json::object& d) {
    double seconds = 0;
    if (const auto* stats = field(d, "stats"); stats != nullptr && stats->is_object()) {
        seconds =
            static_cast<double>(integer(stats->as_object(), "vcpu_time_ns").value_or(0)) / 1e9;
    }
    // A domain kept by on_crash/on_poweroff/on_reboot = preserve: "crashed+preserved", one word.
    std::string state = str(d, "state");
    if (const auto* p = field(d, "preserved"); p != nullptr && p->is_bool() && p->as_bool()) {
        state += "+preserved";
    }
    char line[512];
    std::snprintf(line, sizeof line, "%-40s %5s %5s %5s     %-7s %8.1f", str(d, "name").c_str(),
                  int_or_dash(d, "id").c_str(), int_or_dash(d, "memory").c_str(),
                  int_or_dash(d, "vcpus").c_str(), state.c_str(), seconds);
    return line;
}

std::string format_list_long(const json::array& domains) {
    std::string out = std::string(kListHeader) + " Weight  Cap CPUs\n";
    for (const auto& v : domains) {
        if (!v.is_object()) continue;
        const json::object& d = v.as_object();
        const bool domain0 = !integer(d, "cpu_weight");
        char extra[128];
        std::snprintf(extra, sizeof extra, " %6s %4s %s", int_or_dash(d, "cpu_weight").c_str(),
                      int_or_dash(d, "cap").c_str(), domain0 ? "-" : str(d, "cpus", "all").c_str());
        out += format_list_row(d) + extra + '\n';
    }
    return out;
}

std::string format_list(const json::array& domains) {
    std::string out = kListHeader;
    out += '\n';
    for (const auto& d : domains) {
        if (!d.is_object()) continue;
        out += format_list_row(d.as_object());
        out += '\n';
    }
    return out;
}

std::string format_iso8601(int64_t unix_ms) {
    int64_t secs = unix_ms / 1000;
    int64_t ms = unix_ms % 1000;
    if (ms < 0) {
        ms += 1000;
        secs -= 1;
    }
    const auto t = static_cast<time_t>(secs);
    tm utc{};
    if (::gmtime_r(&t, &utc) == nullptr) return "-";
    char buf[64];
    std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", utc.tm_year + 1900,
                  utc.tm_mon + 1, utc.tm_mday, utc.tm_hour, utc.tm_min, utc.tm_sec,
                  static_cast<int>(ms));
    return buf;
}

std::string format_event(const json::object& e) {
    auto time = integer(e, "time");
    std::string domain = str(e, "domain", "");
    std::string out = time ? format_iso8601(*time) : "-";
    out += ' ';
    out += domain.empty() ? "-" : domain;
    out += ' ';
    out += str(e, "type");
    std::string detail = str(e, "detail", "");
    if (!detail.empty()) out += ' ' + detail;
    return out;
}

std::string format_host(const json::object& h, const std::string& socket_path) {
    std::string out;
    auto line = [&out](const char* label, const std::string& value) {
        char buf[64];
        std::snprintf(buf, sizeof buf, "%-18s: ", label);
        out += buf + value + '\n';
    };
    auto mib = [&h](std::string_view key) { return int_or_dash(h, key) + " MiB"; };
    line("domusd", str(h, "version") + " at " + socket_path);
    line("domusd backend", str(h, "backend"));
    line("domusd CPUs", int_or_dash(h, "cpus"));
    line("domusd memory", mib("memory_total_mib") + " total, " + mib("memory_available_mib") +
                              " available, " + mib("memory_assigned_mib") + " assigned");
    line("domusd max vCPUs", int_or_dash(h, "max_vcpus_per_domain") + " per domain");
    line("domusd domains",
         int_or_dash(h, "domains_total") + " (" + int_or_dash(h, "domains_running") + " running)");
    if (const auto* c = field(h, "cgroups"); c != nullptr && c->is_object()) {
        line("domusd cgroups", str(c->as_object(), "detail"));
    }
    if (field(h, "max_domains") != nullptr) {
        const auto* over = field(h, "overcommit");
        line("domusd admission",
             "at most " + int_or_dash(h, "max_domains") + " domains; " + mib("memory_reserve_mib") +
                 " reserved for the host, over-commit " +
                 (over != nullptr && over->is_bool() && over->as_bool() ? "on" : "off"));
    }
    if (const auto* n = field(h, "network"); n != nullptr && n->is_object()) {
        const json::object& net = n->as_object();
        const auto* nat = field(net, "nat");
        const auto* up = field(net, "bridge_up");
        line("domusd network",
             "bridge " + str(net, "bridge") + " (" +
                 (up != nullptr && up->is_bool() && up->as_bool() ? "up" : "not made yet") +
                 "), subnet " + str(net, "subnet") + ", gateway " + str(net, "gateway") + ", NAT " +
                 (nat != nullptr && nat->is_bool() && nat->as_bool() ? "on" : "off"));
    }
    return out;
}

std::string format_sched(const json::array& domains) {
    std::string out = "Name                                ID Weight  Cap\n";
    for (const auto& v : domains) {
        if (!v.is_object()) continue;
        const json::object& d = v.as_object();
        if (!integer(d, "cpu_weight")) continue;  // Domain-0
        char line[256];
        std::snprintf(line, sizeof line, "%-32s %5s %6s %4s\n", str(d, "name").c_str(),
                      int_or_dash(d, "id").c_str(), int_or_dash(d, "cpu_weight").c_str(),
                      int_or_dash(d, "cap").c_str());
        out += line;
    }
    return out;
}

std::string format_config_xl(const json::object& d) {
    std::string out;
    auto text = [&](const char* key) {
        const auto* v = field(d, key);
        if (v != nullptr && v->is_string()) {
            out += std::string(key) + " = " + xl_quote(std::string(v->as_string())) + '\n';
        }
    };
    auto number = [&](const char* key) {
        if (auto v = integer(d, key)) out += std::string(key) + " = " + std::to_string(*v) + '\n';
    };
    text("name");
    number("memory");
    number("vcpus");
    text("kernel");
    text("ramdisk");
    text("cmdline");
    text("on_poweroff");
    text("on_reboot");
    text("on_crash");
    if (auto w = integer(d, "cpu_weight"); w && *w != 256) number("cpu_weight");
    if (auto c = integer(d, "cap"); c && *c != 0) number("cap");
    text("cpus");
    out += format_disks_xl(d);
    out += format_vifs_xl(d);
    out += format_exec_xl(d);
    return out;
}

std::string format_vifs_xl(const json::object& d) {
    const auto* nics = field(d, "nics");
    if (nics == nullptr || !nics->is_array() || nics->as_array().empty()) return "";
    std::string list, limits;
    for (const auto& v : nics->as_array()) {
        if (!v.is_object()) continue;
        const json::object& nic = v.as_object();
        std::string spec;
        auto add = [&](const char* key, const std::string& value) {
            if (!value.empty()) spec += (spec.empty() ? "" : ", ") + std::string(key) + "=" + value;
        };
        add("mac", str(nic, "mac", ""));
        add("ip", str(nic, "ip", ""));
        add("bridge", str(nic, "bridge", ""));
        add("vifname", str(nic, "vifname", ""));
        const int64_t tx = integer(nic, "tx_bytes_per_sec").value_or(0);
        const int64_t rx = integer(nic, "rx_bytes_per_sec").value_or(0);
        if (tx != 0) add("rate", std::to_string(tx) + "B/s");
        list += (list.empty() ? "vif = [ " : ",\n        ") + xl_quote(spec);
        if (rx != 0) {
            limits += "# " + str(nic, "guest", "") + ": rx_bytes_per_sec " + std::to_string(rx) +
                      " (no xl.cfg parameter: set it in JSON)\n";
        }
    }
    return list + " ]\n" + limits;
}

std::string format_nics(const json::object& d) {
    std::string out =
        "Idx Name MAC               IP              TAP             Bridge          "
        "RX bytes RX pkts  TX bytes TX pkts\n";
    const auto* nics = field(d, "nics");
    if (nics == nullptr || !nics->is_array()) return out;
    size_t idx = 0;
    for (const auto& v : nics->as_array()) {
        if (!v.is_object()) continue;
        const json::object& n = v.as_object();
        std::string counters[4] = {"-", "-", "-", "-"};
        if (const auto* s = field(n, "stats"); s != nullptr && s->is_object()) {
            const auto* present = field(s->as_object(), "present");
            if (present != nullptr && present->is_bool() && present->as_bool()) {
                const char* keys[] = {"rx_bytes", "rx_packets", "tx_bytes", "tx_packets"};
                for (int i = 0; i < 4; ++i) counters[i] = int_or_dash(s->as_object(), keys[i]);
            }
        }
        char line[512];
        std::snprintf(line, sizeof line, "%-3zu %-4s %-17s %-15s %-15s %-15s %8s %7s %9s %7s\n",
                      idx++, str(n, "guest", "-").c_str(), str(n, "mac", "-").c_str(),
                      str(n, "ip", "-").c_str(), str(n, "tap", "-").c_str(),
                      str(n, "bridge", "-").c_str(), counters[0].c_str(), counters[1].c_str(),
                      counters[2].c_str(), counters[3].c_str());
        out += line;
    }
    return out;
}

std::string format_disks_xl(const json::object& d) {
    const auto* disks = field(d, "disks");
    if (disks == nullptr || !disks->is_array() || disks->as_array().empty()) return "";
    std::string list, limits;
    for (const auto& v : disks->as_array()) {
        if (!v.is_object()) continue;
        const json::object& disk = v.as_object();
        std::string vdev = str(disk, "vdev", "");
        if (vdev.empty()) vdev = str(disk, "guest", "");
        const auto* ro = field(disk, "read_only");
        const bool read_only = ro != nullptr && ro->is_bool() && ro->as_bool();
        std::string spec = "format=raw, ";
        if (!vdev.empty()) spec += "vdev=" + vdev + ", ";
        spec +=
            std::string("access=") + (read_only ? "ro" : "rw") + ", target=" + str(disk, "path");
        list += (list.empty() ? "disk = [ " : ",\n         ") + xl_quote(spec);
        const int64_t bps = integer(disk, "bytes_per_sec").value_or(0);
        const int64_t iops = integer(disk, "ops_per_sec").value_or(0);
        if (bps != 0 || iops != 0) {
            limits += "# " + (vdev.empty() ? str(disk, "path") : vdev) + ": bytes_per_sec " +
                      std::to_string(bps) + ", ops_per_sec " + std::to_string(iops) +
                      " (no xl.cfg parameter: set them in JSON)\n";
        }
    }
    return list + " ]\n" + limits;
}

std::string format_image_created(const json::object& i) {
    return str(i, "name") + ": " + int_or_dash(i, "size") + " bytes at " + str(i, "path") + "\n";
}

std::string format_images(const json::object& list) {
    std::string out = "Name                             Size (bytes)  Used by\n";
    const auto* images = field(list, "images");
    if (images == nullptr || !images->is_array()) return out;
    for (const auto& v : images->as_array()) {
        if (!v.is_object()) continue;
        const json::object& i = v.as_object();
        std::string users;
        if (const auto* u = field(i, "used_by"); u != nullptr && u->is_array()) {
            for (const auto& name : u->as_array()) {
                if (name.is_string())
                    users += (users.empty() ? "" : ",") + std::string(name.as_string());
            }
        }
        char line[512];
        std::snprintf(line, sizeof line, "%-32s %13s  %s\n", str(i, "name").c_str(),
                      int_or_dash(i, "size").c_str(), users.empty() ? "-" : users.c_str());
        out += line;
    }
    return out;
}

std::string format_config_json(const json::object& d) {
    json::object config;
    for (const char* key : {"name", "memory", "vcpus", "kernel", "ramdisk", "cmdline",
                            "on_poweroff", "on_reboot", "on_crash", "disks", "nics", "exec"}) {
        if (const auto* v = d.if_contains(key)) config[key] = *v;
    }
    // "guest" is derived (vda, ...), not a configuration field: what create takes back.
    if (auto* disks = config.if_contains("disks"); disks != nullptr && disks->is_array()) {
        for (auto& disk : disks->as_array()) {
            if (!disk.is_object()) continue;
            json::object kept;  // erase() would reorder the rest
            for (const auto& [key, value] : disk.as_object()) {
                if (key != "guest") kept[key] = value;
            }
            disk = std::move(kept);
        }
    }
    // The NICs' host-side and live fields (guest, tap, stats) are not configuration.
    if (auto* nics = config.if_contains("nics"); nics != nullptr && nics->is_array()) {
        for (auto& nic : nics->as_array()) {
            if (!nic.is_object()) continue;
            json::object kept;
            for (const auto& [key, value] : nic.as_object()) {
                if (key != "guest" && key != "tap" && key != "stats") kept[key] = value;
            }
            nic = std::move(kept);
        }
    }
    return json::serialize(config);
}

}  // namespace domus::cli
