// Where disk images may live: the daemon's image dirs, and the one check every image path of
// a domain passes before the daemon names it to a monitor. This touches the file system with
// lstat/stat/realpath only: the daemon never opens or reads a disk image (a FIFO, a device or
// a file on a hung mount would block it, and the monitor is the one that locks the image).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.hpp"

namespace domus::control {

inline constexpr uint64_t kMinDiskImageBytes = 512;  // one sector

// Creates each dir that is missing (mode 0700, parents too) and returns their resolved
// (realpath) forms in the same order; an error names the dir that is not a usable directory.
Result<std::vector<std::string>> prepare_image_dirs(const std::vector<std::string>& dirs);

// Lexical: `path` is `dir` itself or below it (both absolute and normalised).
bool path_within(std::string_view dir, std::string_view path);

// `path` (relative paths are relative to the first dir), with every symbolic link resolved, must
// be a regular file of at least kMinDiskImageBytes inside one of the resolved `dirs`. Returns
// the resolved path; the error message names the path as given and the reason.
Result<std::string> resolve_disk_image(const std::vector<std::string>& dirs,
                                       const std::string& path);

// The same confinement for a directory (disk-create's from_dir): an existing directory inside
// one of the dirs after every symbolic link is resolved.
Result<std::string> resolve_image_subdir(const std::vector<std::string>& dirs,
                                         const std::string& path);

}  // namespace domus::control
