#include "boot/cpio_writer.hpp"

#include <sys/sendfile.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstdio>
#include <cstring>

#include "boot/cpio.hpp"
#include "boot/cpio_layout.hpp"

namespace domus {

namespace {

using namespace cpio_layout;

Error refuse(std::string_view name, const std::string& what) {
    return make_error(Errc::invalid_argument,
                      "cpio entry " + escape_for_message(name) + ": " + what);
}

void put_hex8(std::vector<uint8_t>& out, uint64_t v) {
    char buf[kFieldBytes + 1];
    std::snprintf(buf, sizeof buf, "%08llx", static_cast<unsigned long long>(v));
    out.insert(out.end(), buf, buf + kFieldBytes);
}

constexpr size_t kFlushBytes = 64 * 1024;  // to_fd(): staged header and small-file bytes

}  // namespace

Result<std::string> normalise_cpio_name(std::string_view raw) {
    const std::string_view original = raw;
    for (;;) {
        if (raw.starts_with("/")) {
            raw.remove_prefix(1);
        } else if (raw.starts_with("./")) {
            raw.remove_prefix(2);
        } else {
            break;
        }
    }
    if (raw.empty() || raw == ".") return std::string(".");
    if (raw.size() > kCpioMaxNameBytes) {
        return refuse(original, "the name of " + std::to_string(raw.size()) +
                                    " bytes is longer than " + std::to_string(kCpioMaxNameBytes));
    }
    if (raw.find('\0') != std::string_view::npos) return refuse(original, "the name holds a NUL");
    size_t start = 0;
    while (start <= raw.size()) {
        size_t end = raw.find('/', start);
        if (end == std::string_view::npos) end = raw.size();
        const std::string_view part = raw.substr(start, end - start);
        if (part.empty()) {
            return refuse(original, "the name has an empty component (\"//\" or a trailing \"/\")");
        }
        if (part == "." || part == "..") {
            return refuse(original, "the name has a \"" + std::string(part) + "\" component");
        }
        start = end + 1;
    }
    return std::string(raw);
}

bool CpioWriter::contains(std::string_view name) const {
    auto n = normalise_cpio_name(name);
    return n && names_.find(*n) != names_.end();
}

void CpioWriter::header(std::string_view name, uint32_t ino, uint32_t mode, uint32_t nlink,
                        uint64_t filesize, CpioOwner owner) {
    std::array<uint64_t, kFieldCount> f{};  // dev and rdev 0; c_check unused by 070701
    f[kIno] = ino;
    f[kMode] = mode;
    f[kUid] = owner.uid;
    f[kGid] = owner.gid;
    f[kNlink] = nlink;
    f[kMtime] = owner.mtime;
    f[kFilesize] = filesize;
    f[kNamesize] = name.size() + 1;
    out_.insert(out_.end(), kMagicNewc.begin(), kMagicNewc.end());
    for (uint64_t v : f) put_hex8(out_, v);
    out_.insert(out_.end(), name.begin(), name.end());
    out_.push_back(0);
    while ((written_ + out_.size()) % 4 != 0) out_.push_back(0);
}

CpioWriter CpioWriter::to_fd(int fd, uint64_t max_bytes) {
    CpioWriter w(max_bytes);
    w.fd_ = fd;
    return w;
}

Status CpioWriter::flush() {
    if (fd_ < 0) return {};
    size_t done = 0;
    while (done < out_.size()) {
        const ssize_t n = ::write(fd_, out_.data() + done, out_.size() - done);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) {
            broken_ = true;
            return make_error(Errc::io, std::string("cpio: cannot write the archive: ") +
                                            (n < 0 ? std::strerror(errno) : "no progress"));
        }
        done += static_cast<size_t>(n);
    }
    written_ += out_.size();
    out_.clear();
    return {};
}

// The checks every entry passes; `name` gets the normalised name.
Status CpioWriter::check(std::string_view raw, uint32_t mode, uint64_t data_size,
                         std::string& name) {
    if (broken_) return make_error(Errc::io, "cpio: the archive is incomplete after an error");
    auto normal = normalise_cpio_name(raw);
    if (!normal) return normal.error();
    if (normal->size() == kTrailer.size() && *normal == kTrailer) {
        return refuse(raw, "the name is the archive's end marker");
    }
    if (*normal == "." && (mode & kTypeMask) != kDirectory) {
        return refuse(raw, "the root \".\" must be a directory");
    }
    if (data_size > UINT32_MAX) {
        return refuse(raw, "the file of " + std::to_string(data_size) +
                               " bytes does not fit a newc header (under 4 GiB)");
    }
    if (names_.find(*normal) != names_.end()) return refuse(raw, "the name is given twice");
    const uint64_t entry_bytes = ((kCpioHeaderBytes + normal->size() + 1 + 3) & ~uint64_t{3}) +
                                 ((data_size + 3) & ~uint64_t{3});
    // Room for this entry and the trailer that finish() appends.
    const uint64_t trailer_bytes = (kCpioHeaderBytes + kTrailer.size() + 1 + 3) & ~uint64_t{3};
    if (size() + entry_bytes + trailer_bytes > max_bytes_) {
        return refuse(raw,
                      "the archive would be larger than " + std::to_string(max_bytes_) + " bytes");
    }
    name = std::move(*normal);
    return {};
}

