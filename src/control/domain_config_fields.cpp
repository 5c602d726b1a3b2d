// Field by field checks shared by the JSON and xl.cfg parsers, PATCH and validate_config.
#include <array>
#include <cstdio>
#include <cstring>
#include <string>

#include "control/cgroup_values.hpp"
#include "control/domain_config.hpp"
#include "control/domain_config_disks.hpp"
#include "control/domain_config_nics.hpp"
#include "domus/abi/boot_info.h"

namespace domus::control {
namespace config_detail {
namespace {

constexpr std::array<const char*, kFieldCount> kFieldNames = {
    "name",     "memory", "vcpus", "kernel",     "ramdisk", "cmdline", "on_poweroff", "on_reboot",
    "on_crash", "disks",  "nics",  "cpu_weight", "cap",     "cpus",    "exec"};

// xl.cfg policies Domus does not implement (yet): named as such rather than "not a policy".
constexpr std::array<std::string_view, 4> kUnsupportedPolicies = {
    "rename-restart", "coredump-destroy", "coredump-restart", "soft-reset"};

ConfigError field_error(Field f, std::string message) {
    return ConfigError{field_name(f), std::move(message), 0, ConfigErrorKind::invalid_field};
}

// Offset of the first byte that is not part of well-formed UTF-8 (RFC 3629), or npos.
size_t invalid_utf8_at(std::string_view s) {
    size_t i = 0;
    while (i < s.size()) {
        const auto c = static_cast<unsigned char>(s[i]);
        size_t len = 0;
        unsigned char lo = 0x80, hi = 0xBF;  // bounds of the second byte
        if (c < 0x80) {
            ++i;
            continue;
        } else if (c >= 0xC2 && c <= 0xDF) {
            len = 2;
        } else if (c >= 0xE0 && c <= 0xEF) {
            len = 3;
            if (c == 0xE0) lo = 0xA0;
            if (c == 0xED) hi = 0x9F;  // no UTF-16 surrogates
        } else if (c >= 0xF0 && c <= 0xF4) {
            len = 4;
            if (c == 0xF0) lo = 0x90;
            if (c == 0xF4) hi = 0x8F;  // nothing above U+10FFFF
        } else {
            return i;
        }
        if (s.size() - i < len) return i;
        for (size_t k = 1; k < len; ++k) {
            const auto b = static_cast<unsigned char>(s[i + k]);
            const unsigned char min = k == 1 ? lo : 0x80, max = k == 1 ? hi : 0xBF;
            if (b < min || b > max) return i;
        }
        i += len;
    }
    return std::string_view::npos;
}

std::optional<std::string> check_name(std::string_view shown, std::string_view s) {
    if (!valid_domain_name(s)) {
        return std::string(shown) + " " + quote(s) +
               " is not a valid domain name (1 to 64 of A-Z a-z 0-9 _ . -, not . or ..)";
    }
    if (is_reserved_domain_name(s)) {
        return std::string(shown) + " " + quote(s) + " is reserved for the control domain";
    }
    return std::nullopt;
}

// kernel and ramdisk: a file path, or absent/null for the default (the embedded guest, none).
std::optional<std::string> check_file(Field f, std::string_view shown, std::string_view s) {
    if (s.empty()) {
        return std::string(shown) + " \"\" is empty (leave it out, or null, for " +
               (f == Field::kernel ? "the embedded guest)" : "none)");
    }
    return check_path_like(shown, s, kMaxKernelPathBytes, "path");
}

bool nullable(Field f) {
    return f == Field::kernel || f == Field::ramdisk || f == Field::cpus;
}

// xl's cpus syntax, checked against the largest CPU number Domus takes (the host's CPUs are
// checked when the domain is defined and started).
std::optional<std::string> check_cpus(std::string_view shown, std::string_view s) {
    if (auto e = check_path_like(shown, s, 1024, "")) return e;
    auto parsed = parse_cpu_list(s, kMaxCpuIndex);
    if (!parsed) {
        std::string m = parsed.error().message;
        if (m.starts_with("cpus")) m = std::string(shown) + m.substr(4);
        return m;
    }
    return std::nullopt;
}

std::optional<std::string> check_policy(std::string_view shown, std::string_view s,
                                        std::optional<Policy>& out) {
    out = policy_from_string(s);
    if (out) return std::nullopt;
    for (auto u : kUnsupportedPolicies) {
        if (s == u) {
            return std::string(shown) + " " + quote(s) +
                   " is not supported by Domus yet (use destroy, restart or preserve)";
        }
    }
    return std::string(shown) + " " + quote(s) + " is not a policy (destroy, restart or preserve)";
}

// A number as the file spelled it, for a message: numbers are plain ASCII, but a file may
// spell one with any number of digits, so a long one is cut like a quoted value.
std::string shown_number(std::string_view text) {
    constexpr size_t kShown = 64;
    if (text.size() <= kShown) return std::string(text);
    return std::string(text.substr(0, kShown)) + "...";
}

// An integer field in [min, max]; `unit` is appended to the value in messages.
std::optional<std::string> check_integer(Field f, std::string_view shown, const RawValue& v,
                                         uint64_t min, uint64_t max, const char* unit,
                                         uint64_t& out) {
    if (v.kind == RawValue::Kind::fraction) {
        return std::string(shown) + " " + shown_number(v.text) + " is not an integer";
    }
    if (v.kind != RawValue::Kind::integer) {
        return std::string(shown) + " must be an integer (got " + kind_name(v.kind) + ")";
    }
    const std::string value = std::string(shown) + " " + shown_number(v.text) + unit;
    if (v.negative || (v.magnitude && *v.magnitude < min)) {
        if (f == Field::vcpus) return value + ": a domain needs at least one vCPU";
        return value + " is too small (at least " + std::to_string(min) + unit + ")";
    }
    if (!v.magnitude || *v.magnitude > max) {
        return value + " exceeds the limit of " + std::to_string(max) + unit;
    }
    out = *v.magnitude;
    return std::nullopt;
}

std::optional<std::string> set_string_field(DomainConfigPatch& p, Field f, std::string_view shown,
                                            const RawValue& v) {
    if (nullable(f) && v.kind == RawValue::Kind::null) {
        (f == Field::kernel ? p.kernel : f == Field::ramdisk ? p.ramdisk : p.cpus) = std::string();
        return std::nullopt;
    }
    if (f == Field::cpus && (v.kind == RawValue::Kind::list || v.kind == RawValue::Kind::array)) {
        return std::string(shown) +
               " as a list (per-vCPU pinning) is not supported: give one string such as "
               "\"0-3,^1\" (domus vcpu-pin pins single vCPUs of a running domain)";
    }
    if (v.kind != RawValue::Kind::string) {
        return std::string(shown) + " must be a string" + (nullable(f) ? " or null" : "") +
               " (got " + kind_name(v.kind) + ")";
    }
    std::optional<std::string> err;
    std::optional<Policy> policy;
    switch (f) {
        case Field::name:
            if (!(err = check_name(shown, v.text))) p.name = v.text;
            break;
        case Field::kernel:
            if (!(err = check_file(f, shown, v.text))) p.kernel = v.text;
            break;
        case Field::ramdisk:
            if (!(err = check_file(f, shown, v.text))) p.ramdisk = v.text;
            break;
        case Field::cmdline:
            if (!(err = check_path_like(shown, v.text, DOMUS_CMDLINE_MAX, ""))) p.cmdline = v.text;
            break;
        case Field::on_poweroff:
            if (!(err = check_policy(shown, v.text, policy))) p.on_poweroff = policy;
            break;
        case Field::on_reboot:
            if (!(err = check_policy(shown, v.text, policy))) p.on_reboot = policy;
            break;
        case Field::on_crash:
            if (!(err = check_policy(shown, v.text, policy))) p.on_crash = policy;
            break;
        case Field::cpus:
            if (!(err = check_cpus(shown, v.text))) p.cpus = v.text;
            break;
        case Field::cpu_weight:
        case Field::cap:
        case Field::memory:
        case Field::vcpus:
        case Field::disks:
        case Field::nics:
        case Field::exec:
            break;
    }
    return err;
}

}  // namespace

// The checks of a string-valued field once it is known to be a string.
std::optional<std::string> check_path_like(std::string_view shown, std::string_view s, size_t limit,
                                           const char* what) {
    const std::string who = std::string(shown) + (*what != '\0' ? " " : "") + what;
    if (s.size() >= limit) {
        return who + " of " + std::to_string(s.size()) + " bytes is too long (at most " +
               std::to_string(limit - 1) + ")";
    }
    if (s.find('\0') != std::string_view::npos)
        return who + " " + quote(s) + " contains a NUL byte";
    const size_t bad = invalid_utf8_at(s);
    if (bad != std::string_view::npos) {
        return who + " " + quote(s) + " is not valid UTF-8 (at byte " + std::to_string(bad) + ")";
    }
    return std::nullopt;
}

const char* field_name(Field f) {
    return kFieldNames[static_cast<size_t>(f)];
}

std::optional<Field> field_from_name(std::string_view json_name) {
    for (size_t i = 0; i < kFieldNames.size(); ++i) {
        if (json_name == kFieldNames[i]) return static_cast<Field>(i);
    }
    return std::nullopt;
}

bool patch_has(const DomainConfigPatch& p, Field f) {
    switch (f) {
        case Field::name:
            return p.name.has_value();
        case Field::memory:
            return p.memory.has_value();
        case Field::vcpus:
            return p.vcpus.has_value();
        case Field::kernel:
            return p.kernel.has_value();
        case Field::ramdisk:
            return p.ramdisk.has_value();
        case Field::cmdline:
            return p.cmdline.has_value();
        case Field::on_poweroff:
            return p.on_poweroff.has_value();
        case Field::on_reboot:
            return p.on_reboot.has_value();
        case Field::on_crash:
            return p.on_crash.has_value();
        case Field::disks:
            return p.disks.has_value();
        case Field::nics:
            return p.nics.has_value();
        case Field::cpu_weight:
            return p.cpu_weight.has_value();
        case Field::cap:
            return p.cap.has_value();
        case Field::cpus:
            return p.cpus.has_value();
        case Field::exec:
            return p.exec.has_value();
    }
    return false;
}

const char* kind_name(RawValue::Kind k) {
    switch (k) {
        case RawValue::Kind::string:
            return "string";
        case RawValue::Kind::integer:
            return "integer";
        case RawValue::Kind::fraction:
            return "number";
        case RawValue::Kind::boolean:
            return "boolean";
        case RawValue::Kind::null:
            return "null";
        case RawValue::Kind::object:
            return "object";
        case RawValue::Kind::array:
            return "array";
        case RawValue::Kind::list:
            return "list";
    }
    return "value";
}

std::optional<ConfigError> set_field(DomainConfigPatch& p, Field f, std::string_view shown,
                                     const RawValue& v, const ConfigLimits& limits) {
    std::optional<std::string> err;
    uint64_t n = 0;
    if (f == Field::memory) {
        err = check_integer(f, shown, v, limits.min_memory_mib, limits.max_memory_mib, " MiB", n);
        if (!err) p.memory = n;
    } else if (f == Field::vcpus) {
        err = check_integer(f, shown, v, 1, limits.max_vcpus, "", n);
        if (!err) p.vcpus = static_cast<uint32_t>(n);
    } else if (f == Field::cpu_weight) {
        err = check_integer(f, shown, v, kMinCpuWeight, kMaxCpuWeight, "", n);
        if (!err) p.cpu_weight = static_cast<uint32_t>(n);
    } else if (f == Field::cap) {
        err = check_integer(f, shown, v, 0, kMaxCap, "%", n);
        if (!err) p.cap = static_cast<uint32_t>(n);
    } else if (f == Field::disks) {
        // The parsers hand lists to set_disks: here only a value of the wrong kind arrives.
        err = std::string(shown) + " must be " +
              (v.kind == RawValue::Kind::list || v.kind == RawValue::Kind::string
                   ? "a [list] of disk specification strings"
                   : "an array of disk objects") +
              " (got " + kind_name(v.kind) + ")";
    } else if (f == Field::nics) {
        err = std::string(shown) + " must be " +
              (v.kind == RawValue::Kind::list || v.kind == RawValue::Kind::string
                   ? "a [list] of vif specification strings"
                   : "an array of NIC objects") +
              " (got " + kind_name(v.kind) + ")";
    } else if (f == Field::exec) {
        // The JSON parser hands objects to set_exec: here only null (no program) or a value of
        // the wrong kind arrives.
        if (v.kind == RawValue::Kind::null) {
            p.exec = ExecConfig{};
        } else {
            err = std::string(shown) +
                  " must be an object {\"program\": ..., \"args\": [...], \"with_busybox\": "
                  "..., \"overlay\": ...} or null (got " +
                  kind_name(v.kind) + ")";
        }
    } else {
        err = set_string_field(p, f, shown, v);
    }
    if (err) return field_error(f, std::move(*err));
    return std::nullopt;
}

std::optional<ConfigError> set_disks(DomainConfigPatch& p, std::string_view shown,
                                     std::vector<DiskConfig> disks) {
    if (auto e = check_disks(disks, shown)) return e;
    p.disks = std::move(disks);
    return std::nullopt;
}

std::optional<ConfigError> set_nics(DomainConfigPatch& p, std::string_view shown,
                                    std::vector<NicConfig> nics) {
    if (auto e = check_nics(nics, shown)) return e;
    p.nics = std::move(nics);
    return std::nullopt;
}

ConfigResult<DomainConfig> config_from_patch(const DomainConfigPatch& p,
                                             const ConfigLimits& limits) {
    if (!p.name) return {std::nullopt, field_error(Field::name, "name is required")};
    return apply_patch(DomainConfig{}, p, limits);
}

std::string quote(std::string_view s) {
    // At most kShown characters between the quotes, counted after escaping, so a value full
    // of escaped bytes is cut as short as a plain one.
    constexpr size_t kShown = 64;
    std::string out = "\"";
    size_t i = 0;
    for (; i < s.size(); ++i) {
        const auto c = static_cast<unsigned char>(s[i]);
        char piece[8];
        if (c == '"' || c == '\\') {
            piece[0] = '\\';
            piece[1] = static_cast<char>(c);
            piece[2] = '\0';
        } else if (c >= 0x20 && c < 0x7F) {
            piece[0] = static_cast<char>(c);
            piece[1] = '\0';
        } else {
            std::snprintf(piece, sizeof piece, "\\x%02x", c);
        }
        if (out.size() - 1 + std::strlen(piece) > kShown) break;
        out += piece;
    }
    out += '"';
    if (i < s.size()) out += "...";
    return out;
}

ConfigError syntax_error(std::string message, int line) {
    return ConfigError{"", std::move(message), line, ConfigErrorKind::syntax};
}

}  // namespace config_detail

std::optional<ConfigError> validate_config(const DomainConfig& c, const ConfigLimits& limits) {
    using namespace config_detail;
    auto integer = [](uint64_t n) {
        RawValue v;
        v.kind = RawValue::Kind::integer;
        v.text = std::to_string(n);
        v.magnitude = n;
        return v;
    };
    auto string = [](const std::string& s) {
        RawValue v;
        v.kind = RawValue::Kind::string;
        v.text = s;
        return v;
    };
    DomainConfigPatch scratch;
    if (c.name.empty()) return field_error(Field::name, "name is required");
    std::optional<ConfigError> err =
        set_field(scratch, Field::name, "name", string(c.name), limits);
    if (!err) err = set_field(scratch, Field::memory, "memory", integer(c.memory), limits);
    if (!err) err = set_field(scratch, Field::vcpus, "vcpus", integer(c.vcpus), limits);
    if (!err && !c.kernel.empty()) {
        err = set_field(scratch, Field::kernel, "kernel", string(c.kernel), limits);
    }
    if (!err && !c.ramdisk.empty()) {
        err = set_field(scratch, Field::ramdisk, "ramdisk", string(c.ramdisk), limits);
    }
    if (!err) err = set_field(scratch, Field::cmdline, "cmdline", string(c.cmdline), limits);
    if (!err)
        err = set_field(scratch, Field::cpu_weight, "cpu_weight", integer(c.cpu_weight), limits);
    if (!err) err = set_field(scratch, Field::cap, "cap", integer(c.cap), limits);
    if (!err && !c.cpus.empty())
        err = set_field(scratch, Field::cpus, "cpus", string(c.cpus), limits);
    if (!err) err = check_disks(c.disks, "disks");
    if (!err) err = check_nics(c.nics, "nics");
    if (!err && !c.exec.empty()) err = check_exec(c.exec, false);
    if (!err && c.exec.empty() && c.exec != ExecConfig{}) {
        err = field_error(Field::exec,
                          "exec has arguments, with_busybox or an overlay but no program");
    }
    if (!err && !c.exec.empty() && !c.ramdisk.empty()) {
        err = field_error(Field::exec,
                          "exec packs the domain's initramfs: it cannot be combined "
                          "with ramdisk " +
                              quote(c.ramdisk) + " (leave one out)");
    }
    return err;  // policies are enums: always valid
}

}  // namespace domus::control
