#include "cli/command_line.hpp"

#include <CLI/CLI.hpp>

#include <algorithm>
#include <cstdio>
#include <utility>

#include "cli/exec_args.hpp"

namespace domus::cli {

std::string resolve_socket(const std::string& flag, const char* env) {
    if (!flag.empty()) return flag;
    if (env != nullptr && *env != '\0') return env;
    return kDefaultSocket;
}

bool plausible_domain_name(const std::string& name) {
    if (name.empty() || name.size() > 64 || name == "." || name == "..") return false;
    return std::all_of(name.begin(), name.end(), [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
               c == '_' || c == '.' || c == '-';
    });
}

namespace {

const CLI::Validator kDomainName(
    [](std::string& name) -> std::string {
        if (plausible_domain_name(name)) return {};
        return "invalid domain name '" + name + "' (1 to 64 letters, digits, '_', '.' or '-')";
    },
    "NAME", "domain name");

// Builds the whole command tree bound to `cmd`, `socket_flag` and `verbs`.
class Parser {
  public:
    Parser(Command& cmd, std::string& socket_flag) : cmd_(cmd), socket_flag_(socket_flag) {
        app_.require_subcommand(1);
        app_.fallthrough();  // global options (--socket) are accepted after the verb too
        app_.set_version_flag("--version", DOMUS_VERSION);
        app_.add_option("--socket", socket_flag_,
                        "domusd's Unix socket (default: $DOMUS_SOCKET, else " +
                            std::string(kDefaultSocket) + ")");
        add_tcp_options(app_);
        app_.failure_message([](const CLI::App*, const CLI::Error& e) {
            return "domus: error: " + std::string(e.what()) + " (see domus --help)\n";
        });
        add_local_verbs();
        add_domain_verbs();
        // After the verbs: CLI11 copies a footer into subcommands added later.
        app_.footer("Exit status: 0 success, 1 error (one line on stderr); run has its own.");
    }

    CLI::App& app() { return app_; }

    std::optional<Verb> parsed_verb() const {
        for (const auto& [sub, verb] : verbs_) {
            if (sub->parsed()) return verb;
        }
        return std::nullopt;
    }

  private:
    void add_tcp_options(CLI::App& app) {
        app.add_option("--url", cmd_.url,
                       "domusd's HTTPS listener, https://HOST:PORT, instead of the socket "
                       "(default: $DOMUS_URL)");
        app.add_option("--cacert", cmd_.cacert,
                       "CA file to verify its certificate with, e.g. domusd's "
                       "<state-dir>/tls/cert.pem (default: $DOMUS_CACERT, else the system's)");
        app.add_option("--token-file", cmd_.token_file,
                       "File holding the bearer token, domusd's <state-dir>/api.token "
                       "(default: $DOMUS_TOKEN_FILE)");
    }

    CLI::App* verb(Verb v, const char* name, const char* description, bool daemon = true) {
        auto* sub = app_.add_subcommand(name, description);
        if (daemon) {
            sub->add_flag("--json", cmd_.json, "Print the daemon's raw JSON response");
            sub->add_option("--socket", socket_flag_, "domusd's Unix socket");
            add_tcp_options(*sub);
        }
        verbs_.emplace_back(sub, v);
        return sub;
    }

    CLI::App* named_verb(Verb v, const char* name, const char* description) {
        auto* sub = verb(v, name, description);
        sub->add_option("name", cmd_.name, "Domain name")->required()->check(kDomainName);
        return sub;
    }

