// `domus-vmm`: the monitor of one domain, started by domusd (see monitor.hpp).
#include <fcntl.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <cstdio>
#include <string>

#include "telemetry/log_line.hpp"
#include "vmm/monitor.hpp"

namespace {

// fds 0-2 must exist before anything else is opened, or a socket could become "stdout".
void ensure_std_fds() {
    for (int fd = 0; fd <= 2; ++fd) {
        if (::fcntl(fd, F_GETFD) < 0) {
            const int null = ::open("/dev/null", fd == 0 ? O_RDONLY : O_WRONLY);
            if (null >= 0 && null != fd) {
                ::dup2(null, fd);
                ::close(null);
            }
        }
    }
}

}  // namespace

#if defined(__SANITIZE_ADDRESS__)
// LeakSanitizer's end-of-process check stops the world with ptrace from a cloned tracer and
// reads /proc/self: none of that exists for a confined monitor (jail, seccomp), so sanitizer
// builds of domus-vmm do not leak-check it (ASan and UBSan stay on).
extern "C" const char* __lsan_default_options() {
    return "detect_leaks=0";
}
#endif

int main(int argc, char** argv) {
    ensure_std_fds();
    domus::telemetry::set_log_context({"domus-vmm", "", -1});
    CLI::App app{"domus-vmm: the monitor process of one Domus domain (started by domusd)"};
    domus::vmm::MonitorOptions options;
    auto& c = options.config;
    app.add_option("--name", c.name, "Domain name")->required();
    app.add_option("--id", c.domain_id, "Domain id (> 0): names the files in the run directory")
        ->required();
    app.add_option("--memory", c.memory_mib, "Guest RAM in MiB")->capture_default_str();
    app.add_option("--vcpus", c.vcpus, "Number of vCPUs")->capture_default_str();
    app.add_option("--kernel", c.kernel_path, "Guest kernel ELF (default: embedded guest)");
    app.add_option("--disk",
                   "Virtio-blk disk: a raw image PATH[,ro][,bps=N][,iops=N]; repeat for vda, "
                   "vdb, ...")
        ->expected(1)
        ->take_all()
        ->each([&c](const std::string& text) {
            auto disk = domus::vmm::parse_disk_option(text);
            if (!disk) throw CLI::ValidationError(disk.error().message);
            c.disks.push_back(std::move(*disk));
        });
    app.add_option("--net",
                   "Virtio-net NIC on a host TAP device: tap=NAME[,mac=MAC][,rx_bps=N][,tx_bps=N] "
                   "(made when absent); repeat for eth0, eth1, ...")
        ->expected(1)
        ->take_all()
        ->each([&c](const std::string& text) {
            auto nic = domus::vmm::parse_nic_option(text);
            if (!nic) throw CLI::ValidationError(nic.error().message);
            c.nics.push_back(std::move(*nic));
        });
    app.add_option("--ramdisk", c.ramdisk_path,
                   "Initramfs: a newc cpio archive, gzip-compressed or not (default: none)");
    app.add_option("--cmdline", c.cmdline, "Guest command line");
    app.add_option("--exec", c.exec.program,
                   "Pack this static executable into an initramfs and run it as init (as "
                   "`domus run --exec`; no --ramdisk)");
    app.add_option("--exec-arg", c.exec.args, "An argument of the --exec program; repeat in order")
        ->take_all()
        ->allow_extra_args(false)
        ->expected(1);
    app.add_flag("--with-busybox", c.exec.with_busybox,
                 "With --exec: also pack /bin/busybox and its applet links under /bin");
    app.add_option("--overlay", c.exec.overlay,
                   "With --exec: also pack this directory's tree at /");
    app.add_option("--run-dir", options.run_dir,
                   "Directory for <id>.ctl, <id>.console.log and <id>.exit")
        ->required();
    app.add_flag("!--no-confine", options.confine,
                 "Do not jail the monitor nor load its seccomp filter (debugging only)");
#if defined(__SANITIZE_THREAD__)
    app.add_flag("--confine", options.confine,
                 "Confine (off by default in ThreadSanitizer builds)");
#endif
    app.add_option("--preserve",
                   "Keep the domain (memory, stopped vCPUs, control socket) when the guest ends "
                   "this way: crash | poweroff | reboot; repeat for several")
        ->expected(1)
        ->take_all()
        ->each([&options](const std::string& text) {
            if (auto st = domus::vmm::add_preserve_option(options.preserve, text); !st) {
                throw CLI::ValidationError(st.error().message);
            }
        });
    std::string user;
    auto* user_opt = app.add_option(
        "--user", user, "Run the domain as UID:GID (after opening /dev/kvm, images and TAPs)");
    app.add_option("--console-log-max-bytes", options.console_log_max_bytes,
                   "Rotate <id>.console.log to <id>.console.log.1 past this size (0: never)")
        ->capture_default_str();
    std::string log_format = "text";
    app.add_option("--log-format", log_format,
                   "text (default) or json: one JSON object per line on stderr, with the "
                   "domain's name and id")
        ->check(CLI::IsMember({"text", "json"}));
    app.footer(
        "Prints one line on stdout, then closes it: {\"ok\":true,\"pid\":N} once the domain runs,\n"
        "or {\"ok\":false,\"error\":\"...\"} and exit status 1. Control: newline-delimited JSON "
        "on\n"
        "<run-dir>/<id>.ctl. Exit status as `domus run`.");
    try {
        app.parse(argc, argv);
    } catch (const CLI::CallForHelp& e) {
        return app.exit(e);
    } catch (const CLI::CallForAllHelp& e) {
        return app.exit(e);
    } catch (const CLI::ParseError& e) {
        return domus::vmm::monitor_startup_failure(e.what());
    }
    domus::telemetry::set_log_format(*domus::telemetry::log_format_from_string(log_format));
    domus::telemetry::set_log_context({"domus-vmm", c.name, static_cast<int64_t>(c.domain_id)});
    if (c.domain_id == 0) return domus::vmm::monitor_startup_failure("--id 0 is Domain-0's");
    if (user_opt->count() > 0) {
        auto parsed = domus::vmm::parse_jail_user(user);
        if (!parsed) return domus::vmm::monitor_startup_failure(parsed.error().message);
        if (!options.confine) {
            return domus::vmm::monitor_startup_failure(
                "--user needs confinement (no --no-confine)");
        }
        options.user = *parsed;
    }
    return domus::vmm::run_monitor(options);
}
