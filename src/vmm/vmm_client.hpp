// The daemon's side of the monitor control channel: talks to one domus-vmm over its
// `<run-dir>/<id>.ctl` socket (control_protocol.hpp). No KVM code: library domus_vmm_client.
//
// Every call is bounded by the timeout given to connect()/open_console(), so a stuck or dead
// monitor never hangs the daemon. Errors:
//   Errc::invalid_argument  the monitor refused the request; the message is the monitor's own
//                           (e.g. "cannot pause: the domain is paused"), fit for an API client
//   Errc::io                transport or protocol failure; the message names the socket path.
//                           The connection is closed after one: connect again.
// Not thread-safe: one VmmClient per thread (or under the caller's per-domain lock).
#pragma once

#include <string>

#include "base/fd.hpp"
#include "base/result.hpp"
#include "vmm/control_protocol.hpp"
#include "vmm/exit_file.hpp"

namespace domus::vmm {

class VmmClient {
  public:
    static Result<VmmClient> connect(const std::string& ctl_path, int timeout_ms);

    Result<VmmStatus> status();
    Status pause();
    Status unpause();
    Status request_shutdown();  // the guest gets DOMUS_EVENT_SHUTDOWN_REQUEST
    Status request_reboot();    // the guest gets DOMUS_EVENT_REBOOT_REQUEST
    Status destroy();           // answered, then the monitor stops the domain and exits
    // The domain's ELF core written by the monitor into `file` (a regular file, sent over the
    // socket): the core's size. The monitor pauses a running domain while it writes.
    Result<uint64_t> dump_core(int file);

    const std::string& path() const { return path_; }

  private:
    VmmClient(Fd fd, std::string path, int timeout_ms)
        : fd_(std::move(fd)), path_(std::move(path)), timeout_ms_(timeout_ms) {}
    Result<std::string> call(ControlOp op);
    Status simple(ControlOp op);

    Fd fd_;
    std::string path_;
    int timeout_ms_ = 0;
    std::string buffer_;
};

// Connects, asks for the console and returns the connected socket (blocking mode) once the
// monitor said {"ok":true}: bytes read are guest console output, bytes written reach the
// guest's console input queue. The monitor allows a few console clients at a time (8).
Result<Fd> open_console(const std::string& ctl_path, int timeout_ms);

// read_exit_file(path) is declared in vmm/exit_file.hpp (Errc::not_found: no exit file).

}  // namespace domus::vmm
