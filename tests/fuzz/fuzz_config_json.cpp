// libFuzzer target: parse_config_json, parse_patch_json and parse_config_any on arbitrary text,
// and, to reach the field checks more often than random text does, the input's tail as the
// value of the field its first byte picks in an otherwise valid object.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "control/domain_config.hpp"

namespace domus::control::fuzz {
void check_config(const ConfigResult<DomainConfig>& r);  // fuzz_config_check.cpp
void check_patch(const ConfigResult<DomainConfigPatch>& r);
}  // namespace domus::control::fuzz

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    using namespace domus::control;
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    fuzz::check_config(parse_config_json(text));
    fuzz::check_patch(parse_patch_json(text));
    fuzz::check_config(parse_config_any(text));
    if (size > 0) {
        const auto f = static_cast<config_detail::Field>(data[0] % config_detail::kFieldCount);
        const std::string name = f == config_detail::Field::name ? "" : "\"name\":\"fz\",";
        const std::string wrapped = "{" + name + "\"" + config_detail::field_name(f) +
                                    "\":" + std::string(text.substr(1)) + "}";
        fuzz::check_config(parse_config_json(wrapped));
        fuzz::check_patch(parse_patch_json(wrapped));
    }
    return 0;
}
