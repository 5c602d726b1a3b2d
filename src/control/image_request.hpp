// `domus disk-create` / POST /v1/images: the request, checked before anything is touched. Pure.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "control/domain_config.hpp"

namespace domus::control {

// An ext2 image is at least 1 MiB (room for mke2fs's metadata) and at most 2 TiB.
inline constexpr uint64_t kMinImageBytes = 1ull << 20;
inline constexpr uint64_t kMaxImageBytes = 2ull << 40;

struct ImageRequest {
    std::string name;      // a plain file name in the first image dir
    uint64_t size = 0;     // bytes, a multiple of 1024
    std::string from_dir;  // "" for an empty file system; else a dir inside the image dirs
};

// [A-Za-z0-9_.-]{1,255}, neither "." nor "..", not starting with '.' (hidden: the daemon's
// temporary files are dot files).
bool valid_image_name(std::string_view name);

// "64M", "1G", "4096", "512K": a decimal number of bytes, or of KiB/MiB/GiB/TiB with K, M, G, T
// (powers of 1024; lower case too, an optional trailing "iB" or "B"). The error names the text.
ConfigResult<uint64_t> parse_image_size(std::string_view text);

// {"name": "...", "size": "64M" or a number of bytes, "from_dir": "..." or null}; unknown
// fields and wrong types refused by name.
ConfigResult<ImageRequest> parse_image_request_json(std::string_view text);

}  // namespace domus::control
