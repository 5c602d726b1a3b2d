// Properties every configuration parser result must have, shared by fuzz_config_json and
// fuzz_config_xl: accepted configs validate and survive config_to_json -> parse_config_json
// unchanged; rejections carry a short, printable, well-classified error.
#include <string>

#include "control/domain_config.hpp"

namespace domus::control::fuzz {

namespace {

void check(bool ok) {
    if (!ok) __builtin_trap();
}

bool printable_ascii(const std::string& s) {
    for (char c : s) {
        if (c < 0x20 || c >= 0x7F) return false;
    }
    return true;
}

bool same(const DomainConfig& a, const DomainConfig& b) {
    return a.name == b.name && a.memory == b.memory && a.vcpus == b.vcpus && a.kernel == b.kernel &&
           a.ramdisk == b.ramdisk && a.cmdline == b.cmdline && a.on_poweroff == b.on_poweroff &&
           a.on_reboot == b.on_reboot && a.on_crash == b.on_crash && a.disks == b.disks &&
           a.nics == b.nics && a.cpu_weight == b.cpu_weight && a.cap == b.cap && a.cpus == b.cpus &&
           a.exec == b.exec;
}

}  // namespace

void check_error(const ConfigError& e) {
    check(!e.message.empty() && e.message.size() < 512 && printable_ascii(e.message));
    check(e.field.size() <= 70 && printable_ascii(e.field));
    check(e.line >= 0);
    if (e.kind == ConfigErrorKind::syntax) check(e.field.empty());
    if (e.kind == ConfigErrorKind::unknown_field) check(!config_detail::field_from_name(e.field));
    if (e.line > 0) check(e.message.rfind("line " + std::to_string(e.line) + ": ", 0) == 0);
}

void check_config(const ConfigResult<DomainConfig>& r) {
    if (!r.ok()) return check_error(r.error);
    const DomainConfig& c = *r.value;
    check(!validate_config(c).has_value());
    const std::string json = config_to_json(c);
    const auto back = parse_config_json(json);
    check(back.ok() && same(c, *back.value));
    check(config_to_json(*back.value) == json);
    const auto any = parse_config_any(json);
    check(any.ok() && same(c, *any.value));
}

void check_patch(const ConfigResult<DomainConfigPatch>& r) {
    if (!r.ok()) return check_error(r.error);
    check(!r.value->present_fields().empty());
    DomainConfig base;
    base.name = "fuzz";
    const auto applied = apply_patch(base, *r.value);
    if (!applied.ok()) {
        check_error(applied.error);
        check(applied.error.kind == ConfigErrorKind::invalid_field);
        return;
    }
    check_config(applied);
}

}  // namespace domus::control::fuzz
