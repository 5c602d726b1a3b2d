// Unix stream sockets for the monitor control channel, with deadlines: nothing here blocks
// longer than the caller allows. Errors name the socket path.
#pragma once

#include <chrono>
#include <string>
#include <string_view>

#include "base/fd.hpp"
#include "base/result.hpp"

namespace domus::vmm {

using Deadline = std::chrono::steady_clock::time_point;
Deadline deadline_in(int timeout_ms);

// How a listening socket is made and named in errors.
struct UnixListenOptions {
    unsigned mode = 0600;  // the socket file's mode, from bind on (umask), never wider
    int backlog = 16;
    const char* what = "domus-vmm control socket";  // "<what> <path>: ..." in errors
    const char* peer = "monitor";                   // "another <peer> is listening on it"
};

// Binds and listens on `path` (non-blocking, close-on-exec). A stale socket file nobody
// listens on is replaced; a live one, or any other file, is an error. The one Unix listener of
// the project: the monitors' control sockets and domusd's API socket.
Result<Fd> unix_listen(const std::string& path, const UnixListenOptions& options = {});

// True when a server accepts connections on the Unix socket at `path` (non-blocking: a live
// server with a full backlog counts).
bool unix_socket_answers(const std::string& path);

// Connects to `path` (the fd is non-blocking). Retries while the listener's backlog is full.
Result<Fd> unix_connect(const std::string& path, int timeout_ms);

// Sends every byte by `deadline` (MSG_NOSIGNAL). `path` is only for error messages.
Status send_all(int fd, std::string_view data, Deadline deadline, const std::string& path);

// Returns the next line ('\n' stripped) by `deadline`. Bytes after it stay in `buffer`.
// A line longer than `max_line` is an error, as is the peer closing first.
Result<std::string> recv_line(int fd, std::string& buffer, size_t max_line, Deadline deadline,
                              const std::string& path);

// Like recv_line, but reads one byte at a time so that nothing after the '\n' is consumed
// (the console stream that follows a console handshake stays in the socket).
Result<std::string> recv_line_exact(int fd, size_t max_line, Deadline deadline,
                                    const std::string& path);

}  // namespace domus::vmm
