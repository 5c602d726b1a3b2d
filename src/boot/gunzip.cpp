#include "boot/gunzip.hpp"

#include <zlib.h>

#include <algorithm>
#include <string>

namespace domus {

namespace {

// zlib counts in 32-bit uInt: feed and drain at most this much per call.
constexpr uint64_t kMaxStep = 1ull << 30;
constexpr uint64_t kFirstOutput = 64 * 1024;

std::string dec(uint64_t v) {
    return std::to_string(v);
}

std::string mib(uint64_t bytes) {
    return dec(bytes >> 20) + " MiB";
}

class Inflater {
  public:
    Inflater() { ok_ = inflateInit2(&zs_, 16 + MAX_WBITS) == Z_OK; }
    ~Inflater() {
        if (ok_) inflateEnd(&zs_);
    }
    Inflater(const Inflater&) = delete;
    Inflater& operator=(const Inflater&) = delete;
    bool ok() const { return ok_; }
    z_stream& z() { return zs_; }

  private:
    z_stream zs_{};
    bool ok_ = false;
};

Error gzip_error(uint64_t at, const std::string& what) {
    return make_error(Errc::bad_image, "gzip: at input byte " + dec(at) + ": " + what);
}

bool all_zero(std::span<const uint8_t> b) {
    return std::all_of(b.begin(), b.end(), [](uint8_t c) { return c == 0; });
}

}  // namespace

bool looks_like_gzip(std::span<const uint8_t> b) {
    return b.size() >= 2 && b[0] == 0x1f && b[1] == 0x8b;
}

Result<std::vector<uint8_t>> gunzip(std::span<const uint8_t> in, uint64_t max_bytes,
                                    std::string_view limit_name) {
    if (!looks_like_gzip(in)) return gzip_error(0, "not gzip data (no 1f 8b magic)");
    Inflater inf;
    if (!inf.ok()) return make_error(Errc::resource, "gzip: zlib could not initialise");
    z_stream& zs = inf.z();
    const uint64_t cap = max_bytes == UINT64_MAX ? max_bytes : max_bytes + 1;

    std::vector<uint8_t> out;
    uint64_t filled = 0;
    uint64_t fed = 0;     // input bytes handed to zlib so far
    uint64_t member = 1;  // the member being inflated, for messages
    for (;;) {
        if (zs.avail_in == 0 && fed < in.size()) {
            const uint64_t n = std::min<uint64_t>(in.size() - fed, kMaxStep);
            zs.next_in = const_cast<Bytef*>(in.data() + fed);
            zs.avail_in = static_cast<uInt>(n);
            fed += n;
        }
        if (filled == out.size()) {
            const uint64_t grown = std::min<uint64_t>(
                cap, std::max<uint64_t>(kFirstOutput, out.size() + out.size() / 2));
            out.resize(grown);
        }
        const uint64_t room = std::min<uint64_t>(out.size() - filled, kMaxStep);
        zs.next_out = out.data() + filled;
        zs.avail_out = static_cast<uInt>(room);
        const int rc = inflate(&zs, Z_NO_FLUSH);
        filled += room - zs.avail_out;
        const uint64_t consumed = fed - zs.avail_in;
        if (filled > max_bytes) {
            return make_error(Errc::bad_image, "gzip: the data decompresses to more than " +
                                                   dec(max_bytes) + " bytes (" +
                                                   std::string(limit_name) + ", " + mib(max_bytes) +
                                                   "); refused after reading " + dec(consumed) +
                                                   " of " + dec(in.size()) + " input bytes");
        }
        if (rc == Z_STREAM_END) {
            const std::span<const uint8_t> rest = in.subspan(consumed);
            if (rest.empty() || all_zero(rest)) break;
            if (!looks_like_gzip(rest)) {
                return gzip_error(consumed, "unexpected data after gzip member " + dec(member) +
                                                " (neither another member nor zero padding)");
            }
            if (inflateReset(&zs) != Z_OK) return gzip_error(consumed, "zlib reset failed");
            zs.next_in = const_cast<Bytef*>(rest.data());
            zs.avail_in = 0;
            fed = consumed;
            ++member;
            continue;
        }
        if (rc == Z_DATA_ERROR || rc == Z_NEED_DICT) {
            return gzip_error(consumed, std::string("corrupt data in member ") + dec(member) +
                                            ": " + (zs.msg != nullptr ? zs.msg : "invalid data"));
        }
        if (rc == Z_MEM_ERROR) return make_error(Errc::resource, "gzip: zlib is out of memory");
        const bool input_done = zs.avail_in == 0 && fed == in.size();
        if (rc == Z_OK || rc == Z_BUF_ERROR) {
            // zlib always progresses while it has input and room; without more input and with
            // room left, the member is cut short.
            if (input_done && zs.avail_out != 0) {
                return gzip_error(in.size(), "truncated: the input ends inside gzip member " +
                                                 dec(member) + " after " + dec(filled) +
                                                 " bytes of output");
            }
            continue;
        }
        return gzip_error(consumed, "zlib error " + std::to_string(rc));
    }
    out.resize(filled);
    out.shrink_to_fit();
    return out;
}

}  // namespace domus
