// Policies, domain names, PATCH application, format detection and JSON serialisation.
#include "control/domain_config.hpp"

#include <cstdio>

namespace domus::control {
namespace {

constexpr size_t kMaxNameBytes = 64;

bool name_char(char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' ||
           c == '.' || c == '-';
}

char lower(char c) {
    return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
}

// A JSON string literal; the text is assumed to be UTF-8 (validate_config guarantees it).
void append_json_string(std::string& out, std::string_view s) {
    out += '"';
    for (char ch : s) {
        const auto c = static_cast<unsigned char>(ch);
        if (c == '"' || c == '\\') {
            out += '\\';
            out += ch;
        } else if (c == '\n') {
            out += "\\n";
        } else if (c == '\t') {
            out += "\\t";
        } else if (c < 0x20 || c == 0x7F) {
            char buf[8];
            std::snprintf(buf, sizeof buf, "\\u%04x", c);
            out += buf;
        } else {
            out += ch;
        }
    }
    out += '"';
}

}  // namespace

const char* to_string(Policy p) {
    switch (p) {
        case Policy::destroy:
            return "destroy";
        case Policy::restart:
            return "restart";
        case Policy::preserve:
            return "preserve";
    }
    return "destroy";
}

std::optional<Policy> policy_from_string(std::string_view s) {
    if (s == "destroy") return Policy::destroy;
    if (s == "restart") return Policy::restart;
    if (s == "preserve") return Policy::preserve;
    return std::nullopt;
}

bool valid_domain_name(std::string_view name) {
    if (name.empty() || name.size() > kMaxNameBytes || name == "." || name == "..") return false;
    for (char c : name) {
        if (!name_char(c)) return false;
    }
    return true;
}

bool is_reserved_domain_name(std::string_view name) {
    constexpr std::string_view kDomain0 = "domain-0";
    if (name.size() != kDomain0.size()) return false;
    for (size_t i = 0; i < name.size(); ++i) {
        if (lower(name[i]) != kDomain0[i]) return false;
    }
    return true;
}

std::vector<std::string> DomainConfigPatch::present_fields() const {
    std::vector<std::string> out;
    for (int i = 0; i < config_detail::kFieldCount; ++i) {
        const auto f = static_cast<config_detail::Field>(i);
        if (config_detail::patch_has(*this, f)) out.emplace_back(config_detail::field_name(f));
    }
    return out;
}

ConfigResult<DomainConfig> apply_patch(const DomainConfig& base, const DomainConfigPatch& patch,
                                       const ConfigLimits& limits) {
    DomainConfig c = base;
    if (patch.name) c.name = *patch.name;
    if (patch.memory) c.memory = *patch.memory;
    if (patch.vcpus) c.vcpus = *patch.vcpus;
    if (patch.kernel) c.kernel = *patch.kernel;
    if (patch.ramdisk) c.ramdisk = *patch.ramdisk;
    if (patch.cmdline) c.cmdline = *patch.cmdline;
    if (patch.on_poweroff) c.on_poweroff = *patch.on_poweroff;
    if (patch.on_reboot) c.on_reboot = *patch.on_reboot;
    if (patch.on_crash) c.on_crash = *patch.on_crash;
    if (patch.disks) c.disks = *patch.disks;
    if (patch.nics) c.nics = *patch.nics;
    if (patch.cpu_weight) c.cpu_weight = *patch.cpu_weight;
    if (patch.cap) c.cap = *patch.cap;
    if (patch.cpus) c.cpus = *patch.cpus;
    if (patch.exec) c.exec = *patch.exec;
    if (auto err = validate_config(c, limits)) return {std::nullopt, std::move(*err)};
    return {std::move(c), {}};
}

ConfigResult<DomainConfig> parse_config_any(std::string_view text, const ConfigLimits& limits) {
    for (char c : text) {
        if (c == ' ' || c == '\t' || c == '\r' || c == '\n') continue;
        if (c == '{') return parse_config_json(text, limits);
        break;
    }
    return parse_config_xl(text, limits);
}

std::string disks_to_json(const std::vector<DiskConfig>& disks) {
    std::string out = "[";
    for (size_t i = 0; i < disks.size(); ++i) {
        const DiskConfig& d = disks[i];
        out += i == 0 ? "{\"path\":" : ",{\"path\":";
        append_json_string(out, d.path);
        out += ",\"vdev\":";
        if (d.vdev.empty()) {
            out += "null";
        } else {
            append_json_string(out, d.vdev);
        }
        out += std::string(",\"read_only\":") + (d.read_only ? "true" : "false");
        out += ",\"bytes_per_sec\":" + std::to_string(d.bytes_per_sec);
        out += ",\"ops_per_sec\":" + std::to_string(d.ops_per_sec) + "}";
    }
    return out + "]";
}

ConfigResult<std::vector<DiskConfig>> parse_disks_json(std::string_view text) {
    auto parsed = parse_patch_json("{\"disks\":" + std::string(text) + "}");
    if (!parsed.ok()) return {std::nullopt, std::move(parsed.error)};
    return {std::move(*parsed.value->disks), {}};
}

std::string nics_to_json(const std::vector<NicConfig>& nics) {
    std::string out = "[";
    auto nullable = [&](const char* key, const std::string& v) {
        out += std::string("\"") + key + "\":";
        if (v.empty()) {
            out += "null";
        } else {
            append_json_string(out, v);
        }
        out += ",";
    };
    for (size_t i = 0; i < nics.size(); ++i) {
        const NicConfig& n = nics[i];
        out += i == 0 ? "{" : ",{";
        nullable("mac", n.mac);
        nullable("ip", n.ip);
        nullable("bridge", n.bridge);
        nullable("vifname", n.vifname);
        out += "\"rx_bytes_per_sec\":" + std::to_string(n.rx_bytes_per_sec);
        out += ",\"tx_bytes_per_sec\":" + std::to_string(n.tx_bytes_per_sec) + "}";
    }
    return out + "]";
}

ConfigResult<std::vector<NicConfig>> parse_nics_json(std::string_view text) {
    auto parsed = parse_patch_json("{\"nics\":" + std::string(text) + "}");
    if (!parsed.ok()) return {std::nullopt, std::move(parsed.error)};
    return {std::move(*parsed.value->nics), {}};
}

std::string exec_to_json(const ExecConfig& exec) {
    if (exec.empty()) return "null";
    std::string out = "{\"program\":";
    append_json_string(out, exec.program);
    out += ",\"args\":[";
    for (size_t i = 0; i < exec.args.size(); ++i) {
        if (i != 0) out += ',';
        append_json_string(out, exec.args[i]);
    }
    out += std::string("],\"with_busybox\":") + (exec.with_busybox ? "true" : "false");
    out += ",\"overlay\":";
    if (exec.overlay.empty()) {
        out += "null";
    } else {
        append_json_string(out, exec.overlay);
    }
    return out + "}";
}

ConfigResult<ExecConfig> parse_exec_json(std::string_view text) {
    auto parsed = parse_patch_json("{\"exec\":" + std::string(text) + "}");
    if (!parsed.ok()) return {std::nullopt, std::move(parsed.error)};
    return {std::move(*parsed.value->exec), {}};
}

std::string config_to_json(const DomainConfig& c) {
    std::string out = "{\"name\":";
    append_json_string(out, c.name);
    out += ",\"memory\":" + std::to_string(c.memory);
    out += ",\"vcpus\":" + std::to_string(c.vcpus);
    out += ",\"kernel\":";
    if (c.kernel.empty()) {
        out += "null";
    } else {
        append_json_string(out, c.kernel);
    }
    out += ",\"ramdisk\":";
    if (c.ramdisk.empty()) {
        out += "null";
    } else {
        append_json_string(out, c.ramdisk);
    }
    out += ",\"cmdline\":";
    append_json_string(out, c.cmdline);
    out += ",\"on_poweroff\":\"";
    out += to_string(c.on_poweroff);
    out += "\",\"on_reboot\":\"";
    out += to_string(c.on_reboot);
    out += "\",\"on_crash\":\"";
    out += to_string(c.on_crash);
    out += "\",\"disks\":" + disks_to_json(c.disks);
    out += ",\"nics\":" + nics_to_json(c.nics);
    out += ",\"cpu_weight\":" + std::to_string(c.cpu_weight);
    out += ",\"cap\":" + std::to_string(c.cap);
    out += ",\"cpus\":";
    if (c.cpus.empty()) {
        out += "null";
    } else {
        append_json_string(out, c.cpus);
    }
    out += ",\"exec\":" + exec_to_json(c.exec);
    return out + "}";
}

}  // namespace domus::control
