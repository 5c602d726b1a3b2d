// Splitting and %-decoding request targets.
#include "api/uri.hpp"

#include "control/domain_config.hpp"

namespace domus::api {
namespace {

int hex_value(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

// Splits `s` on `sep`, keeping empty pieces.
std::vector<std::string_view> split(std::string_view s, char sep) {
    std::vector<std::string_view> out;
    size_t start = 0;
    while (true) {
        const size_t end = s.find(sep, start);
        if (end == std::string_view::npos) {
            out.push_back(s.substr(start));
            return out;
        }
        out.push_back(s.substr(start, end - start));
        start = end + 1;
    }
}

}  // namespace

std::optional<std::string> percent_decode(std::string_view s, bool plus_is_space) {
    std::string out;
    out.reserve(s.size());
    for (size_t i = 0; i < s.size(); ++i) {
        const char c = s[i];
        if (c == '%') {
            if (s.size() - i < 3) return std::nullopt;
            const int hi = hex_value(s[i + 1]), lo = hex_value(s[i + 2]);
            if (hi < 0 || lo < 0) return std::nullopt;
            out += static_cast<char>(hi * 16 + lo);
            i += 2;
        } else if (c == '+' && plus_is_space) {
            out += ' ';
        } else {
            out += c;
        }
    }
    return out;
}

TargetResult parse_target(std::string_view target) {
    using control::config_detail::quote;
    if (target.size() > kMaxTargetBytes) {
        return {std::nullopt, "request target of " + std::to_string(target.size()) +
                                  " bytes is too long (at most " + std::to_string(kMaxTargetBytes) +
                                  ")"};
    }
    if (target.empty() || target[0] != '/') {
        return {std::nullopt, "request target " + quote(target) + " is not a path"};
    }
    const size_t qpos = target.find('?');
    const std::string_view path =
        target.substr(1, qpos == std::string_view::npos ? qpos : qpos - 1);
    Target out;
    for (std::string_view raw : split(path, '/')) {
        auto seg = percent_decode(raw, false);
        if (!seg) return {std::nullopt, "path segment " + quote(raw) + " has a bad %-escape"};
        out.segments.push_back(std::move(*seg));
    }
    if (qpos == std::string_view::npos) return {std::move(out), {}};
    for (std::string_view piece : split(target.substr(qpos + 1), '&')) {
        if (piece.empty()) continue;
        const size_t eq = piece.find('=');
        const std::string_view raw_key = piece.substr(0, eq);
        const std::string_view raw_value =
            eq == std::string_view::npos ? std::string_view{} : piece.substr(eq + 1);
        auto key = percent_decode(raw_key, true);
        auto value = percent_decode(raw_value, true);
        if (!key || !value) {
            return {std::nullopt, "query parameter " + quote(piece) + " has a bad %-escape"};
        }
        out.query.emplace_back(std::move(*key), std::move(*value));
    }
    return {std::move(out), {}};
}

}  // namespace domus::api
