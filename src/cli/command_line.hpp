// `domus`'s command line: every verb, its options, and where the daemon's socket is.
// Parsing is separate from running so that option handling is tested without a daemon.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "vmm/vm_config.hpp"

namespace domus::cli {

enum class Verb {
    run,
    info,
    version,  // local: no daemon needed (info adds the daemon's view when it answers)
    create,
    list,
    start,
    pause,
    unpause,
    shutdown,
    reboot,
    destroy,
    remove,
    console,
    events,
    config,
    disk_create,
    disk_list,
    network_list,
    sched_credit,
    vcpu_pin,
    dump_core,
};

inline constexpr const char* kDefaultSocket = "/run/domus/domusd.sock";

struct Command {
    Verb verb = Verb::version;
    std::string socket;  // resolved: --socket, else $DOMUS_SOCKET, else kDefaultSocket
    // The TCP listener instead (main.cpp fills in $DOMUS_URL, $DOMUS_CACERT and
    // $DOMUS_TOKEN_FILE for those not given): https://HOST:PORT, the CA file, the token file.
    std::string url;
    std::string cacert;
    std::string token_file;
    bool json = false;                  // print the raw JSON response instead of text
    std::string name;                   // the domain (optional for list)
    std::string file;                   // create: the config file, "-" for standard input;
                                        // dump-core: the core file to write
    bool no_start = false;              // create: only define it
    bool attach = false;                // create: attach the console after starting
    std::optional<uint32_t> timeout_s;  // shutdown: destroy after this many seconds
    bool wait = false;                  // shutdown: return once it stopped
    bool follow = false;                // events: keep printing new events
    uint64_t after = 0;                 // events: only events with a larger id
    vmm::VmConfig run_config;           // run
    std::string image_size;             // disk-create: "64M" (name in `name`)
    std::string from_dir;               // disk-create --from-dir
    bool long_list = false;             // list -l: with weight, cap and cpus
    std::optional<uint32_t> weight;     // sched-credit -w
    std::optional<uint32_t> cap;        // sched-credit -c
    std::string vcpu;                   // vcpu-pin: a vCPU number or "all"
    std::string cpus;                   // vcpu-pin: xl's cpus syntax
};

// --socket when given, else $DOMUS_SOCKET when set and non-empty, else the default.
std::string resolve_socket(const std::string& flag, const char* env);

// A domain name as the API accepts it in a URL: [A-Za-z0-9_.-]{1,64}, and not "." or "..".
bool plausible_domain_name(const std::string& name);

struct ParseOutcome {
    std::optional<Command> command;  // set when a verb is to be run
    int exit_code = 0;               // else: --help/--version printed (0) or a usage error (1)
};

// Parses argv (argv[0] is the program). Help and usage errors are printed here: help on stdout,
// a usage error as one `domus: error: ...` line on stderr.
ParseOutcome parse_command_line(int argc, const char* const* argv, const char* env_socket);
ParseOutcome parse_command_line(const std::vector<std::string>& args, const char* env_socket);

}  // namespace domus::cli
