// Where disk images, kernels and ramdisks may live: the daemon's image dirs, and the one check
// every image path of a domain passes before the daemon names it to a monitor. Disk images are
// touched with lstat/stat/realpath only: the daemon never opens or reads one (a FIFO, a device
// or a file on a hung mount would block it, and the monitor is the one that locks the image).
// A kernel or ramdisk the daemon does read (to check it before a domain is defined), but only
// once confined, as a regular file, opened non-blocking and without following a link, within
// a size limit.
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

// A kernel or ramdisk read by the daemon: its resolved path (what the monitor is given) and
// its bytes.
struct BootFile {
    std::string resolved;
    std::vector<uint8_t> bytes;
};

// `path` confined like a disk image (relative: in the first dir; every link resolved first),
// then lstat'ed (a regular file, not empty, at most `max_bytes`), opened with
// O_RDONLY|O_NONBLOCK|O_NOFOLLOW|O_CLOEXEC, checked again with fstat (the same regular file)
// and read. `what` names the file ("kernel", "ramdisk") and `limit_name` the limit in messages.
// Errors name the path as given and the reason, never the file's bytes.
Result<BootFile> read_boot_file(const std::vector<std::string>& dirs, const std::string& path,
                                const std::string& what, uint64_t max_bytes,
                                const std::string& limit_name);

// The same confinement without reading (at a start, before the monitor is given the path):
// the resolved path of a regular file inside the dirs.
Result<std::string> resolve_boot_file(const std::vector<std::string>& dirs, const std::string& path,
                                      const std::string& what);

}  // namespace domus::control
