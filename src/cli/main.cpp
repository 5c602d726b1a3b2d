// `domus`: the command line. `run` boots a guest in the foreground without a daemon; the
// xl-style verbs (create, list, start, ..., console, events) talk to domusd over its socket.
#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <exception>

#include "cli/api_client.hpp"
#include "cli/command_line.hpp"
#include "cli/console.hpp"
#include "cli/endpoint.hpp"
#include "cli/errors.hpp"
#include "cli/exec_args.hpp"
#include "cli/info.hpp"
#include "cli/terminal.hpp"
#include "cli/verbs.hpp"
#include "vmm/run_domain.hpp"

namespace {

// A closed standard stream would be reused by the next socket we open (and `console` would
// then read its own socket as input): point any closed one at /dev/null first.
void ensure_standard_fds() {
    for (int fd = 0; fd <= 2; ++fd) {
        if (::fcntl(fd, F_GETFD) == -1 && errno == EBADF) {
            const int null_fd = ::open("/dev/null", fd == 0 ? O_RDONLY : O_WRONLY);
            if (null_fd >= 0 && null_fd != fd) ::close(null_fd);  // fd was not the lowest free
        }
    }
}

int dispatch(const domus::cli::Command& cmd) {
    using domus::cli::Verb;
    switch (cmd.verb) {
        case Verb::run: {
            // A program's domain gets standard input: raw when it is a terminal (keys, Ctrl-C
            // included, go to the guest's tty; Ctrl-] tears the domain down).
            if (!domus::vmm::runs_program(cmd.run_config)) {
                return domus::vmm::run_domain(cmd.run_config);
            }
            domus::vmm::VmConfig config = cmd.run_config;
            if (!config.exec.empty()) {
                auto program = domus::cli::find_program(config.exec.program, std::getenv("PATH"));
                if (!program) {
                    std::fprintf(stderr, "domus: error: %s\n", program.error().message.c_str());
                    return domus::vmm::kExitProgramPlatformError;
                }
                config.exec.program = std::move(*program);
            }
            auto raw = domus::cli::RawTerminal::enter(STDIN_FILENO);
            const bool tty = raw.ok() && raw->active();
            return domus::vmm::run_domain(config, domus::vmm::RunInput{STDIN_FILENO, tty});
        }
        case Verb::info:
            return domus::cli::print_info(cmd.json, cmd.socket);
        case Verb::version:
            domus::cli::print_version();
            return 0;
        default:
            break;
    }
    auto endpoint = domus::cli::endpoint_for(cmd);
    if (!endpoint) return domus::cli::report(endpoint.error());
    if (cmd.verb == Verb::console) return domus::cli::attach_console(*endpoint, cmd.name);
    domus::cli::ApiClient api(std::move(*endpoint));
    if (cmd.verb == Verb::events) return domus::cli::run_events(api, cmd);
    return domus::cli::run_domain_verb(api, cmd);
}

}  // namespace

int main(int argc, char** argv) {
    // The boundary: nothing escapes as an exception, every failure is one line and status 1.
    ensure_standard_fds();
    try {
        auto parsed = domus::cli::parse_command_line(argc, argv, std::getenv("DOMUS_SOCKET"));
        if (!parsed.command) return parsed.exit_code;
        return dispatch(*parsed.command);
    } catch (const std::exception& e) {
        std::fprintf(stderr, "domus: error: %s\n", e.what());
    } catch (...) {
        std::fprintf(stderr, "domus: error: unexpected failure\n");
    }
    return 1;
}
