// A domain's definition, with field names as in xl.cfg, and its parsers (JSON and xl.cfg).
// Everything here is pure: untrusted text in, a validated DomainConfig or a precise error out.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace domus::control {

enum class Policy { destroy, restart, preserve };
const char* to_string(Policy p);
std::optional<Policy> policy_from_string(std::string_view s);

// One virtio-blk disk of a domain: a raw image file in one of the daemon's image dirs.
// The guest sees the disks as vda, vdb, ... in the order of their vdev index (xvda, hda, sda and
// vda are index 0, xvdb 1, ...); a disk without a vdev takes the lowest index left unused.
struct DiskConfig {
    std::string path;  // absolute, or relative to the first image dir
    std::string vdev;  // "" when left out
    bool read_only = false;
    uint64_t bytes_per_sec = 0;  // 0: unlimited
    uint64_t ops_per_sec = 0;    // 0: unlimited
    bool operator==(const DiskConfig&) const = default;
};

// At most this many disks (vda..vdf): the monitor's limit, vmm::kMaxDisks (the controller,
// which sees both, asserts that they agree).
inline constexpr size_t kMaxDomainDisks = 6;

// One virtio-net interface of a domain: a TAP device on the host, attached to a bridge domusd
// manages. The guest sees them as eth0, eth1, ... in list order. `ip` and `mac` may be left
// empty in a definition: the daemon then allocates them (an address from its subnet, a MAC
// with Xen's 00:16:3e prefix) and keeps them with the domain.
struct NicConfig {
    std::string mac;      // "xx:xx:xx:xx:xx:xx" (lower case once stored), "" when left out
    std::string ip;       // dotted-quad IPv4, "" when left out
    std::string bridge;   // "" : the daemon's bridge
    std::string vifname;  // the host's TAP name; "": vif<domain id>.<index>
    uint64_t rx_bytes_per_sec = 0;  // towards the guest; 0: unlimited
    uint64_t tx_bytes_per_sec = 0;  // from the guest (xl's rate=); 0: unlimited
    bool operator==(const NicConfig&) const = default;
};

// At most this many NICs (eth0..eth3): the monitor's limit, vmm::kMaxNics (asserted by the
// controller).
inline constexpr size_t kMaxDomainNics = 4;

// A program the daemon has packed into an initramfs at every start and run as the guest's init
// (`domus run --exec` through the API): a static x86-64 executable, its arguments, optionally
// the host's busybox-static with its applet links and a directory's tree at /. The program and
// the overlay are paths confined to the image dirs like kernel and ramdisk; exec excludes a
// ramdisk (it makes the domain's).
struct ExecConfig {
    std::string program;            // absolute, or relative to the first image dir; "": no exec
    std::vector<std::string> args;  // argv[1..]
    bool with_busybox = false;      // also pack the host's /bin/busybox and its applet links
    std::string overlay;            // a directory in the image dirs, packed at /; "": none
    bool empty() const { return program.empty(); }
    bool operator==(const ExecConfig&) const = default;
};

// At most this many program arguments: the guest kernel's limit for init (boot's kExecMaxArgs,
// asserted by the controller).
inline constexpr size_t kMaxExecArgs = 64;

struct DomainConfig {
    std::string name;      // [A-Za-z0-9_.-]{1,64}, not "Domain-0"
    uint64_t memory = 64;  // MiB
    uint32_t vcpus = 1;
    std::string kernel;   // empty: the embedded Domus guest kernel
    std::string ramdisk;  // empty: none; else a newc cpio initramfs file, gzip'd or not
    std::string cmdline;  // < DOMUS_CMDLINE_MAX bytes
    Policy on_poweroff = Policy::destroy;
    Policy on_reboot = Policy::restart;
    Policy on_crash = Policy::destroy;
    std::vector<DiskConfig> disks;
    std::vector<NicConfig> nics;
    // Resource control (docs/api.md): xl's credit-scheduler weight (1..65535) and cap (percent
    // of one CPU, 0: none), and the CPUs the domain may run on (xl's cpus syntax, "": all).
    uint32_t cpu_weight = 256;
    uint32_t cap = 0;
    std::string cpus;
    ExecConfig exec;  // empty: boot the kernel with `ramdisk` (or none)
};

