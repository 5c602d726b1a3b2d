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

// Binds and listens on `path` (mode 0600, non-blocking, close-on-exec). A stale socket file
// nobody listens on is replaced; a live one, or any other file, is an error.
Result<Fd> unix_listen(const std::string& path);

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
