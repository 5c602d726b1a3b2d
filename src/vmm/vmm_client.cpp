#include "vmm/vmm_client.hpp"

#include <fcntl.h>

#include "vmm/fd_passing.hpp"
#include "vmm/unix_socket.hpp"

namespace domus::vmm {

Result<VmmClient> VmmClient::connect(const std::string& ctl_path, int timeout_ms) {
    auto fd = unix_connect(ctl_path, timeout_ms);
    if (!fd) return fd.error();
    return VmmClient(std::move(*fd), ctl_path, timeout_ms);
}

Result<std::string> VmmClient::call(ControlOp op) {
    if (!fd_.valid()) {
        return make_error(Errc::io, "domus-vmm control socket " + path_ +
                                        ": not connected (an earlier call failed)");
    }
    const Deadline deadline = deadline_in(timeout_ms_);
    if (auto st = send_all(fd_.get(), format_request(op), deadline, path_); !st) {
        fd_.reset();
        return st.error();
    }
    auto line = recv_line(fd_.get(), buffer_, kMaxControlLine, deadline, path_);
    if (!line) fd_.reset();
    return line;
}

Status VmmClient::simple(ControlOp op) {
    auto line = call(op);
    if (!line) return line.error();
    auto st = parse_ok_response(*line);
    if (!st && st.error().code == Errc::io) {
        fd_.reset();
        return make_error(Errc::io,
                          "domus-vmm control socket " + path_ + ": " + st.error().message);
    }
    return st;
}

Result<VmmStatus> VmmClient::status() {
    auto line = call(ControlOp::status);
    if (!line) return line.error();
    auto st = parse_status_response(*line);
    if (!st && st.error().code == Errc::io) {
        fd_.reset();
        return make_error(Errc::io,
                          "domus-vmm control socket " + path_ + ": " + st.error().message);
    }
    return st;
}

Status VmmClient::pause() {
    return simple(ControlOp::pause);
}
Status VmmClient::unpause() {
    return simple(ControlOp::unpause);
}
Status VmmClient::request_shutdown() {
    return simple(ControlOp::shutdown);
}
Status VmmClient::request_reboot() {
    return simple(ControlOp::reboot);
}
Status VmmClient::destroy() {
    return simple(ControlOp::destroy);
}

Result<uint64_t> VmmClient::dump_core(int file) {
    if (!fd_.valid()) {
        return make_error(Errc::io, "domus-vmm control socket " + path_ +
                                        ": not connected (an earlier call failed)");
    }
    const Deadline deadline = deadline_in(timeout_ms_);
    if (auto st = send_with_fd(fd_.get(), format_request(ControlOp::dump_core), file); !st) {
        fd_.reset();
        return make_error(Errc::io,
                          "domus-vmm control socket " + path_ + ": " + st.error().message);
    }
    auto line = recv_line(fd_.get(), buffer_, kMaxControlLine, deadline, path_);
    if (!line) {
        fd_.reset();
        return line.error();
    }
    auto bytes = parse_dump_core_response(*line);
    if (!bytes && bytes.error().code == Errc::io) {
        fd_.reset();
        return make_error(Errc::io,
                          "domus-vmm control socket " + path_ + ": " + bytes.error().message);
    }
    return bytes;
}

Result<Fd> open_console(const std::string& ctl_path, int timeout_ms) {
    auto fd = unix_connect(ctl_path, timeout_ms);
    if (!fd) return fd.error();
    const Deadline deadline = deadline_in(timeout_ms);
    if (auto st = send_all(fd->get(), format_request(ControlOp::console), deadline, ctl_path);
        !st) {
        return st.error();
    }
    auto line = recv_line_exact(fd->get(), kMaxControlLine, deadline, ctl_path);
    if (!line) return line.error();
    if (auto st = parse_ok_response(*line); !st) {
        if (st.error().code != Errc::io) return st.error();
        return make_error(Errc::io,
                          "domus-vmm control socket " + ctl_path + ": " + st.error().message);
    }
    const int flags = ::fcntl(fd->get(), F_GETFL);
    if (flags < 0 || ::fcntl(fd->get(), F_SETFL, flags & ~O_NONBLOCK) != 0) {
        return make_error(Errc::io, "domus-vmm control socket " + ctl_path + ": fcntl failed");
    }
    return std::move(*fd);
}

}  // namespace domus::vmm