// What a ConfigError is about, for the API's error code: syntax -> invalid_json (the document
// itself: not JSON, not an object, xl.cfg syntax, over kMaxConfigBytes; field ""),
// unknown_field -> unknown_field (a field or xl.cfg key Domus does not take, named in `field`),
// invalid_field -> invalid_field (wrong type or value; also an empty PATCH, with field "").
enum class ConfigErrorKind { syntax, unknown_field, invalid_field };

// A precise, user-facing parse/validation error: which field (JSON name; empty when the
// document itself is malformed), and a message naming the bad value. Messages are printable
// ASCII (bytes outside it are shown as \xNN), at most a few hundred bytes.
struct ConfigError {
    std::string field;
    std::string message;
    int line = 0;  // xl.cfg line number (1-based), 0 when not applicable
    ConfigErrorKind kind = ConfigErrorKind::invalid_field;
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
    std::optional<std::string> ramdisk;
    std::optional<std::string> cmdline;
    std::optional<Policy> on_poweroff, on_reboot, on_crash;
    std::optional<std::vector<DiskConfig>> disks;  // replaces the list as a whole
    std::optional<std::vector<NicConfig>> nics;    // replaces the list as a whole
    std::optional<uint32_t> cpu_weight, cap;
    std::optional<std::string> cpus;                  // "": all
    std::optional<ExecConfig> exec;                   // replaces it as a whole; empty: none
    std::vector<std::string> present_fields() const;  // JSON names of the fields set, in order
};

// Host-independent limits the parsers enforce (the controller checks host capacity later).
struct ConfigLimits {
    uint64_t max_memory_mib = 32768;  // the guest ABI maps at most 32 GiB
    uint64_t min_memory_mib = 4;
    uint32_t max_vcpus = 64;  // DOMUS_MAX_VCPUS
};

// Inputs larger than this are rejected before parsing (the API's body limit).
inline constexpr size_t kMaxConfigBytes = 64 * 1024;
// A kernel or ramdisk path is shorter than this (PATH_MAX including the NUL).
inline constexpr size_t kMaxKernelPathBytes = 4096;

// [A-Za-z0-9_.-]{1,64} and neither "." nor ".." (they would be URL dot-segments). Syntax only:
// true for "Domain-0", which is_reserved_domain_name() reports.
bool valid_domain_name(std::string_view name);
bool is_reserved_domain_name(std::string_view name);  // "Domain-0" in any letter case

// Checks every field of a complete configuration (what the parsers and apply_patch end with).
std::optional<ConfigError> validate_config(const DomainConfig& config,
                                           const ConfigLimits& limits = {});

// JSON object with xl.cfg field names. Unknown fields, wrong types, out-of-range values -> error.
ConfigResult<DomainConfig> parse_config_json(std::string_view text,
                                             const ConfigLimits& limits = {});
ConfigResult<DomainConfigPatch> parse_patch_json(std::string_view text,
                                                 const ConfigLimits& limits = {});
// xl.cfg syntax: `key = value` lines, "strings" or 'strings', integers, [lists], # comments.
// Keys Domus does not support yet are rejected by name (e.g. "disk is not supported yet").
ConfigResult<DomainConfig> parse_config_xl(std::string_view text, const ConfigLimits& limits = {});
// Either format: JSON when the first non-space character is '{', else xl.cfg.
ConfigResult<DomainConfig> parse_config_any(std::string_view text, const ConfigLimits& limits = {});

// xl vcpu-pin over the API: which vCPU (-1: all) and the CPUs (xl's cpus syntax, checked).
struct VcpuPinRequest {
    int vcpu = -1;
    std::string cpus;
};
ConfigResult<VcpuPinRequest> parse_vcpu_pin_json(std::string_view text);

// Applies a patch (already validated field by field) and re-validates the whole result.
ConfigResult<DomainConfig> apply_patch(const DomainConfig& base, const DomainConfigPatch& patch,
                                       const ConfigLimits& limits = {});