    void add_local_verbs() {
        auto& c = cmd_.run_config;
        auto* run = verb(Verb::run, "run",
                         "Boot a guest in the foreground and stream its console (embedded guest "
                         "by default)",
                         false);
        run->add_option("--kernel", c.kernel_path, "Guest kernel ELF (default: embedded guest)");
        run->add_option("--disk",
                        "Virtio-blk disk: a raw image PATH[,ro][,bps=N][,iops=N]; repeat for vda, "
                        "vdb, ...")
            ->expected(1)
            ->take_all()
            ->each([&c](const std::string& text) {
                auto disk = domus::vmm::parse_disk_option(text);
                if (!disk) throw CLI::ValidationError(disk.error().message);
                c.disks.push_back(std::move(*disk));
            });
        run->add_option(
               "--net",
               "Virtio-net NIC on a host TAP device: tap=NAME[,mac=MAC][,rx_bps=N][,tx_bps=N] "
               "(made when absent); repeat for eth0, eth1, ...")
            ->expected(1)
            ->take_all()
            ->each([&c](const std::string& text) {
                auto nic = domus::vmm::parse_nic_option(text);
                if (!nic) throw CLI::ValidationError(nic.error().message);
                c.nics.push_back(std::move(*nic));
            });
        run->add_option("--ramdisk", c.ramdisk_path,
                        "Initramfs: a newc cpio archive, gzip-compressed or not (at most half "
                        "of the guest's RAM uncompressed)");
        run->add_option("--exec", c.exec.program,
                        "Pack this static executable into an initramfs and run it as init; "
                        "every word after it is its argument (a name without a slash is "
                        "looked up in $PATH)");
        run->add_flag("--with-busybox", c.exec.with_busybox,
                      "With --exec: also pack the host's static /bin/busybox and its applet "
                      "links under /bin");
        run->add_option("--overlay", c.exec.overlay,
                        "With --exec: also pack this directory's tree at / (regular files, "
                        "directories, symlinks)");
        run->add_option("--memory", c.memory_mib, "Guest RAM in MiB")->capture_default_str();
        run->add_option("--vcpus", c.vcpus, "Number of vCPUs")->capture_default_str();
        run->add_option("--cmdline", c.cmdline,
                        "Guest command line (embedded guest: hello | selftest | bench)");
        run->add_option("--console", c.console_path, "Write the console to FILE, not stdout");
        run->footer(
            "Exit status: 0 guest powered off, 1 error, 2 guest crash, 3 triple fault or vCPU "
            "failure,\n4 guest asked to reboot, 130/143 torn down by SIGINT/SIGTERM.\n"
            "With --ramdisk or --exec: the program's exit status (128 + N when signal N killed "
            "it),\n125 when Domus itself failed, 127 init not found, 126 init cannot run.\n"
            "Example: domus run --with-busybox --exec busybox sh -c 'echo hi; ls /bin | wc -l'");

        auto* info = verb(Verb::info, "info",
                          "Show the host's hypervisor backend and capabilities (and domusd's "
                          "view of the host when it answers)",
                          false);
        info->add_flag("--json", cmd_.json, "Print JSON");
        info->add_option("--socket", socket_flag_, "domusd's Unix socket");
        verb(Verb::version, "version", "Print the Domus version and guest ABI version", false);
    }

