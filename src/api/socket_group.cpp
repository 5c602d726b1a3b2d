#include "api/socket_group.hpp"

#include <grp.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstring>
#include <vector>

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

Result<gid_t> lookup_group(const std::string& name) {
    if (auto st = check_group_name(name); !st) return st.error();
    if (all_digits(name)) return static_cast<gid_t>(std::stoul(name));
    std::vector<char> buf(16384);
    group gr{};
    group* found = nullptr;
    int rc = 0;
    while ((rc = ::getgrnam_r(name.c_str(), &gr, buf.data(), buf.size(), &found)) == ERANGE &&
           buf.size() < (1u << 20)) {
        buf.resize(buf.size() * 2);
    }
    if (rc != 0) {
        return make_error(Errc::io, "socket-group \"" + name +
                                        "\": cannot read the group database: " + std::strerror(rc));
    }
    if (found == nullptr) {
        return make_error(
            Errc::not_found,
            "socket-group \"" + name + "\" does not exist (addgroup --system " + name + ")");
    }
    return found->gr_gid;
}

Status set_socket_group(const std::string& path, gid_t gid) {
    if (::chown(path.c_str(), static_cast<uid_t>(-1), gid) != 0) {
        return make_error(Errc::io, "cannot give " + path + " to group " + std::to_string(gid) +
                                        ": " + std::strerror(errno));
    }
    return {};
}

}  // namespace domus::api
