#include "vmm/control_server.hpp"

#include <poll.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <vector>

#include "domus/abi/hypercall.h"
#include "telemetry/log_line.hpp"
#include "vmm/core_dump.hpp"
#include "vmm/fd_passing.hpp"

namespace domus::vmm {

namespace {

constexpr size_t kReadChunk = 4096;
constexpr int kReadsPerWakeup = 16;  // then back to the loop: one client cannot starve others

// The peer closed its end (or the connection failed): nobody is waiting for the answer.
bool peer_has_gone(int fd) {
    pollfd p{fd, POLLRDHUP, 0};
    return ::poll(&p, 1, 0) == 1 && (p.revents & (POLLRDHUP | POLLHUP | POLLERR)) != 0;
}

}  // namespace

ControlServer::ControlServer(Domain& domain, Fd listener, int epoll_fd, uint64_t memory_mib)
    : domain_(domain),
      listener_(std::move(listener)),
      epoll_fd_(epoll_fd),
      memory_mib_(memory_mib) {}

ControlServer::~ControlServer() {
    close_all();
}

Status ControlServer::start() {
    epoll_event ev{};
    ev.events = EPOLLIN;
    ev.data.fd = listener_.get();
    if (::epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, listener_.get(), &ev) != 0) {
        return make_error(Errc::resource, std::string("epoll_ctl: ") + std::strerror(errno));
    }
    return {};
}

bool ControlServer::owns(int fd) const {
    return fd == listener_.get() || clients_.count(fd) != 0;
}

void ControlServer::on_event(int fd, uint32_t events) {
    if (fd == listener_.get()) {
        accept_clients();
        return;
    }
    auto it = clients_.find(fd);
    if (it == clients_.end()) return;
    Client& c = *it->second;
    if (events & EPOLLOUT) flush(c);
    if (!c.closing && (events & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR))) read_client(c);
    if (c.closing) drop(fd);
}

void ControlServer::accept_clients() {
    for (;;) {
        Fd fd(::accept4(listener_.get(), nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC));
        if (!fd.valid()) return;  // EAGAIN, or a transient error: the loop will call again
        if (clients_.size() >= kMaxClients) {
            const std::string msg = format_error("too many control connections (at most " +
                                                 std::to_string(kMaxClients) + ")");
            (void)!::send(fd.get(), msg.data(), msg.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
            continue;  // closed by Fd
        }
        epoll_event ev{};
        ev.events = EPOLLIN | EPOLLRDHUP;
        ev.data.fd = fd.get();
        if (::epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, fd.get(), &ev) != 0) continue;
        auto client = std::make_unique<Client>();
        const int key = fd.get();
        client->fd = std::move(fd);
        clients_.emplace(key, std::move(client));
    }
}

void ControlServer::read_client(Client& c) {
    char buf[kReadChunk];
    for (int i = 0; i < kReadsPerWakeup && !c.closing; ++i) {
        std::vector<Fd> fds;
        const ssize_t n = recv_with_fds(c.fd.get(), buf, sizeof buf, fds);
        // A descriptor is kept for the client's next dump-core (the last one sent); console
        // clients have no use for one.
        if (!fds.empty() && !c.console) c.passed = std::move(fds.back());
        fds.clear();
        if (n < 0 && errno == EINTR) continue;
        if (n < 0 && errno == EAGAIN) return;
        if (n <= 0) {
            c.closing = true;  // EOF or error
            return;
        }
        if (c.console) {
            // Input beyond the queue's capacity is dropped, like a serial line's overrun.
            domain_.console_input({reinterpret_cast<const uint8_t*>(buf), static_cast<size_t>(n)});
            continue;
        }
        c.in.append(buf, static_cast<size_t>(n));
        process_lines(c);
    }
}

void ControlServer::process_lines(Client& c) {
    size_t start = 0;
    while (!c.closing && !c.console) {
        const size_t nl = c.in.find('\n', start);
        if (nl == std::string::npos) break;
        if (nl - start > kMaxControlLine) break;  // handled below
        handle_line(c, std::string_view(c.in).substr(start, nl - start));
        start = nl + 1;
    }
    c.in.erase(0, start);
    if (c.console && !c.in.empty()) {
        // Bytes that followed {"op":"console"} in the same read are console input already.
        domain_.console_input({reinterpret_cast<const uint8_t*>(c.in.data()), c.in.size()});
        c.in.clear();
    }
    if (!c.closing && !c.console && c.in.size() > kMaxControlLine) {
        respond(c, format_error("request line over " + std::to_string(kMaxControlLine) +
                                " bytes; closing the connection"));
        c.closing = true;
    }
}

