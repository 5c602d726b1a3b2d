// gzip decompression (RFC 1952, through zlib) with a cap on the output, for compressed
// initramfs images. Pure: reads nothing but its input; hostile input (truncated, corrupt,
// trailing garbage, a "gzip bomb") is an Errc::bad_image error naming the problem, never an
// abort, and never more than `max_bytes` + 1 bytes of output are produced.
#pragma once

#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

#include "base/result.hpp"

namespace domus {

// True when `bytes` starts with the gzip magic 1f 8b.
bool looks_like_gzip(std::span<const uint8_t> bytes);

// Decompresses every concatenated gzip member of `in` (as gzip -d does); zero bytes after the
// last member are ignored, anything else after it is an error. Output larger than `max_bytes`
// is refused with a message naming the limit as "<max_bytes> bytes (<limit_name>)".
Result<std::vector<uint8_t>> gunzip(std::span<const uint8_t> in, uint64_t max_bytes,
                                    std::string_view limit_name = "the limit");

}  // namespace domus
