#include "vmm/console_hub.hpp"

#include <fcntl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <string>

namespace domus::vmm {

Result<int> ConsoleHub::add_sink(int fd, SinkKind kind) {
    std::lock_guard lock(out_mu_);
    if (sinks_.size() >= kMaxSinks) {
        return make_error(Errc::resource,
                          "too many console sinks (at most " + std::to_string(kMaxSinks) + ")");
    }
    const int id = next_id_++;
    sinks_.push_back(Sink{id, fd, kind, {}, 0, 0, Fd()});
    return id;
}

void ConsoleHub::remove_sink(int id) {
    std::lock_guard lock(out_mu_);
    std::erase_if(sinks_, [id](const Sink& s) { return s.id == id; });
}

Status ConsoleHub::set_log_rotation(int id, std::string path, uint64_t max_bytes) {
    std::lock_guard lock(out_mu_);
    for (Sink& s : sinks_) {
        if (s.id != id) continue;
        if (s.kind != SinkKind::blocking) {
            return make_error(Errc::invalid_argument, "only a log file sink can be rotated");
        }
        struct stat st {};
        if (::fstat(s.fd, &st) != 0 || !S_ISREG(st.st_mode)) {
            return make_error(Errc::invalid_argument, "console log " + path + " is not a file");
        }
        Fd spare;
        if (max_bytes != 0) {
            const std::string next = path + ".1";
            spare = Fd(
                ::open(next.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC | O_NOFOLLOW, 0640));
            if (!spare.valid()) {
                return make_error(Errc::io, "cannot open console log " + next + ": " +
                                                std::string(std::strerror(errno)));
            }
        }
        s.log_path = std::move(path);
        s.max_bytes = max_bytes;
        s.size = static_cast<uint64_t>(st.st_size);
        s.spare = std::move(spare);
        return {};
    }
    return make_error(Errc::not_found, "no console sink " + std::to_string(id));
}

Status ConsoleHub::set_log_path(int id, std::string path) {
    std::lock_guard lock(out_mu_);
    for (Sink& s : sinks_) {
        if (s.id != id) continue;
        s.log_path = std::move(path);
        return {};
    }
    return make_error(Errc::not_found, "no console sink " + std::to_string(id));
}

// The current file becomes `.1` and the old `.1` (its descriptor kept open as `spare`),
// emptied, becomes the current one: renames, a truncate and a dup2, no open.
void ConsoleHub::rotate_if_full(Sink& sink, size_t incoming) {
    if (sink.max_bytes == 0 || sink.size + incoming <= sink.max_bytes || sink.size == 0) return;
    if (!sink.spare.valid()) return;
    // A second descriptor for the current file first: if that fails, nothing was renamed.
    Fd previous(::fcntl(sink.fd, F_DUPFD_CLOEXEC, 0));
    if (!previous.valid()) return;
    const std::string old = sink.log_path + ".1";
    const std::string parked = sink.log_path + ".1.next";
    if (::rename(old.c_str(), parked.c_str()) != 0) return;
    if (::rename(sink.log_path.c_str(), old.c_str()) != 0) {
        (void)::rename(parked.c_str(), old.c_str());
        return;
    }
    if (::ftruncate(sink.spare.get(), 0) != 0 ||
        ::rename(parked.c_str(), sink.log_path.c_str()) != 0) {
        return;  // keeps writing to the file now named .1
    }
    // The sink's fd number now writes the fresh file; `spare` keeps the one named .1. dup2
    // clears close-on-exec on the copy: set it again.
    if (::dup2(sink.spare.get(), sink.fd) < 0) return;
    ::fcntl(sink.fd, F_SETFD, FD_CLOEXEC);
    sink.spare = std::move(previous);
    sink.size = 0;
}

size_t ConsoleHub::sink_count() const {
    std::lock_guard lock(out_mu_);
    return sinks_.size();
}

uint64_t ConsoleHub::write_one(const Sink& sink, std::span<const uint8_t> bytes) {
    size_t off = 0;
    while (off < bytes.size()) {
        ssize_t n;
        if (sink.kind == SinkKind::socket) {
            n = ::send(sink.fd, bytes.data() + off, bytes.size() - off,
                       MSG_DONTWAIT | MSG_NOSIGNAL);
        } else {
            n = ::write(sink.fd, bytes.data() + off, bytes.size() - off);
        }
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) break;  // full, gone or failing: drop the rest, never stall the guest
        off += static_cast<size_t>(n);
    }
    return bytes.size() - off;
}

void ConsoleHub::write(std::span<const uint8_t> bytes) {
    if (bytes.empty()) return;
    std::lock_guard lock(out_mu_);
    for (Sink& sink : sinks_) {
        rotate_if_full(sink, bytes.size());
        const uint64_t lost = write_one(sink, bytes);
        if (sink.kind == SinkKind::socket) output_dropped_ += lost;
        if (sink.max_bytes != 0) sink.size += bytes.size() - lost;
    }
}

size_t ConsoleHub::push_input(std::span<const uint8_t> bytes) {
    std::lock_guard lock(in_mu_);
    const size_t room = input_.size() - size_;
    const size_t n = std::min(room, bytes.size());
    for (size_t i = 0; i < n; ++i) {
        input_[(head_ + size_ + i) % input_.size()] = bytes[i];
    }
    size_ += n;
    input_dropped_ += bytes.size() - n;
    return n;
}

size_t ConsoleHub::read_input(std::span<uint8_t> out, size_t* remaining) {
    std::lock_guard lock(in_mu_);
    const size_t n = std::min(out.size(), size_);
    // At most two contiguous runs: up to the end of the ring, then from its start.
    const size_t first = std::min(n, input_.size() - head_);
    std::copy_n(input_.begin() + static_cast<std::ptrdiff_t>(head_), first, out.begin());
    std::copy_n(input_.begin(), n - first, out.begin() + static_cast<std::ptrdiff_t>(first));
    head_ = (head_ + n) % input_.size();
    size_ -= n;
    if (remaining != nullptr) *remaining = size_;
    return n;
}

size_t ConsoleHub::input_pending() const {
    std::lock_guard lock(in_mu_);
    return size_;
}

uint64_t ConsoleHub::output_dropped() const {
    std::lock_guard lock(out_mu_);
    return output_dropped_;
}

uint64_t ConsoleHub::input_dropped() const {
    std::lock_guard lock(in_mu_);
    return input_dropped_;
}

}  // namespace domus::vmm
