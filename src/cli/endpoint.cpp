// The endpoint from the command line, the environment and the token file.
#include "cli/endpoint.hpp"

#include <cstdlib>
#include <fstream>
#include <string>

#include "cli/errors.hpp"

namespace domus::cli {
namespace {

std::string flag_or_env(const std::string& flag, const char* env) {
    if (!flag.empty()) return flag;
    const char* v = std::getenv(env);
    return v != nullptr ? std::string(v) : std::string();
}

}  // namespace

Result<Endpoint> endpoint_for(const Command& cmd) {
    Endpoint ep;
    ep.socket = cmd.socket;
    const std::string url = flag_or_env(cmd.url, "DOMUS_URL");
    if (url.empty()) return ep;
    if (auto st = parse_https_url(url, ep); !st) return st.error();
    ep.cacert = flag_or_env(cmd.cacert, "DOMUS_CACERT");
    const std::string token_file = flag_or_env(cmd.token_file, "DOMUS_TOKEN_FILE");
    if (token_file.empty()) {
        return cli_error("--url " + url +
                         " needs the bearer token: --token-file FILE or $DOMUS_TOKEN_FILE "
                         "(domusd's <state-dir>/api.token)");
    }
    std::ifstream in(token_file);
    std::string token;
    if (!in || !std::getline(in, token)) {
        return cli_error("cannot read the token file " + token_file);
    }
    while (!token.empty() && (token.back() == '\r' || token.back() == ' ')) token.pop_back();
    if (token.empty()) return cli_error("the token file " + token_file + " is empty");
    ep.token = std::move(token);
    return ep;
}

}  // namespace domus::cli
