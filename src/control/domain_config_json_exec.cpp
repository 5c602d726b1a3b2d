// The fields of the JSON "exec" object and the members of its "args" array, checked one by one.
#include "control/domain_config_json_exec.hpp"

#include <iterator>

#include "control/domain_config_json_disks.hpp"

namespace domus::control::config_detail {
namespace {

using Kind = RawValue::Kind;

constexpr std::string_view kKeys[] = {"program", "args", "with_busybox", "overlay"};

ConfigError invalid(std::string field, std::string message) {
    return ConfigError{std::move(field), std::move(message), 0, ConfigErrorKind::invalid_field};
}

}  // namespace

void JsonExec::begin() {
    seen_.reset();
    in_args_ = false;
    args_seen_ = 0;
    exec_ = ExecConfig{};
}

std::optional<ConfigError> JsonExec::field(std::string_view key, const RawValue& v) {
    size_t k = 0;
    while (k < std::size(kKeys) && kKeys[k] != key) ++k;
    std::string name = "exec." + shown_key(key);
    if (name.size() > 70) name = name.substr(0, 67) + "...";  // a field name stays short
    if (k == std::size(kKeys)) {
        return ConfigError{
            name, "unknown field " + quote(key) + " in exec (program, args, with_busybox, overlay)",
            0, ConfigErrorKind::unknown_field};
    }
    if (seen_.test(k)) return invalid(name, "field " + quote(key) + " appears twice in exec");
    seen_.set(k);
    const std::string got = std::string("(got ") + kind_name(v.kind) + ")";
    switch (k) {
        case 0:
            if (v.kind != Kind::string) return invalid(name, name + " must be a string " + got);
            if (v.text.empty()) {
                return invalid(name, name + " \"\" is empty: it names the static program to run");
            }
            exec_.program = v.text;
            return std::nullopt;
        case 1:
            if (v.kind != Kind::array) {
                return invalid(name, name + " must be an array of strings " + got);
            }
            in_args_ = true;
            return std::nullopt;
        case 2:
            if (v.kind != Kind::boolean)
                return invalid(name, name + " must be true or false " + got);
            exec_.with_busybox = v.truth;
            return std::nullopt;
        default:
            if (v.kind == Kind::null) return std::nullopt;
            if (v.kind != Kind::string) {
                return invalid(name, name + " must be a string or null " + got);
            }
            if (v.text.empty()) {
                return invalid(name, name + " \"\" is empty (leave it out, or null, for none)");
            }
            exec_.overlay = v.text;
            return std::nullopt;
    }
}

std::optional<ConfigError> JsonExec::arg(const RawValue& v) {
    if (!in_args_) return std::nullopt;
    const size_t i = args_seen_++;
    if (i >= kMaxExecArgs) {
        if (i > kMaxExecArgs) return std::nullopt;  // reported once
        return invalid("exec.args", "exec.args has more than " + std::to_string(kMaxExecArgs) +
                                        " entries: a program takes at most " +
                                        std::to_string(kMaxExecArgs) + " arguments");
    }
    const std::string name = "exec.args[" + std::to_string(i) + "]";
    if (v.kind != Kind::string) {
        return invalid(name,
                       name + " must be a string (got " + std::string(kind_name(v.kind)) + ")");
    }
    exec_.args.push_back(v.text);
    return std::nullopt;
}

std::optional<ConfigError> JsonExec::end(DomainConfigPatch& patch) {
    if (!seen_.test(0)) {
        return invalid("exec.program",
                       "exec.program is required (exec names the static program to run; "
                       "\"exec\": null for none)");
    }
    return set_exec(patch, std::move(exec_), false);
}

}  // namespace domus::control::config_detail
