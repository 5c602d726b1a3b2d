// `domus`: the command line. `run` boots a guest in the foreground without a daemon.
#include <CLI/CLI.hpp>
#include <cstdio>
#include <string>

#include "cli/info.hpp"
#include "vmm/run_domain.hpp"

int main(int argc, char** argv) {
    CLI::App app{"Domus: a Xen-style virtualization platform on Linux KVM"};
    app.require_subcommand(1);
    app.set_version_flag("--version", DOMUS_VERSION);

    domus::vmm::VmConfig config;
    auto* run = app.add_subcommand(
        "run", "Boot a guest in the foreground and stream its console (embedded guest by default)");
    run->add_option("--kernel", config.kernel_path, "Guest kernel ELF (default: embedded guest)");
    run->add_option("--memory", config.memory_mib, "Guest RAM in MiB")->capture_default_str();
    run->add_option("--vcpus", config.vcpus, "Number of vCPUs")->capture_default_str();
    run->add_option("--cmdline", config.cmdline,
                    "Guest command line (embedded guest: hello | selftest | bench)");
    run->add_option("--console", config.console_path, "Write the console to FILE, not stdout");
    run->footer(
        "Exit status: 0 guest powered off, 1 error, 2 guest crash, 3 triple fault or vCPU "
        "failure,\n4 guest asked to reboot, 130/143 torn down by SIGINT/SIGTERM.");

    auto* info = app.add_subcommand("info", "Show the host's hypervisor backend and capabilities");
    bool info_json = false;
    info->add_flag("--json", info_json, "Print JSON");
    auto* version = app.add_subcommand("version", "Print the Domus version and guest ABI version");

    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
        return app.exit(e);
    }

    if (run->parsed()) return domus::vmm::run_domain(config);
    if (info->parsed()) return domus::cli::print_info(info_json);
    if (version->parsed()) {
        domus::cli::print_version();
        return 0;
    }
    return 1;
}
