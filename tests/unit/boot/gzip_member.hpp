// One gzip member of `data` (zlib's deflate with the gzip wrapper), for the initramfs tests and
// the fuzz seeds. zlib failing to compress a string in memory is a broken host: it aborts, so
// the test (or seed generator) fails loudly instead of carrying on with no archive.
#pragma once

#include <zlib.h>

#include <cstdio>
#include <cstdlib>
#include <string>

namespace domus::test {

inline std::string gzip(const std::string& data, int level = 6) {
    z_stream zs{};
    if (deflateInit2(&zs, level, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY) != Z_OK) {
        std::fprintf(stderr, "gzip: deflateInit2 failed\n");
        std::abort();
    }
    std::string out(deflateBound(&zs, data.size()), '\0');
    zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
    zs.avail_in = static_cast<uInt>(data.size());
    zs.next_out = reinterpret_cast<Bytef*>(out.data());
    zs.avail_out = static_cast<uInt>(out.size());
    const int end = deflate(&zs, Z_FINISH);
    out.resize(zs.total_out);
    deflateEnd(&zs);
    if (end != Z_STREAM_END) {
        std::fprintf(stderr, "gzip: deflate did not finish (%d)\n", end);
        std::abort();
    }
    return out;
}

}  // namespace domus::test
