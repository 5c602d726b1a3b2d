// `domus console NAME`: attaches to a domain's console over the API's WebSocket
// (GET /v1/domains/NAME/console/ws). Standard input goes to the guest (raw mode on a terminal),
// the guest's output to standard output. Ctrl-] (0x1d) detaches; so does the end of standard
// input (after a short linger for the guest's answer) and SIGINT/SIGTERM/SIGHUP. The terminal
// is restored on every path.
#pragma once

#include <chrono>
#include <string>

#include "cli/api_client.hpp"

namespace domus::cli {

inline constexpr char kDetachKey = 0x1d;  // Ctrl-]

struct ConsoleOptions {
    // After the end of standard input, guest output is still shown this long before detaching.
    std::chrono::milliseconds eof_linger{500};
    std::chrono::milliseconds connect_timeout{2000};
    std::chrono::milliseconds handshake_timeout{10000};
};

// Returns the exit status: 0 detached or closed by the daemon, 1 error (one line on stderr).
int attach_console(const std::string& socket_path, const std::string& name,
                   const ConsoleOptions& options = {});
// The same on either endpoint: over the HTTPS listener it is a WSS connection with the token.
int attach_console(const Endpoint& endpoint, const std::string& name,
                   const ConsoleOptions& options = {});

}  // namespace domus::cli
