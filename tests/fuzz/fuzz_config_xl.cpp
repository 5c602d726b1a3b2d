// libFuzzer target: parse_config_xl on arbitrary text; accepted files must round-trip via JSON.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "control/domain_config.hpp"

namespace domus::control::fuzz {
void check_config(const ConfigResult<DomainConfig>& r);  // fuzz_config_check.cpp
}  // namespace domus::control::fuzz

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    using namespace domus::control;
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    fuzz::check_config(parse_config_xl(text));
    return 0;
}