    void add_domain_verbs() {
        auto* create = verb(Verb::create, "create",
                            "Create a domain from a config file (xl.cfg or JSON) and start it");
        create->add_option("file", cmd_.file, "Config file, or - for standard input")->required();
        auto* no_start = create->add_flag("-n,--no-start", cmd_.no_start,
                                          "Only define the domain; do not start it");
        create->add_flag("-c,--console", cmd_.attach, "Attach to its console once started")
            ->excludes(no_start);

        auto* list = verb(Verb::list, "list", "List domains (like xl list), Domain-0 first");
        list->add_option("name", cmd_.name, "Only this domain")->check(kDomainName);
        list->add_flag("-l,--long", cmd_.long_list, "Also the credit weight, cap and CPUs");

        named_verb(Verb::start, "start", "Start a stopped or crashed domain");
        named_verb(Verb::pause, "pause", "Pause a running domain");
        named_verb(Verb::unpause, "unpause", "Unpause a paused domain");
        auto* shutdown = named_verb(Verb::shutdown, "shutdown",
                                    "Ask a domain to shut down (destroyed after the timeout)");
        shutdown->add_option("--timeout", cmd_.timeout_s,
                             "Seconds before it is destroyed (daemon default: 30)");
        shutdown->add_flag("-w,--wait", cmd_.wait, "Wait until it has stopped");
        named_verb(Verb::reboot, "reboot", "Ask a domain to reboot");
        named_verb(Verb::destroy, "destroy", "Stop a domain at once (like pulling the plug)");
        named_verb(Verb::remove, "delete", "Remove a stopped or crashed domain's definition");
        auto* console =
            named_verb(Verb::console, "console", "Attach to a domain's console (Ctrl-] detaches)");
        console->footer("Standard input goes to the guest; at its end, domus detaches.");
        named_verb(Verb::config, "config", "Print a domain's configuration as xl.cfg");
        auto* dump = named_verb(Verb::dump_core, "dump-core",
                                "Write a domain's memory and vCPU registers to an ELF core file "
                                "(like xl dump-core; gdb opens it)");
        dump->add_option("file", cmd_.file, "The core file to write (replaced when it exists)")
            ->required();
        dump->footer(
            "A running or paused domain is paused while its memory is copied; a domain kept by "
            "on_crash/on_poweroff/on_reboot = preserve is dumped as it ended. The file gets mode "
            "0600. Open it with: gdb -ex 'core-file FILE' (or gdb KERNEL FILE for symbols).");
        named_verb(Verb::network_list, "network-list",
                   "List a domain's network interfaces: MAC, IP, TAP, bridge, counters");

        auto* sched = verb(Verb::sched_credit, "sched-credit",
                           "Show or set a domain's credit-scheduler weight and cap (like xl "
                           "sched-credit; the monitor's cgroup)");
        sched->add_option("name", cmd_.name, "Domain (default: every domain)")->check(kDomainName);
        sched->add_option("-w,--weight", cmd_.weight, "Weight, 1..65535 (xl's default 256)")
            ->check(CLI::Range(1, 65535));
        sched->add_option("-c,--cap", cmd_.cap, "Cap in percent of one CPU, 0 = none")
            ->check(CLI::Range(0, 6400));
        sched->footer("Without -w and -c it prints Name, ID, Weight and Cap.");
        auto* pin = named_verb(Verb::vcpu_pin, "vcpu-pin",
                               "Pin a running domain's vCPU thread to host CPUs (like xl "
                               "vcpu-pin; not kept across a restart)");
        pin->add_option("vcpu", cmd_.vcpu, "vCPU number, or all")->required();
        pin->add_option("cpus", cmd_.cpus, "Host CPUs in xl's syntax: 1, 0-1, all, 0-3,^2")
            ->required();

        auto* disk_create = verb(Verb::disk_create, "disk-create",
                                 "Make an ext2 disk image in domusd's first image dir");
        disk_create
            ->add_option("name", cmd_.name, "File name: A-Z a-z 0-9 _ . - (not starting with .)")
            ->required();
        disk_create->add_option("size", cmd_.image_size, "Size: bytes, or with K, M, G or T")
            ->required();
        disk_create->add_option("--from-dir", cmd_.from_dir,
                                "Copy this directory's tree into it (a directory inside the image "
                                "dirs; relative to the first)");
        verb(Verb::disk_list, "disk-list", "List the disk images and the domains using them");

        auto* events =
            verb(Verb::events, "events", "Print lifecycle events: <time> <domain> <type> <detail>");
        events->add_flag("-f,--follow", cmd_.follow, "Keep printing new events as they happen");
        events->add_option("--after", cmd_.after, "Only events with an id above ID");
    }

    Command& cmd_;
    std::string& socket_flag_;
    CLI::App app_{"Domus: a Xen-style virtualization platform on Linux KVM", "domus"};
    std::vector<std::pair<CLI::App*, Verb>> verbs_;
};

template <typename Parse>
ParseOutcome parse_with(Parse&& parse, const char* env_socket) {
    Command cmd;
    std::string socket_flag;
    Parser parser(cmd, socket_flag);
    try {
        parse(parser.app());
    } catch (const CLI::ParseError& e) {
        // `domus frobnicate`: CLI11 would only say a subcommand is required.
        const auto extra = parser.app().remaining();
        if (!parser.parsed_verb() && !extra.empty() && e.get_exit_code() != 0) {
            std::fprintf(stderr, "domus: error: unknown verb '%s' (see domus --help)\n",
                         extra.front().c_str());
            return {std::nullopt, 1};
        }
        return {std::nullopt, parser.app().exit(e) == 0 ? 0 : 1};
    }
    auto verb = parser.parsed_verb();
    if (!verb) return {std::nullopt, 1};
    cmd.verb = *verb;
    cmd.socket = resolve_socket(socket_flag, env_socket);
    return {std::move(cmd), 0};
}

}  // namespace

ParseOutcome parse_command_line(int argc, const char* const* argv, const char* env_socket) {
    return parse_command_line(std::vector<std::string>(argv, argv + argc), env_socket);
}

ParseOutcome parse_command_line(const std::vector<std::string>& args, const char* env_socket) {
    ExecSplit split = split_exec_args(args);
    auto outcome = parse_with(
        [&](CLI::App& app) {
            std::vector<std::string> reversed(split.options.rbegin(), split.options.rend());
            if (!reversed.empty()) reversed.pop_back();  // argv[0]
            app.parse(reversed);
        },
        env_socket);
    if (outcome.command && outcome.command->verb == Verb::run) {
        outcome.command->run_config.exec.args = std::move(split.program_args);
    }
    return outcome;
}

}  // namespace domus::cli
