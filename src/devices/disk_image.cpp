#include "devices/disk_image.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace domus {

Result<DiskImage> DiskImage::open(const std::string& path, bool read_only) {
    const std::string name = "disk image '" + path + "'";
    Fd fd(::open(path.c_str(), (read_only ? O_RDONLY : O_RDWR) | O_CLOEXEC | O_NONBLOCK));
    if (!fd.valid()) {
        const int err = errno;
        std::string message =
            "cannot open " + name + (read_only ? "" : " for writing") + ": " + std::strerror(err);
        if (!read_only && (err == EACCES || err == EROFS)) message += " (attach it read-only)";
        return make_error(err == ENOENT ? Errc::not_found : Errc::io, std::move(message));
    }
    struct stat st {};
    if (::fstat(fd.get(), &st) != 0) {
        return make_error(Errc::io, "cannot stat " + name + ": " + std::strerror(errno));
    }
    if (!S_ISREG(st.st_mode)) {
        return make_error(Errc::invalid_argument, name + " is not a regular file");
    }
    const uint64_t sectors = static_cast<uint64_t>(st.st_size) / 512;
    if (sectors == 0) {
        return make_error(Errc::invalid_argument, name + " holds " + std::to_string(st.st_size) +
                                                      " bytes, less than one 512-byte sector");
    }
    struct flock lock {};
    lock.l_type = read_only ? F_RDLCK : F_WRLCK;
    lock.l_whence = SEEK_SET;  // the whole file
    if (::fcntl(fd.get(), F_OFD_SETLK, &lock) != 0) {
        const int err = errno;
        if (err == EAGAIN || err == EACCES) {
            return make_error(Errc::resource,
                              name + " is in use by another domain (" +
                                  (read_only ? "attached writable there" : "attached there") +
                                  "): a writable image belongs to one domain at a time");
        }
        return make_error(Errc::io, "cannot lock " + name + ": " + std::strerror(err));
    }
    // Reads and writes go through io_uring; the descriptor's blocking mode does not matter,
    // but O_NONBLOCK was only for the open (a FIFO must not hang it).
    (void)::fcntl(fd.get(), F_SETFL, ::fcntl(fd.get(), F_GETFL) & ~O_NONBLOCK);
    return DiskImage(std::move(fd), path, sectors, read_only);
}

}  // namespace domus
