// libFuzzer target: parse_config_json, parse_patch_json and parse_config_any on arbitrary text.
#include <cstddef>
#include <cstdint>
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
    return 0;
}
