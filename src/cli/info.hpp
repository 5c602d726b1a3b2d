// `domus info` and `domus version`.
#pragma once

#include <string>

namespace domus::cli {

// The local KVM view (as before), plus domusd's GET /v1/host when the daemon at `socket_path`
// answers: a `domusd ...` section in text, a "daemon" member (null when down) in JSON. A daemon
// that is down never makes this fail.
int print_info(bool json, const std::string& socket_path);
void print_version();

}  // namespace domus::cli