Status CpioWriter::add(std::string_view raw, uint32_t mode, std::span<const uint8_t> data,
                       CpioOwner owner) {
    std::string name;
    if (auto st = check(raw, mode, data.size(), name); !st) return st;
    const uint32_t nlink = (mode & kTypeMask) == kDirectory ? 2 : 1;
    header(name, next_ino_++, mode, nlink, data.size(), owner);
    out_.insert(out_.end(), data.begin(), data.end());
    while ((written_ + out_.size()) % 4 != 0) out_.push_back(0);
    names_.insert(std::move(name));
    if (out_.size() >= kFlushBytes) return flush();
    return {};
}

Status CpioWriter::add_file_from_fd(std::string_view raw, uint32_t permissions, int fd,
                                    uint64_t size, CpioOwner owner) {
    if (permissions > 07777) return refuse(raw, "permission bits above 07777");
    std::string name;
    if (auto st = check(raw, kRegular | permissions, size, name); !st) return st;
    const auto short_read = [&](uint64_t done, int err) {
        broken_ = true;
        return make_error(Errc::io, "cpio entry " + escape_for_message(raw) + ": " +
                                        (err != 0 ? std::string(std::strerror(err))
                                                  : "the file ended after " + std::to_string(done) +
                                                        " of " + std::to_string(size) + " bytes"));
    };
    // The header goes out first: after a short file the archive is incomplete, and the
    // writer refuses every later call.
    header(name, next_ino_++, kRegular | permissions, 1, size, owner);
    uint64_t done = 0;
    if (fd_ >= 0) {
        if (auto st = flush(); !st) return st;
        off_t in = 0;
        while (done < size) {
            const ssize_t n = ::sendfile(fd_, fd, &in, static_cast<size_t>(size - done));
            if (n < 0 && errno == EINTR) continue;
            if (n <= 0) return short_read(done, n < 0 ? errno : 0);
            done += static_cast<uint64_t>(n);
        }
        written_ += size;
    } else {
        const size_t base = out_.size();
        out_.resize(base + size);
        while (done < size) {
            const ssize_t n =
                ::pread(fd, out_.data() + base + done, size - done, static_cast<off_t>(done));
            if (n < 0 && errno == EINTR) continue;
            if (n <= 0) return short_read(done, n < 0 ? errno : 0);
            done += static_cast<uint64_t>(n);
        }
    }
    while ((written_ + out_.size()) % 4 != 0) out_.push_back(0);
    names_.insert(std::move(name));
    return {};
}

Status CpioWriter::add_directory(std::string_view name, uint32_t permissions, CpioOwner owner) {
    if (permissions > 07777) return refuse(name, "permission bits above 07777");
    return add(name, kDirectory | permissions, {}, owner);
}

Status CpioWriter::add_file(std::string_view name, uint32_t permissions,
                            std::span<const uint8_t> data, CpioOwner owner) {
    if (permissions > 07777) return refuse(name, "permission bits above 07777");
    return add(name, kRegular | permissions, data, owner);
}

Status CpioWriter::add_symlink(std::string_view name, std::string_view target, CpioOwner owner) {
    if (target.empty()) return refuse(name, "the symlink has an empty target");
    if (target.size() > kCpioMaxSymlinkBytes) {
        return refuse(name, "the symlink target of " + std::to_string(target.size()) +
                                " bytes is longer than " + std::to_string(kCpioMaxSymlinkBytes));
    }
    if (target.find('\0') != std::string_view::npos) {
        return refuse(name, "the symlink target holds a NUL");
    }
    const auto* bytes = reinterpret_cast<const uint8_t*>(target.data());
    return add(name, kSymlink | 0777, std::span<const uint8_t>(bytes, target.size()), owner);
}

Result<std::vector<uint8_t>> CpioWriter::finish() {
    if (broken_) return make_error(Errc::io, "cpio: the archive is incomplete after an error");
    header(kTrailer, 0, 0, 1, 0, {});
    if (auto st = flush(); !st) return st.error();
    std::vector<uint8_t> archive = std::move(out_);
    out_.clear();
    names_.clear();
    next_ino_ = 1;
    written_ = 0;
    return archive;
}

}  // namespace domus
