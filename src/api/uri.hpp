// Request targets: an origin-form target ("/v1/domains/web1?tail=5") split into its decoded
// path segments and query parameters. Pure and total: any bytes in, a Target or an error out.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace domus::api {

struct Target {
    // "/v1/domains/web1" -> {"v1", "domains", "web1"}; "/" -> {""}. Empty segments are kept
    // (so "/v1//domains" matches no route). Each is %-decoded after splitting: %2F stays inside.
    std::vector<std::string> segments;
    // In order of appearance, %-decoded, '+' read as a space; "a" without '=' has value "".
    std::vector<std::pair<std::string, std::string>> query;
};

struct TargetResult {
    std::optional<Target> value;
    std::string error;  // why the target was rejected (for a 400 bad_request)
    bool ok() const { return value.has_value(); }
};

// Longest target accepted (the header limit bounds it anyway).
inline constexpr size_t kMaxTargetBytes = 8192;

TargetResult parse_target(std::string_view target);

// %XX-decodes `s` ('+' -> ' ' when plus_is_space); nullopt on a truncated or non-hex escape.
std::optional<std::string> percent_decode(std::string_view s, bool plus_is_space);

}  // namespace domus::api
