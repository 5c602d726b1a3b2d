#include "api/socket_group.hpp"

#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstdint>
#include <cstring>
#include <fstream>
#include <sstream>

namespace domus::api {

namespace {

bool all_digits(std::string_view s) {
    return !s.empty() &&
           std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

}  // namespace

Status check_group_name(std::string_view name) {
    const auto bad = [&](const char* why) {
        return make_error(Errc::invalid_argument,
                          "socket-group \"" + std::string(name.substr(0, 64)) + "\" " + why);
    };
    if (name.empty()) return bad("is empty");
    if (all_digits(name)) {
        unsigned long id = 0;
        const auto [end, ec] = std::from_chars(name.data(), name.data() + name.size(), id);
        if (ec != std::errc{} || end != name.data() + name.size() || id >= 0xffffffffUL) {
            return bad("is not a valid group id");
        }
        return {};
    }
    if (name.size() > 32) return bad("is longer than 32 bytes");
    const char first = name.front();
    if (!((first >= 'a' && first <= 'z') || first == '_')) {
        return bad("must start with a lowercase letter or '_'");
    }
    for (char c : name) {
        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-')) {
            return bad("may hold only a-z, 0-9, '_' and '-'");
        }
    }
    return {};
}

Result<gid_t> find_group(std::string_view text, const std::string& name) {
    while (!text.empty()) {
        const size_t nl = text.find('\n');
        std::string_view line = text.substr(0, nl);
        text = nl == std::string_view::npos ? std::string_view{} : text.substr(nl + 1);
        const size_t c1 = line.find(':');
        if (c1 == std::string_view::npos || line.substr(0, c1) != name) continue;
        const size_t c2 = line.find(':', c1 + 1);
        if (c2 == std::string_view::npos) continue;
        const size_t c3 = line.find(':', c2 + 1);
        const std::string_view gid = line.substr(
            c2 + 1, c3 == std::string_view::npos ? std::string_view::npos : c3 - c2 - 1);
        uint32_t id = 0;
        const auto [end, ec] = std::from_chars(gid.data(), gid.data() + gid.size(), id);
        if (gid.empty() || ec != std::errc{} || end != gid.data() + gid.size() ||
            id == 0xffffffffu) {
            continue;
        }
        return static_cast<gid_t>(id);
    }
    return make_error(Errc::not_found, "socket-group \"" + name +
                                           "\" does not exist (addgroup --system " + name + ")");
}

Result<gid_t> lookup_group(const std::string& name, const std::string& group_file) {
    if (auto st = check_group_name(name); !st) return st.error();
    if (all_digits(name)) return static_cast<gid_t>(std::stoul(name));
    std::ifstream in(group_file);
    if (!in) {
        return make_error(Errc::io, "socket-group \"" + name + "\": cannot read " + group_file);
    }
    std::ostringstream text;
    text << in.rdbuf();
    return find_group(text.str(), name);
}

Status set_socket_group(const std::string& path, gid_t gid) {
    if (::chown(path.c_str(), static_cast<uid_t>(-1), gid) != 0) {
        return make_error(Errc::io, "cannot give " + path + " to group " + std::to_string(gid) +
                                        ": " + std::strerror(errno));
    }
    return {};
}

}  // namespace domus::api
