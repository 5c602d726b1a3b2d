// The image dirs and the confinement of disk image paths (stat and realpath only).
#include "control/image_paths.hpp"

#include <limits.h>
#include <stdlib.h>
#include <sys/stat.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

namespace domus::control {
namespace {

const char* file_kind(mode_t mode) {
    if (S_ISDIR(mode)) return "a directory";
    if (S_ISFIFO(mode)) return "a FIFO";
    if (S_ISCHR(mode)) return "a character device";
    if (S_ISBLK(mode)) return "a block device";
    if (S_ISSOCK(mode)) return "a socket";
    if (S_ISLNK(mode)) return "a symbolic link";
    return "not a regular file";
}

std::string dir_list(const std::vector<std::string>& dirs) {
    std::string out;
    for (const auto& d : dirs) out += (out.empty() ? "" : ", ") + d;
    return out;
}

// realpath, then confinement: the resolved form of `path` or an error naming `what`.
Result<std::string> resolve_within(const std::vector<std::string>& dirs, const std::string& path,
                                   const std::string& what) {
    if (dirs.empty()) return make_error(Errc::invalid_argument, "no image dirs are configured");
    const std::string full = !path.empty() && path[0] == '/' ? path : dirs.front() + "/" + path;
    char buf[PATH_MAX];
    if (::realpath(full.c_str(), buf) == nullptr) {
        const int err = errno;
        if (err == ENOENT) {
            return make_error(Errc::not_found, what + " '" + path + "' does not exist" +
                                                   (full != path ? " (" + full + ")" : ""));
        }
        return make_error(Errc::io, what + " '" + path + "': " + std::strerror(err));
    }
    const std::string resolved = buf;
    for (const auto& d : dirs) {
        if (path_within(d, resolved) && resolved != d) return resolved;
    }
    std::string how = "is outside the image dirs (" + dir_list(dirs) + ")";
    if (resolved != full) how = "resolves to " + resolved + ", which " + how;
    return make_error(Errc::invalid_argument, what + " '" + path + "' " + how);
}

}  // namespace

bool path_within(std::string_view dir, std::string_view path) {
    if (dir.empty() || path.size() < dir.size() || path.substr(0, dir.size()) != dir) return false;
    if (path.size() == dir.size() || dir == "/") return true;
    return path[dir.size()] == '/';
}

Result<std::vector<std::string>> prepare_image_dirs(const std::vector<std::string>& dirs) {
    std::vector<std::string> out;
    for (const auto& d : dirs) {
        if (d.empty() || d[0] != '/') {
            return make_error(Errc::invalid_argument,
                              "image dir '" + d + "' is not an absolute path");
        }
        std::error_code ec;
        std::filesystem::create_directories(d, ec);
        if (ec) return make_error(Errc::io, "cannot create image dir " + d + ": " + ec.message());
        char buf[PATH_MAX];
        struct stat st {};
        if (::realpath(d.c_str(), buf) == nullptr || ::stat(buf, &st) != 0) {
            return make_error(Errc::io, "image dir " + d + ": " + std::strerror(errno));
        }
        if (!S_ISDIR(st.st_mode)) {
            return make_error(Errc::invalid_argument, "image dir " + d + " is not a directory");
        }
        if (std::string(buf) == "/") {
            return make_error(Errc::invalid_argument, "image dir " + d + " is the root directory");
        }
        out.emplace_back(buf);
    }
    return out;
}

Result<std::string> resolve_disk_image(const std::vector<std::string>& dirs,
                                       const std::string& path) {
    auto resolved = resolve_within(dirs, path, "disk image");
    if (!resolved) return resolved;
    struct stat st {};
    if (::stat(resolved->c_str(), &st) != 0) {
        return make_error(Errc::io, "disk image '" + path + "': " + std::strerror(errno));
    }
    if (!S_ISREG(st.st_mode)) {
        return make_error(
            Errc::invalid_argument,
            "disk image '" + path + "' is " + file_kind(st.st_mode) + ", not a regular file");
    }
    if (static_cast<uint64_t>(st.st_size) < kMinDiskImageBytes) {
        return make_error(Errc::invalid_argument,
                          "disk image '" + path + "' is " + std::to_string(st.st_size) +
                              " bytes, smaller than one sector (" +
                              std::to_string(kMinDiskImageBytes) + " bytes)");
    }
    if (resolved->find(',') != std::string::npos) {
        return make_error(Errc::invalid_argument, "disk image '" + path + "' resolves to " +
                                                      *resolved +
                                                      ", which contains a comma (not supported)");
    }
    return resolved;
}

Result<std::string> resolve_image_subdir(const std::vector<std::string>& dirs,
                                         const std::string& path) {
    auto resolved = resolve_within(dirs, path, "directory");
    if (!resolved) return resolved;
    struct stat st {};
    if (::stat(resolved->c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) {
        return make_error(Errc::invalid_argument, "'" + path + "' is not a directory");
    }
    return resolved;
}

}  // namespace domus::control
