#include "boot/file_read.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "base/fd.hpp"

namespace domus {

Result<std::vector<uint8_t>> read_fd(int fd, const std::string& path, uint64_t max_bytes,
                                     uint64_t size_hint) {
    const auto too_big = [&] {
        return make_error(Errc::invalid_argument, "'" + path + "' is larger than the limit of " +
                                                      std::to_string(max_bytes) + " bytes");
    };
    if (size_hint > max_bytes) return too_big();
    std::vector<uint8_t> out;
    if (size_hint != 0) out.reserve(static_cast<size_t>(size_hint) + 1);
    constexpr uint64_t kChunk = 64 * 1024;
    for (;;) {
        // Ask for at most one byte beyond the limit, so an oversized stream is detected.
        const uint64_t room = max_bytes - out.size();
        uint64_t want = std::min(kChunk, room == UINT64_MAX ? room : room + 1);
        // Within the capacity the hint announced, so that the final read (of nothing) does not
        // reallocate and copy the whole file.
        if (out.capacity() > out.size())
            want = std::min<uint64_t>(want, out.capacity() - out.size());
        const size_t old = out.size();
        out.resize(old + want);
        const ssize_t n = ::read(fd, out.data() + old, want);
        if (n < 0) {
            if (errno == EINTR) {
                out.resize(old);
                continue;
            }
            return make_error(Errc::io, "cannot read '" + path + "': " + std::strerror(errno));
        }
        out.resize(old + static_cast<size_t>(n));
        if (out.size() > max_bytes) return too_big();
        if (n == 0) break;
    }
    return out;
}

Result<std::vector<uint8_t>> read_file(const std::string& path, uint64_t max_bytes) {
    Fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
    if (!fd.valid()) {
        const int err = errno;
        return make_error(err == ENOENT ? Errc::not_found : Errc::io,
                          "cannot open '" + path + "': " + std::strerror(err));
    }
    struct stat st {};
    if (::fstat(fd.get(), &st) != 0) {
        return make_error(Errc::io, "cannot stat '" + path + "': " + std::strerror(errno));
    }
    if (S_ISDIR(st.st_mode)) {
        return make_error(Errc::invalid_argument, "'" + path + "' is a directory, not a file");
    }
    auto out = read_fd(fd.get(), path, max_bytes,
                       S_ISREG(st.st_mode) ? static_cast<uint64_t>(st.st_size) : 0);
    if (out && out->empty()) {
        return make_error(Errc::invalid_argument, "'" + path + "' is empty");
    }
    return out;
}

}  // namespace domus