// Serialises to the JSON object parse_config_json accepts (kernel or ramdisk "" -> null).
std::string config_to_json(const DomainConfig& config);
// The "disks" array alone (how the state store keeps it), and back (checked like the field).
std::string disks_to_json(const std::vector<DiskConfig>& disks);
ConfigResult<std::vector<DiskConfig>> parse_disks_json(std::string_view text);
// The "nics" array alone (how the state store keeps it), and back.
std::string nics_to_json(const std::vector<NicConfig>& nics);
ConfigResult<std::vector<NicConfig>> parse_nics_json(std::string_view text);
// The "exec" object alone, or null (how the state store keeps it), and back.
std::string exec_to_json(const ExecConfig& exec);
ConfigResult<ExecConfig> parse_exec_json(std::string_view text);

// Building blocks the JSON and xl.cfg parsers share (domain_config_fields.cpp).
namespace config_detail {

enum class Field {
    name,
    memory,
    vcpus,
    kernel,
    ramdisk,
    cmdline,
    on_poweroff,
    on_reboot,
    on_crash,
    disks,
    nics,
    cpu_weight,
    cap,
    cpus,
    exec
};
inline constexpr int kFieldCount = 15;
const char* field_name(Field f);  // the JSON name
std::optional<Field> field_from_name(std::string_view json_name);
bool patch_has(const DomainConfigPatch& patch, Field f);

// A value as a parser saw it, before it is checked against its field.
struct RawValue {
    enum class Kind { string, integer, fraction, boolean, null, object, array, list };
    Kind kind = Kind::null;
    std::string text;                   // string: its contents; number: as written
    bool negative = false;              // integer: below zero
    std::optional<uint64_t> magnitude;  // integer: |value|, nullopt when over 64 bits
    bool truth = false;                 // boolean: its value
};
const char* kind_name(RawValue::Kind k);  // "string", "integer", ... (for "got ...")

// Checks `value` for field `f` and stores it in `patch`; `shown` is the name the user wrote
// (an xl.cfg alias such as "extra"), used in the message.
std::optional<ConfigError> set_field(DomainConfigPatch& patch, Field f, std::string_view shown,
                                     const RawValue& value, const ConfigLimits& limits);
// Checks a whole disk list (domain_config_disks.hpp) and stores it in `patch`; `shown` is the
// list's name in messages ("disks" in JSON, "disk" in xl.cfg).
std::optional<ConfigError> set_disks(DomainConfigPatch& patch, std::string_view shown,
                                     std::vector<DiskConfig> disks);
// The same for a NIC list (domain_config_nics.hpp): "nics" in JSON, "vif" in xl.cfg.
std::optional<ConfigError> set_nics(DomainConfigPatch& patch, std::string_view shown,
                                    std::vector<NicConfig> nics);
// Checks a program to pack (domain_config_exec.cpp) and stores it in `patch`; `xl` chooses the
// names in messages (xl.cfg's exec, exec_args, exec_overlay; else JSON's exec.program, ...).
std::optional<ConfigError> set_exec(DomainConfigPatch& patch, ExecConfig exec, bool xl);
std::optional<ConfigError> check_exec(const ExecConfig& exec, bool xl);
// Defaults overlaid with the patch, then validate_config; "name is required" without a name.
ConfigResult<DomainConfig> config_from_patch(const DomainConfigPatch& patch,
                                             const ConfigLimits& limits);

// xl.cfg (domain_config_xl_keys.cpp): the field a key sets ("extra" is cmdline), whether Xen
// defines a key Domus does not support yet, and an unsigned decimal (no leading zeros) or 0x
// hex literal: false when malformed, `out` nullopt when it does not fit 64 bits.
std::optional<Field> xl_key_field(std::string_view key);
bool xl_key_unsupported(std::string_view key);
bool parse_xl_unsigned(std::string_view s, std::optional<uint64_t>& out);

// The checks of a string-valued field once it is known to be a string: shorter than `limit`,
// no NUL, valid UTF-8. The message starts with `shown` and `what` ("path", or "").
std::optional<std::string> check_path_like(std::string_view shown, std::string_view s, size_t limit,
                                           const char* what);

// `s` in double quotes for a message: printable ASCII as is, \" \\ and \xNN otherwise,
// cut to 64 bytes of input with "..." appended.
std::string quote(std::string_view s);
ConfigError syntax_error(std::string message, int line = 0);

}  // namespace config_detail

}  // namespace domus::control
