// The checks of an image creation request.
#include "control/image_request.hpp"

#include <boost/json/parse.hpp>

namespace domus::control {
namespace {

using config_detail::quote;

ConfigError invalid(std::string field, std::string message) {
    return ConfigError{std::move(field), std::move(message), 0, ConfigErrorKind::invalid_field};
}

std::string human(uint64_t bytes) {
    if (bytes % (1ull << 40) == 0) return std::to_string(bytes >> 40) + "T";
    if (bytes % (1ull << 30) == 0) return std::to_string(bytes >> 30) + "G";
    if (bytes % (1ull << 20) == 0) return std::to_string(bytes >> 20) + "M";
    return std::to_string(bytes);
}

}  // namespace

bool valid_image_name(std::string_view name) {
    if (name.empty() || name.size() > 255 || name.front() == '.') return false;
    for (char c : name) {
        const bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
                        (c >= '0' && c <= '9') || c == '_' || c == '.' || c == '-';
        if (!ok) return false;
    }
    return true;
}

ConfigResult<uint64_t> parse_image_size(std::string_view text) {
    const std::string shown = "size " + quote(text);
    auto bad = [&](std::string why) {
        return ConfigResult<uint64_t>{std::nullopt, invalid("size", shown + " " + why)};
    };
    size_t digits = 0;
    while (digits < text.size() && text[digits] >= '0' && text[digits] <= '9') ++digits;
    if (digits == 0) return bad("is not a size (a number with K, M, G or T, e.g. 64M)");
    std::string_view unit = text.substr(digits);
    if (unit.ends_with("iB"))
        unit.remove_suffix(2);
    else if (unit.size() == 2 && unit.back() == 'B')
        unit.remove_suffix(1);
    int shift = 0;
    if (unit.size() > 1) return bad("has an unknown unit (K, M, G or T: powers of 1024)");
    if (unit.size() == 1) {
        switch (unit[0]) {
            case 'K':
            case 'k':
                shift = 10;
                break;
            case 'M':
            case 'm':
                shift = 20;
                break;
            case 'G':
            case 'g':
                shift = 30;
                break;
            case 'T':
            case 't':
                shift = 40;
                break;
            default:
                return bad("has an unknown unit (K, M, G or T: powers of 1024)");
        }
    }
    if (digits > 1 && text[0] == '0') return bad("has a leading zero");
    uint64_t n = 0;
    for (size_t i = 0; i < digits; ++i) {
        const uint64_t d = static_cast<uint64_t>(text[i] - '0');
        if (n > (kMaxImageBytes - d) / 10)
            return bad("exceeds the limit of " + human(kMaxImageBytes));
        n = n * 10 + d;
    }
    if (shift > 0 && n > (kMaxImageBytes >> shift))
        return bad("exceeds the limit of " + human(kMaxImageBytes));
    n <<= shift;
    if (n > kMaxImageBytes) return bad("exceeds the limit of " + human(kMaxImageBytes));
    if (n < kMinImageBytes) return bad("is too small (at least " + human(kMinImageBytes) + ")");
    if (n % 1024 != 0) return bad("is not a multiple of 1024 bytes");
    return {n, {}};
}

ConfigResult<ImageRequest> parse_image_request_json(std::string_view text) {
    if (text.size() > kMaxConfigBytes) {
        return {std::nullopt,
                config_detail::syntax_error("the body is larger than " +
                                            std::to_string(kMaxConfigBytes) + " bytes")};
    }
    boost::system::error_code ec;
    boost::json::parse_options opt;
    opt.max_depth = 4;
    const boost::json::value doc = boost::json::parse(text, ec, {}, opt);
    if (ec) return {std::nullopt, config_detail::syntax_error("invalid JSON: " + ec.message())};
    if (!doc.is_object()) {
        return {std::nullopt, config_detail::syntax_error("the body must be a JSON object")};
    }
    ImageRequest r;
    bool have_name = false, have_size = false;
    for (const auto& [key, value] : doc.as_object()) {
        const std::string k(key);
        if (k == "name") {
            if (!value.is_string()) return {std::nullopt, invalid("name", "name must be a string")};
            r.name = std::string(value.as_string());
            if (!valid_image_name(r.name)) {
                return {std::nullopt,
                        invalid("name", "name " + quote(r.name) +
                                            " is not a plain file name (1 to 255 of A-Z a-z 0-9 "
                                            "_ . -, not starting with a dot)")};
            }
            have_name = true;
        } else if (k == "size") {
            std::string size_text;
            if (value.is_string()) {
                size_text = std::string(value.as_string());
            } else if (value.is_uint64() || (value.is_int64() && value.as_int64() >= 0)) {
                size_text = value.is_uint64() ? std::to_string(value.as_uint64())
                                              : std::to_string(value.as_int64());
            } else {
                return {std::nullopt,
                        invalid("size",
                                "size must be a string such as \"64M\" or a number of "
                                "bytes")};
            }
            auto size = parse_image_size(size_text);
            if (!size.ok()) return {std::nullopt, size.error};
            r.size = *size.value;
            have_size = true;
        } else if (k == "from_dir") {
            if (value.is_null()) continue;
            if (!value.is_string() || value.as_string().empty()) {
                return {std::nullopt,
                        invalid("from_dir", "from_dir must be a non-empty string or null")};
            }
            r.from_dir = std::string(value.as_string());
            if (auto e = config_detail::check_path_like("from_dir", r.from_dir, kMaxKernelPathBytes,
                                                        "")) {
                return {std::nullopt, invalid("from_dir", *e)};
            }
        } else {
            return {std::nullopt, ConfigError{k.substr(0, 64), "unknown field " + quote(k), 0,
                                              ConfigErrorKind::unknown_field}};
        }
    }
    if (!have_name) return {std::nullopt, invalid("name", "name is required")};
    if (!have_size) return {std::nullopt, invalid("size", "size is required")};
    return {std::move(r), {}};
}

}  // namespace domus::control
