// libFuzzer target: the initramfs path on arbitrary bytes. Each input goes
//   1. raw through parse_cpio, every accepted archive checked against parse_cpio's promises;
//   2. through decode_initramfs with a small cap (gzip when it starts with 1f 8b, else cpio);
//   3. through gunzip with a small cap;
//   4. compressed by the harness itself, then decode_initramfs: it must give the input back
//      exactly when the input is an archive parse_cpio accepts.
// Besides the sanitizers, any broken promise traps.
#include <zlib.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "boot/cpio.hpp"
#include "boot/gunzip.hpp"
#include "boot/initramfs.hpp"

namespace {

constexpr uint64_t kCap = 256 * 1024;  // the decompression limit: small, so bombs are cheap

void check(bool ok) {
    if (!ok) __builtin_trap();
}

bool printable(std::string_view s) {
    for (char c : s) {
        if (static_cast<unsigned char>(c) < 0x20 || static_cast<unsigned char>(c) >= 0x7f) {
            return false;
        }
    }
    return true;
}

template <typename T>
void check_error(const domus::Result<T>& r) {
    check(!r.error().message.empty() && r.error().message.size() < 1024);
    check(printable(r.error().message));
    check(r.error().code == domus::Errc::bad_image || r.error().code == domus::Errc::resource);
}

void check_name(const std::string& name) {
    check(!name.empty() && name.size() <= domus::kCpioMaxNameBytes);
    check(name.find('\0') == std::string::npos);
    if (name == ".") return;
    check(name.front() != '/' && name.back() != '/');
    check(name.find("//") == std::string::npos);
    size_t start = 0;
    while (start <= name.size()) {
        size_t end = name.find('/', start);
        if (end == std::string::npos) end = name.size();
        const std::string_view part(name.data() + start, end - start);
        check(!part.empty() && part != "." && part != "..");
        start = end + 1;
    }
}

void check_entries(const std::vector<domus::CpioEntry>& entries, std::span<const uint8_t> in) {
    check(entries.size() <= domus::CpioLimits{}.max_entries);
    uint64_t last_header = 0;
    for (size_t i = 0; i < entries.size(); ++i) {
        const domus::CpioEntry& e = entries[i];
        check_name(e.name);
        check(i == 0 || e.header_offset > last_header);
        last_header = e.header_offset;
        check(e.header_offset % 4 == 0 && e.data_offset % 4 == 0);
        check(e.data_offset >= e.header_offset + domus::kCpioHeaderBytes + 1);
        check(e.data_offset <= in.size() && e.data.size() <= in.size() - e.data_offset);
        check(e.data.data() == in.data() + e.data_offset);
        check(e.mode <= 0177777);
        switch (e.type) {
            case domus::CpioType::regular:
                check((e.mode & 0170000) == 0100000);
                break;
            case domus::CpioType::directory:
                check((e.mode & 0170000) == 0040000 && e.data.empty());
                break;
            case domus::CpioType::symlink:
                check((e.mode & 0170000) == 0120000);
                check(!e.data.empty() && e.data.size() <= domus::kCpioMaxSymlinkBytes);
                for (uint8_t b : e.data) check(b != 0);
                break;
            default:
                check(e.data.empty());
                break;
        }
        if (e.name == ".") check(e.type == domus::CpioType::directory);
    }
}

std::vector<uint8_t> deflate_gzip(std::span<const uint8_t> in) {
    z_stream zs{};
    if (deflateInit2(&zs, 1, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY) != Z_OK) {
        __builtin_trap();
    }
    std::vector<uint8_t> out(deflateBound(&zs, in.size()));
    zs.next_in = const_cast<Bytef*>(in.data());
    zs.avail_in = static_cast<uInt>(in.size());
    zs.next_out = out.data();
    zs.avail_out = static_cast<uInt>(out.size());
    check(deflate(&zs, Z_FINISH) == Z_STREAM_END);
    out.resize(zs.total_out);
    deflateEnd(&zs);
    return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const std::span<const uint8_t> in(data, size);

    // 1. The parser on the raw bytes.
    auto entries = domus::parse_cpio(in);
    if (entries.ok()) {
        check(domus::looks_like_cpio(in));
        check_entries(*entries, in);
    } else {
        check_error(entries);
    }

    // 2. decode_initramfs as the monitor calls it.
    auto decoded = domus::decode_initramfs(std::vector<uint8_t>(in.begin(), in.end()), kCap);
    if (decoded.ok()) {
        check(decoded->size() <= kCap);
        auto again = domus::parse_cpio(*decoded);
        check(again.ok());
        check_entries(*again, *decoded);
        if (!domus::looks_like_gzip(in)) {
            check(entries.ok() &&
                  std::equal(in.begin(), in.end(), decoded->begin(), decoded->end()));
        }
    } else {
        check_error(decoded);
        check(!(entries.ok() && size <= kCap));  // an accepted archive under the cap passes
    }

    // 3. gunzip alone.
    if (domus::looks_like_gzip(in)) {
        auto out = domus::gunzip(in, kCap / 4);
        if (out.ok()) {
            check(out->size() <= kCap / 4);
        } else {
            check_error(out);
        }
    }

    // 4. A round trip through a real gzip stream.
    if (size <= kCap) {
        const std::vector<uint8_t> gz = deflate_gzip(in);
        auto round = domus::decode_initramfs(gz, kCap);
        check(round.ok() == entries.ok());
        if (round.ok()) check(std::equal(in.begin(), in.end(), round->begin(), round->end()));
        auto plain = domus::gunzip(gz, kCap);
        check(plain.ok() && std::equal(in.begin(), in.end(), plain->begin(), plain->end()));
    }
    return 0;
}
