// Which daemon the verbs talk to: the Unix socket, or the HTTPS listener named by --url (or
// $DOMUS_URL) with its CA file (--cacert, $DOMUS_CACERT) and bearer token (--token-file,
// $DOMUS_TOKEN_FILE: domusd's <state-dir>/api.token).
#pragma once

#include "base/result.hpp"
#include "cli/api_client.hpp"
#include "cli/command_line.hpp"

namespace domus::cli {

// Reads the environment for what the command line left out, and the token file. Errors are
// the one line `domus` prints.
Result<Endpoint> endpoint_for(const Command& cmd);

}  // namespace domus::cli