void ControlServer::handle_line(Client& c, std::string_view line) {
    auto req = parse_control_request(line);
    if (!req) {
        respond(c, format_error(req.error().message));
        return;
    }
    if (req->op == ControlOp::console) {
        start_console(c);
        return;
    }
    if (req->op != ControlOp::status && peer_has_gone(c.fd.get())) {
        // The daemon gave up on this request (it timed out while we were stopped or slow) and
        // told its client that nothing happened: doing it now would make that untrue.
        telemetry::log(telemetry::Level::warn,
                       std::string(to_string(req->op)) + " request dropped: its client had gone");
        c.closing = true;
        return;
    }
    if (req->op == ControlOp::dump_core) {
        respond(c, dump_core(std::move(c.passed)));
        return;
    }
    respond(c, handle_op(req->op));
    if (req->op == ControlOp::destroy) destroy_requested_ = true;
}

std::string ControlServer::handle_op(ControlOp op) {
    if (preserved() && op != ControlOp::status && op != ControlOp::destroy) {
        return format_error(std::string("cannot ") + to_string(op) + ": the domain is " +
                            preserved_state_ + " and preserved (" + preserved_exit_.reason +
                            "); destroy releases it");
    }
    switch (op) {
        case ControlOp::status:
            return format_status(status());
        case ControlOp::pause: {
            if (domain_.paused()) return format_error("cannot pause: the domain is paused");
            auto st = domain_.pause();
            return st ? format_ok() : format_error("cannot pause: " + st.error().message);
        }
        case ControlOp::unpause: {
            if (!domain_.paused()) return format_error("cannot unpause: the domain is " + state());
            auto st = domain_.unpause();
            return st ? format_ok() : format_error("cannot unpause: " + st.error().message);
        }
        case ControlOp::shutdown:
            domain_.post_event(DOMUS_EVENT_SHUTDOWN_REQUEST);
            shutdown_requested_ = true;
            return format_ok();
        case ControlOp::reboot:
            domain_.post_event(DOMUS_EVENT_REBOOT_REQUEST);
            return format_ok();
        case ControlOp::destroy:
            return format_ok();  // the loop stops the domain after the reply
        case ControlOp::console:
        case ControlOp::dump_core:
            break;  // start_console(), dump_core()
    }
    return format_error("internal: unhandled op");
}

std::string ControlServer::dump_core(Fd file) {
    if (!file.valid()) {
        return format_error(
            "cannot dump the core: no file descriptor came with the request (SCM_RIGHTS)");
    }
    struct stat st {};
    if (::fstat(file.get(), &st) != 0 || !S_ISREG(st.st_mode)) {
        return format_error("cannot dump the core: the descriptor sent is not a regular file");
    }
    // Like `xl dump-core`: a running domain is paused while its memory is written, so that
    // the registers and the memory describe one moment.
    const bool pause_now = !preserved() && !domain_.paused();
    if (pause_now) {
        if (auto p = domain_.pause(); !p) {
            return format_error("cannot dump the core: cannot pause: " + p.error().message);
        }
    }
    Status written = [&]() -> Status {
        auto vcpus = domain_.vcpu_registers();
        if (!vcpus) return vcpus.error();
        GuestMemory& mem = domain_.memory();
        auto ram = mem.span(0, mem.size());
        if (!ram) return ram.error();
        CoreSpec spec;
        spec.vcpus = std::move(*vcpus);
        spec.ram_bytes = mem.size();
        spec.views = domus_boot_views(mem.size());
        spec.pid = static_cast<uint32_t>(::getpid());
        spec.name = domain_.name();
        return write_core_file(file.get(), spec, *ram);
    }();
    if (pause_now) (void)domain_.unpause();
    if (!written) return format_error("cannot dump the core: " + written.error().message);
    if (::fstat(file.get(), &st) != 0) {
        return format_error(std::string("cannot dump the core: fstat: ") + std::strerror(errno));
    }
    telemetry::log(
        telemetry::Level::info,
        "core dumped (" + std::to_string(static_cast<long long>(st.st_size)) + " bytes)");
    return format_dump_core_ok(static_cast<uint64_t>(st.st_size));
}

