// Listening sockets, set up with plain POSIX calls before the server starts: the Unix socket
// (parent directory created, a stale socket file replaced only when nothing answers on it,
// mode 0660) and the optional TCP socket. Every descriptor is close-on-exec: domusd starts
// monitor processes, which must not inherit them.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "base/fd.hpp"
#include "base/result.hpp"

namespace domus::api {

// The API socket: its parent directory created, then vmm::unix_listen with mode 0660 (a stale
// socket file replaced only when nothing answers on it).
Result<Fd> open_unix_listener(const std::string& path, int backlog = 512);

struct TcpAddress {
    std::string host;  // numeric IPv4 or IPv6 (without brackets)
    uint16_t port = 0;
};
// "127.0.0.1:8080", "[::1]:8080", "0.0.0.0:0" (0: any free port).
Result<TcpAddress> parse_listen_address(std::string_view text);
Result<Fd> open_tcp_listener(const TcpAddress& address, int backlog = 512);

// The port a bound TCP socket got (0 on error).
uint16_t bound_port(int fd);

}  // namespace domus::api
