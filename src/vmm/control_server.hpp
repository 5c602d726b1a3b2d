// domus-vmm's end of the control channel: accepts clients on the listening socket and serves
// control_protocol.hpp requests against the Domain. Runs entirely on the monitor's main thread,
// driven by its epoll loop (monitor.cpp): the server adds its fds to the epoll set with
// data.fd = the fd, and the loop hands every event for an fd it does not own itself to
// on_event().
//
// Nothing a client sends can crash the monitor: malformed lines get {"ok":false,...}; a line
// over kMaxControlLine bytes, a client that stops reading (kMaxPendingOutput unsent bytes) or
// one past kMaxClients is disconnected. Console clients are sinks of the domain's console
// (non-blocking, lossy for a slow reader) and feed its input queue.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>

#include "base/fd.hpp"
#include "base/result.hpp"
#include "vmm/control_protocol.hpp"
#include "vmm/domain.hpp"
#include "vmm/exit_info.hpp"

namespace domus::vmm {

class ControlServer {
  public:
    static constexpr size_t kMaxClients = 32;
    static constexpr size_t kMaxConsoleClients = 8;
    static constexpr size_t kMaxPendingOutput = 64 * 1024;

    ControlServer(Domain& domain, Fd listener, int epoll_fd, uint64_t memory_mib);
    ~ControlServer();  // close_all()
    ControlServer(const ControlServer&) = delete;
    ControlServer& operator=(const ControlServer&) = delete;

    Status start();  // adds the listener to the epoll set
    bool owns(int fd) const;
    void on_event(int fd, uint32_t events);

    bool destroy_requested() const { return destroy_requested_; }

    // The domain ended and is preserved (on_crash/on_poweroff/on_reboot = preserve): its vCPUs
    // have been joined; from now on status reports `state` ("crashed" | "stopped"), preserved
    // and `exit`; pause, unpause, shutdown and reboot are refused; dump-core and destroy work.
    void preserve(std::string state, ExitInfo exit);
    bool preserved() const { return !preserved_state_.empty(); }
    // Disconnects every client (console clients first leave the domain's sinks). Call after
    // the vCPU threads have been joined, or at least before the fds could be reused.
    void close_all();

    // For status: "running" | "paused" | "shutting-down", or the preserved state.
    std::string state() const;

  private:
    struct Client {
        Fd fd;
        std::string in;
        std::string out;
        bool console = false;
        int sink_id = 0;
        bool closing = false;
        bool want_write = false;
        Fd passed;  // the last descriptor the client sent (SCM_RIGHTS), for dump-core
    };

    void accept_clients();
    void read_client(Client& c);
    void process_lines(Client& c);
    void handle_line(Client& c, std::string_view line);
    std::string handle_op(ControlOp op);
    // Writes the ELF core into `file` (a regular file), pausing a running domain meanwhile.
    std::string dump_core(Fd file);
    void start_console(Client& c);
    void respond(Client& c, std::string text);
    void flush(Client& c);
    void update_interest(Client& c);
    void drop(int fd);
    VmmStatus status() const;

    Domain& domain_;
    Fd listener_;
    int epoll_fd_;
    uint64_t memory_mib_;
    std::map<int, std::unique_ptr<Client>> clients_;
    size_t console_clients_ = 0;
    bool shutdown_requested_ = false;
    bool destroy_requested_ = false;
    std::string preserved_state_;  // empty while the domain runs
    ExitInfo preserved_exit_;
};

}  // namespace domus::vmm
