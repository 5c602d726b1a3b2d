#include "vmm/jail_user.hpp"

#include <charconv>
#include <optional>

namespace domus::vmm {

namespace {

std::optional<uint32_t> parse_id(std::string_view s) {
    if (s.empty() || s.size() > 10) return std::nullopt;
    for (char c : s) {
        if (c < '0' || c > '9') return std::nullopt;
    }
    uint32_t v = 0;
    auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (ec != std::errc() || p != s.data() + s.size() || v == UINT32_MAX) return std::nullopt;
    return v;
}

std::string quoted(std::string_view s) {
    return "'" + std::string(s.substr(0, 64)) + (s.size() > 64 ? "...'" : "'");
}

}  // namespace

Result<JailUser> parse_jail_user(std::string_view text) {
    const size_t colon = text.find(':');
    const auto uid =
        colon == std::string_view::npos ? std::nullopt : parse_id(text.substr(0, colon));
    const auto gid =
        colon == std::string_view::npos ? std::nullopt : parse_id(text.substr(colon + 1));
    if (!uid || !gid) {
        return make_error(
            Errc::invalid_argument,
            "user " + quoted(text) + ": expected UID:GID (decimal numbers below 4294967295)");
    }
    return JailUser{*uid, *gid};
}

std::string format_jail_user(const JailUser& user) {
    return std::to_string(user.uid) + ":" + std::to_string(user.gid);
}

Result<JailUser> resolve_jail_user(std::string_view spec, std::string_view passwd) {
    if (spec.find(':') != std::string_view::npos) return parse_jail_user(spec);
    if (spec.empty()) return make_error(Errc::invalid_argument, "vmm-user is empty");
    // name:password:uid:gid:gecos:home:shell, one per line.
    while (!passwd.empty()) {
        const size_t nl = passwd.find('\n');
        std::string_view line = passwd.substr(0, nl);
        passwd = nl == std::string_view::npos ? std::string_view() : passwd.substr(nl + 1);
        std::string_view fields[4];
        size_t n = 0;
        while (n < 4) {
            const size_t c = line.find(':');
            fields[n++] = line.substr(0, c);
            if (c == std::string_view::npos) {
                line = {};
                break;
            }
            line.remove_prefix(c + 1);
        }
        if (n < 4 || fields[0] != spec) continue;
        const auto uid = parse_id(fields[2]);
        const auto gid = parse_id(fields[3]);
        if (!uid || !gid) {
            return make_error(
                Errc::invalid_argument,
                "vmm-user " + quoted(spec) + ": its /etc/passwd entry has no valid uid/gid");
        }
        return JailUser{*uid, *gid};
    }
    return make_error(Errc::not_found,
                      "vmm-user " + quoted(spec) + ": no such user in /etc/passwd");
}

}  // namespace domus::vmm
