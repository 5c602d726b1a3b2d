#include "vmm/jail_user.hpp"

#include <charconv>
#include <optional>
#include <utility>

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

// "A<sep>B", each a uid/gid as parse_id takes it; nullopt if either is not.
std::optional<std::pair<uint32_t, uint32_t>> parse_id_pair(std::string_view text, char sep) {
    const size_t at = text.find(sep);
    if (at == std::string_view::npos) return std::nullopt;
    const auto a = parse_id(text.substr(0, at));
    const auto b = parse_id(text.substr(at + 1));
    if (!a || !b) return std::nullopt;
    return std::pair{*a, *b};
}

std::string quoted(std::string_view s) {
    return "'" + std::string(s.substr(0, 64)) + (s.size() > 64 ? "...'" : "'");
}

// Calls `each(fields, n)` for every line of a colon-separated database (/etc/passwd,
// /etc/group) with its first `N` fields; n < N when the line has fewer.
template <size_t N, typename F>
void for_each_entry(std::string_view db, F each) {
    while (!db.empty()) {
        const size_t nl = db.find('\n');
        std::string_view line = db.substr(0, nl);
        db = nl == std::string_view::npos ? std::string_view() : db.substr(nl + 1);
        std::string_view fields[N];
        size_t n = 0;
        while (n < N) {
            const size_t c = line.find(':');
            fields[n++] = line.substr(0, c);
            if (c == std::string_view::npos) {
                line = {};
                break;
            }
            line.remove_prefix(c + 1);
        }
        if (!each(fields, n)) return;
    }
}

}  // namespace

Result<JailUser> parse_jail_user(std::string_view text) {
    const auto ids = parse_id_pair(text, ':');
    if (!ids) {
        return make_error(
            Errc::invalid_argument,
            "user " + quoted(text) + ": expected UID:GID (decimal numbers below 4294967295)");
    }
    return JailUser{ids->first, ids->second};
}

std::string format_jail_user(const JailUser& user) {
    return std::to_string(user.uid) + ":" + std::to_string(user.gid);
}

Result<JailUser> resolve_jail_user(std::string_view spec, std::string_view passwd) {
    if (spec.find(':') != std::string_view::npos) return parse_jail_user(spec);
    if (spec.empty()) return make_error(Errc::invalid_argument, "vmm-user is empty");
    // name:password:uid:gid:gecos:home:shell, one per line.
    std::optional<Result<JailUser>> found;
    for_each_entry<4>(passwd, [&](const std::string_view* fields, size_t n) {
        if (n < 4 || fields[0] != spec) return true;
        const auto uid = parse_id(fields[2]);
        const auto gid = parse_id(fields[3]);
        if (!uid || !gid) {
            found = make_error(
                Errc::invalid_argument,
                "vmm-user " + quoted(spec) + ": its /etc/passwd entry has no valid uid/gid");
        } else {
            found = JailUser{*uid, *gid};
        }
        return false;
    });
    if (found) return *found;
    return make_error(Errc::not_found,
                      "vmm-user " + quoted(spec) + ": no such user in /etc/passwd");
}

Result<JailUidRange> parse_jail_uid_range(std::string_view text) {
    const auto ids = parse_id_pair(text, '-');
    if (!ids) {
        return make_error(Errc::invalid_argument,
                          "vmm-uid-range " + quoted(text) +
                              ": expected FIRST-LAST (decimal uids below 4294967295)");
    }
    const auto [first, last] = *ids;
    if (first == 0) {
        return make_error(Errc::invalid_argument,
                          "vmm-uid-range " + quoted(text) + ": it may not start at uid 0 (root)");
    }
    if (last < first) {
        return make_error(Errc::invalid_argument,
                          "vmm-uid-range " + quoted(text) + ": LAST is below FIRST");
    }
    return JailUidRange{first, last};
}

std::string format_jail_uid_range(const JailUidRange& range) {
    return std::to_string(range.first) + "-" + std::to_string(range.last);
}

Result<JailUser> jail_user_for_domain(const JailUidRange& range, int64_t id) {
    if (id < 0 || static_cast<uint64_t>(id) > uint64_t(range.last) - range.first) {
        return make_error(Errc::invalid_argument,
                          "domain id " + std::to_string(id) + " has no uid in vmm-uid-range " +
                              format_jail_uid_range(range) + " (it holds ids 0 to " +
                              std::to_string(range.last - range.first) + ")");
    }
    const uint32_t uid = range.first + static_cast<uint32_t>(id);
    return JailUser{uid, uid};
}

std::string account_in_range(const JailUidRange& range, std::string_view passwd,
                             std::string_view group) {
    auto inside = [&](std::string_view text) {
        const auto id = parse_id(text);
        return id && *id >= range.first && *id <= range.last;
    };
    auto named = [](const char* what, std::string_view name, const char* id_kind,
                    std::string_view id) {
        return std::string(what) + " " + quoted(name) + " (" + id_kind + " " + std::string(id) +
               ")";
    };
    std::string hit;
    for_each_entry<4>(passwd, [&](const std::string_view* f, size_t n) {
        if (n < 4) return true;
        if (inside(f[2])) {
            hit = named("user", f[0], "uid", f[2]);
        } else if (inside(f[3])) {
            hit = named("user", f[0], "gid", f[3]);
        }
        return hit.empty();
    });
    if (!hit.empty()) return hit;
    // name:password:gid:members
    for_each_entry<3>(group, [&](const std::string_view* f, size_t n) {
        if (n == 3 && inside(f[2])) hit = named("group", f[0], "gid", f[2]);
        return hit.empty();
    });
    return hit;
}

}  // namespace domus::vmm
