// The verbs that talk to domusd: each returns the exit status (0, or 1 after printing one
// `domus: ...` line on stderr). With Command::json the daemon's JSON is printed as received.
#pragma once

#include "cli/api_client.hpp"
#include "cli/command_line.hpp"

namespace domus::cli {

// create, list, start, pause, unpause, shutdown, reboot, destroy, delete, config.
int run_domain_verb(ApiClient& api, const Command& cmd);

// events [--follow]: `<time ISO8601> <domain> <type> <detail>` per line.
int run_events(ApiClient& api, const Command& cmd);

// Prints a JSON body as received, newline-terminated (nothing for an empty body).
void print_raw(const std::string& body);

}  // namespace domus::cli
