// The image dirs and the confinement of disk image paths (stat and realpath only).
#include "control/image_paths.hpp"

#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <optional>

#include "base/fd.hpp"

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
        // The dir itself is made 0700 by mkdir (never wider for a moment); missing parents
        // get the default mode.
        std::error_code ec;
        std::filesystem::create_directories(std::filesystem::path(d).parent_path(), ec);
        if (ec) return make_error(Errc::io, "cannot create image dir " + d + ": " + ec.message());
        if (::mkdir(d.c_str(), 0700) != 0 && errno != EEXIST) {
            return make_error(Errc::io,
                              "cannot create image dir " + d + ": " + std::strerror(errno));
        }
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

namespace {

Error boot_error(Errc code, const std::string& what, const std::string& path,
                 const std::string& reason) {
    return make_error(code, what + " '" + path + "' " + reason);
}

// A regular file, neither empty nor over the limit (the size check of lstat and of fstat).
std::optional<Error> boot_file_kind(const struct stat& st, const std::string& what,
                                    const std::string& path, uint64_t max_bytes,
                                    const std::string& limit_name) {
    if (!S_ISREG(st.st_mode)) {
        return boot_error(Errc::invalid_argument, what, path,
                          std::string("is ") + file_kind(st.st_mode) + ", not a regular file");
    }
    if (st.st_size == 0) return boot_error(Errc::invalid_argument, what, path, "is empty");
    if (static_cast<uint64_t>(st.st_size) > max_bytes) {
        return boot_error(Errc::invalid_argument, what, path,
                          "is " + std::to_string(st.st_size) + " bytes, larger than the limit of " +
                              std::to_string(max_bytes) + " bytes (" + limit_name + ")");
    }
    return std::nullopt;
}

}  // namespace

Result<std::string> resolve_boot_file(const std::vector<std::string>& dirs, const std::string& path,
                                      const std::string& what) {
    auto resolved = resolve_within(dirs, path, what);
    if (!resolved) return resolved;
    struct stat st {};
    if (::lstat(resolved->c_str(), &st) != 0) {
        return boot_error(Errc::io, what, path,
                          std::string("cannot be examined: ") + std::strerror(errno));
    }
    if (!S_ISREG(st.st_mode)) {
        return boot_error(Errc::invalid_argument, what, path,
                          std::string("is ") + file_kind(st.st_mode) + ", not a regular file");
    }
    return resolved;
}

Result<BootFile> read_boot_file(const std::vector<std::string>& dirs, const std::string& path,
                                const std::string& what, uint64_t max_bytes,
                                const std::string& limit_name) {
    auto resolved = resolve_within(dirs, path, what);
    if (!resolved) return resolved.error();
    // lstat first: a FIFO or device is refused without ever being opened.
    struct stat before {};
    if (::lstat(resolved->c_str(), &before) != 0) {
        return boot_error(Errc::io, what, path,
                          std::string("cannot be examined: ") + std::strerror(errno));
    }
    if (auto e = boot_file_kind(before, what, path, max_bytes, limit_name)) return *e;
    // Swapped for a link or a FIFO since: O_NOFOLLOW fails, O_NONBLOCK does not wait.
    Fd fd(::open(resolved->c_str(), O_RDONLY | O_NONBLOCK | O_NOFOLLOW | O_CLOEXEC));
    if (!fd.valid()) {
        return boot_error(Errc::io, what, path,
                          std::string("cannot be opened: ") + std::strerror(errno));
    }
    struct stat st {};
    if (::fstat(fd.get(), &st) != 0) {
        return boot_error(Errc::io, what, path,
                          std::string("cannot be examined: ") + std::strerror(errno));
    }
    if (auto e = boot_file_kind(st, what, path, max_bytes, limit_name)) return *e;
    if (st.st_dev != before.st_dev || st.st_ino != before.st_ino) {
        return boot_error(Errc::invalid_argument, what, path, "changed while it was checked");
    }
    BootFile out;
    out.resolved = std::move(*resolved);
    out.bytes.resize(static_cast<size_t>(st.st_size));
    size_t got = 0;
    while (got < out.bytes.size()) {
        const ssize_t n = ::read(fd.get(), out.bytes.data() + got, out.bytes.size() - got);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) {
            return boot_error(Errc::io, what, path,
                              std::string("cannot be read: ") + std::strerror(errno));
        }
        if (n == 0) break;  // shrank since fstat: what is there
        got += static_cast<size_t>(n);
    }
    out.bytes.resize(got);
    if (got == 0) return boot_error(Errc::invalid_argument, what, path, "is empty");
    return out;
}

}  // namespace domus::control
