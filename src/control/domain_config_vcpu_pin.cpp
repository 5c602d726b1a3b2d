// The body of POST /v1/domains/{name}/vcpu-pin: {"vcpu": N | "all", "cpus": "xl cpus list"}.
#include <boost/json.hpp>

#include "control/cgroup_values.hpp"
#include "control/domain_config.hpp"

namespace domus::control {

ConfigResult<VcpuPinRequest> parse_vcpu_pin_json(std::string_view text) {
    using config_detail::quote;
    auto fail = [](std::string field, std::string message,
                   ConfigErrorKind kind = ConfigErrorKind::invalid_field) {
        return ConfigResult<VcpuPinRequest>{
            std::nullopt, ConfigError{std::move(field), std::move(message), 0, kind}};
    };
    if (text.size() > kMaxConfigBytes) {
        return fail("", "the body is larger than " + std::to_string(kMaxConfigBytes) + " bytes",
                    ConfigErrorKind::syntax);
    }
    boost::system::error_code ec;
    boost::json::parse_options opts;
    opts.max_depth = 4;
    const boost::json::value doc = boost::json::parse(text, ec, {}, opts);
    if (ec || !doc.is_object()) {
        return fail("",
                    "the body must be a JSON object {\"vcpu\": N or \"all\", \"cpus\": \"...\"}",
                    ConfigErrorKind::syntax);
    }
    VcpuPinRequest out;
    bool have_vcpu = false, have_cpus = false;
    for (const auto& [key, value] : doc.as_object()) {
        const std::string_view k(key.data(), key.size());
        if (k == "vcpu") {
            have_vcpu = true;
            if (value.is_string() && value.as_string() == "all") {
                out.vcpu = -1;
            } else if (value.is_int64() && value.as_int64() >= 0 && value.as_int64() < 64) {
                out.vcpu = static_cast<int>(value.as_int64());
            } else if (value.is_uint64() && value.as_uint64() < 64) {
                out.vcpu = static_cast<int>(value.as_uint64());
            } else {
                return fail("vcpu", "vcpu must be a vCPU number 0..63 or \"all\"");
            }
        } else if (k == "cpus") {
            have_cpus = true;
            if (!value.is_string()) return fail("cpus", "cpus must be a string such as \"0-1\"");
            const std::string_view s(value.as_string().data(), value.as_string().size());
            if (auto e = config_detail::check_path_like("cpus", s, 1024, ""))
                return fail("cpus", *e);
            if (auto parsed = parse_cpu_list(s, kMaxCpuIndex); !parsed) {
                return fail("cpus", parsed.error().message);
            }
            out.cpus = std::string(s);
        } else {
            return fail(std::string(k), "unknown field " + quote(k),
                        ConfigErrorKind::unknown_field);
        }
    }
    if (!have_vcpu) return fail("vcpu", "vcpu is required (a vCPU number or \"all\")");
    if (!have_cpus) return fail("cpus", "cpus is required");
    return {std::move(out), {}};
}

}  // namespace domus::control
