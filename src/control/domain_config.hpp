// A domain's definition, with field names as in xl.cfg, and its parsers (JSON and xl.cfg).
// Everything here is pure: untrusted text in, a validated DomainConfig or a precise error out.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace domus::control {

enum class Policy { destroy, restart, preserve };
const char* to_string(Policy p);
std::optional<Policy> policy_from_string(std::string_view s);

struct DomainConfig {
    std::string name;             // [A-Za-z0-9_.-]{1,64}, not "Domain-0"
    uint64_t memory = 64;         // MiB
    uint32_t vcpus = 1;
    std::string kernel;           // empty: the embedded Domus guest kernel
    std::string cmdline;          // < DOMUS_CMDLINE_MAX bytes
    Policy on_poweroff = Policy::destroy;
    Policy on_reboot = Policy::restart;
    Policy on_crash = Policy::destroy;
};

// A precise, user-facing parse/validation error: which field (JSON name; empty when the
// document itself is malformed), and a message naming the bad value.
struct ConfigError {
    std::string field;
    std::string message;
    int line = 0;  // xl.cfg line number (1-based), 0 when not applicable
};

template <typename T>
struct ConfigResult {
    std::optional<T> value;
    ConfigError error;
    bool ok() const { return value.has_value(); }
};

// A partial update (PATCH): only the fields present are set.
struct DomainConfigPatch {
    std::optional<std::string> name;
    std::optional<uint64_t> memory;
    std::optional<uint32_t> vcpus;
    std::optional<std::string> kernel;
    std::optional<std::string> cmdline;
    std::optional<Policy> on_poweroff, on_reboot, on_crash;
    std::vector<std::string> present_fields() const;  // JSON names of the fields set, in order
};

// Host-independent limits the parsers enforce (the controller checks host capacity later).
struct ConfigLimits {
    uint64_t max_memory_mib = 32768;  // the guest ABI maps at most 32 GiB
    uint64_t min_memory_mib = 4;
    uint32_t max_vcpus = 64;          // DOMUS_MAX_VCPUS
};

bool valid_domain_name(std::string_view name);

// JSON object with xl.cfg field names. Unknown fields, wrong types, out-of-range values -> error.
ConfigResult<DomainConfig> parse_config_json(std::string_view text, const ConfigLimits& limits = {});
ConfigResult<DomainConfigPatch> parse_patch_json(std::string_view text,
                                                 const ConfigLimits& limits = {});
// xl.cfg syntax: `key = value` lines, "strings" or 'strings', integers, [lists], # comments.
// Keys Domus does not support yet are rejected by name (e.g. "disk is not supported yet").
ConfigResult<DomainConfig> parse_config_xl(std::string_view text, const ConfigLimits& limits = {});
// Either format: JSON when the first non-space character is '{', else xl.cfg.
ConfigResult<DomainConfig> parse_config_any(std::string_view text, const ConfigLimits& limits = {});

// Applies a patch (already validated field by field) and re-validates the whole result.
ConfigResult<DomainConfig> apply_patch(const DomainConfig& base, const DomainConfigPatch& patch,
                                       const ConfigLimits& limits = {});

// Serialises to the JSON object parse_config_json accepts (kernel "" -> null).
std::string config_to_json(const DomainConfig& config);

}  // namespace domus::control