void ControlServer::preserve(std::string state, ExitInfo exit) {
    preserved_state_ = std::move(state);
    preserved_exit_ = std::move(exit);
}

void ControlServer::start_console(Client& c) {
    if (console_clients_ >= kMaxConsoleClients) {
        respond(c, format_error("too many console clients (at most " +
                                std::to_string(kMaxConsoleClients) + ")"));
        return;
    }
    // The ok line must reach the client before any console byte: send it now, and give up on
    // a client that has not even read its earlier responses.
    const std::string ok = format_ok();
    if (!c.out.empty() || ::send(c.fd.get(), ok.data(), ok.size(), MSG_NOSIGNAL | MSG_DONTWAIT) !=
                              static_cast<ssize_t>(ok.size())) {
        c.closing = true;
        return;
    }
    auto sink = domain_.console().add_sink(c.fd.get(), ConsoleHub::SinkKind::socket);
    if (!sink) {
        c.closing = true;
        return;
    }
    c.sink_id = *sink;
    c.console = true;
    ++console_clients_;
}

void ControlServer::respond(Client& c, std::string text) {
    if (c.out.size() + text.size() > kMaxPendingOutput) {
        c.closing = true;  // it does not read what we answer
        return;
    }
    c.out += text;
    flush(c);
}

void ControlServer::flush(Client& c) {
    while (!c.out.empty()) {
        const ssize_t n =
            ::send(c.fd.get(), c.out.data(), c.out.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
        if (n > 0) {
            c.out.erase(0, static_cast<size_t>(n));
            continue;
        }
        if (n < 0 && errno == EINTR) continue;
        if (n < 0 && errno == EAGAIN) break;
        c.closing = true;
        return;
    }
    update_interest(c);
}

void ControlServer::update_interest(Client& c) {
    const bool want = !c.out.empty();
    if (want == c.want_write) return;
    epoll_event ev{};
    ev.events = EPOLLIN | EPOLLRDHUP | (want ? EPOLLOUT : 0u);
    ev.data.fd = c.fd.get();
    if (::epoll_ctl(epoll_fd_, EPOLL_CTL_MOD, c.fd.get(), &ev) != 0) {
        c.closing = true;
        return;
    }
    c.want_write = want;
}

void ControlServer::drop(int fd) {
    auto it = clients_.find(fd);
    if (it == clients_.end()) return;
    Client& c = *it->second;
    if (c.console) {
        domain_.console().remove_sink(c.sink_id);  // no vCPU writes to fd after this
        --console_clients_;
    }
    ::epoll_ctl(epoll_fd_, EPOLL_CTL_DEL, fd, nullptr);
    clients_.erase(it);  // closes the fd
}

void ControlServer::close_all() {
    while (!clients_.empty()) drop(clients_.begin()->first);
}

std::string ControlServer::state() const {
    if (preserved()) return preserved_state_;
    if (domain_.paused()) return "paused";
    return shutdown_requested_ ? "shutting-down" : "running";
}

VmmStatus ControlServer::status() const {
    VmmStatus s;
    s.state = state();
    s.preserved = preserved();
    if (s.preserved) {
        s.exit_reason = preserved_exit_.reason;
        s.exit_code = preserved_exit_.code;
        s.exit_detail = preserved_exit_.detail;
    }
    s.pid = ::getpid();
    s.vcpus = domain_.vcpu_count();
    s.memory_mib = memory_mib_;
    s.exits = domain_.stats().exits.load();
    s.hypercalls = domain_.stats().hypercalls.load();
    s.vcpu_time_ns = domain_.vcpu_time_ns();
    s.uptime_ns = domain_.uptime_ns();
    struct stat st {};
    if (::fstat(domain_.memory().memfd(), &st) == 0 && st.st_blocks > 0) {
        s.resident_kib = static_cast<uint64_t>(st.st_blocks) / 2;
    }
    return s;
}

}  // namespace domus::vmm
