#include "vmm/monitor.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <vector>

#include "base/fd.hpp"
#include "boot/elf_loader.hpp"
#include "telemetry/log_line.hpp"
#include "vmm/control_server.hpp"
#include "vmm/embedded_guest.hpp"
#include "vmm/exit_file.hpp"
#include "vmm/jail.hpp"
#include "vmm/process_setup.hpp"
#include "vmm/run_domain.hpp"
#include "vmm/seccomp_filter.hpp"
#include "vmm/unix_socket.hpp"
#include "vmm/vm_builder.hpp"

namespace domus::vmm {

namespace {

std::string errno_text() {
    return std::strerror(errno);
}

// Removes a file (the control socket, the exit record's tmp file) on every way out of start-up.
class FileGuard {
  public:
    explicit FileGuard(std::string path) : path_(std::move(path)) {}
    ~FileGuard() { remove(); }
    FileGuard(const FileGuard&) = delete;
    FileGuard& operator=(const FileGuard&) = delete;
    // The same file seen from inside the jail.
    void set_path(std::string path) { path_ = std::move(path); }
    void release() { path_.clear(); }
    // Once: a later monitor of the same domain may already own the path after we are done.
    void remove() {
        if (!path_.empty()) ::unlink(path_.c_str());
        path_.clear();
    }

  private:
    std::string path_;
};

void write_stdout(const std::string& line) {
    size_t off = 0;
    while (off < line.size()) {
        const ssize_t n = ::write(STDOUT_FILENO, line.data() + off, line.size() - off);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return;  // nobody listens any more: the monitor runs on regardless
        off += static_cast<size_t>(n);
    }
}

// The handshake is the only thing ever written to stdout; afterwards fd 1 is /dev/null
// (opened before the jail), so a daemon that went away cannot make a later write fail or raise
// SIGPIPE.
void close_stdout(const Fd& null) {
    if (null.valid()) ::dup2(null.get(), STDOUT_FILENO);
}

// SIGINT/SIGTERM through a signalfd, blocked before any vCPU thread exists so that every
// thread inherits the mask. SIGPIPE and SIGHUP are ignored: the monitor outlives its starter.
// A test build (DOMUS_VMM_TEST_HOOKS) also takes SIGUSR2: make a forbidden system call.
Result<Fd> setup_signals() {
    ::signal(SIGPIPE, SIG_IGN);
    ::signal(SIGHUP, SIG_IGN);
#ifdef DOMUS_VMM_TEST_HOOKS
    return signal_fd_for({SIGINT, SIGTERM, SIGUSR2}, SFD_NONBLOCK);
#else
    return signal_fd_for({SIGINT, SIGTERM}, SFD_NONBLOCK);
#endif
}

Status check_run_dir(const std::string& dir) {
    struct stat st {};
    if (dir.empty() || ::stat(dir.c_str(), &st) != 0) {
        return make_error(Errc::not_found, "run directory '" + dir + "': " + errno_text());
    }
    if (!S_ISDIR(st.st_mode)) {
        return make_error(Errc::invalid_argument, "run directory '" + dir + "' is not a directory");
    }
    return {};
}

Status add_to_epoll(int epfd, int fd) {
    epoll_event ev{};
    ev.events = EPOLLIN;
    ev.data.fd = fd;
    if (::epoll_ctl(epfd, EPOLL_CTL_ADD, fd, &ev) != 0) {
        return make_error(Errc::resource, "epoll_ctl: " + errno_text());
    }
    return {};
}

// The guest ended in a way the options preserve: its vCPU threads end (their registers stay in
// the vCPUs), the domain's memory stays, and the control server reports it preserved.
void preserve_domain(int epfd, Domain& domain, ControlServer& server, const std::string& state) {
    domain.stop();  // the outcome is already recorded: this only makes sure every vCPU leaves
    domain.join();
    ::epoll_ctl(epfd, EPOLL_CTL_DEL, domain.outcome_fd(), nullptr);  // stays readable
    const Outcome outcome = domain.outcome();
    server.preserve(state, ExitInfo{reason_name(outcome.reason), outcome.code, outcome.detail});
    telemetry::log(telemetry::Level::info, std::string("ended: ") + reason_name(outcome.reason) +
                                               " (code " + std::to_string(outcome.code) + ") " +
                                               outcome.detail + "; preserved: " + state +
                                               ", vCPUs stopped, memory kept until destroyed");
}

// Serves the control socket until a signal (returns its number), the domain's outcome (unless
// preserved), or a destroy request (both return 0).
int event_loop(int epfd, int sigfd, Domain& domain, ControlServer& server,
               const PreserveOn& preserve) {
    epoll_event events[16];
    for (;;) {
        const int n = ::epoll_wait(epfd, events, 16, -1);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) {
            telemetry::log(telemetry::Level::error,
                           "epoll_wait: " + errno_text() + "; destroying the domain");
            return 0;
        }
        for (int i = 0; i < n; ++i) {
            const int fd = events[i].data.fd;
            if (fd == sigfd) {
                signalfd_siginfo si{};
                if (::read(sigfd, &si, sizeof si) != sizeof si) continue;
#ifdef DOMUS_VMM_TEST_HOOKS
                if (si.ssi_signo == SIGUSR2) {
                    // What no monitor does: run a program. Fails with ENOENT unconfined.
                    char* const argv[] = {nullptr};
                    ::execve("/nonexistent-domus-test-hook", argv, argv);
                    telemetry::log(telemetry::Level::error,
                                   "test hook: execve returned: " + errno_text());
                    continue;
                }
#endif
                return static_cast<int>(si.ssi_signo);
            } else if (fd == domain.outcome_fd()) {
                const std::string state = preserved_state(preserve, domain.outcome().reason);
                if (state.empty()) return 0;
                preserve_domain(epfd, domain, server, state);
            } else if (server.owns(fd)) {
                server.on_event(fd, events[i].events);
            }
        }
        if (server.destroy_requested()) return 0;
    }
}

ExitInfo exit_info_of(const Outcome& outcome, int signo, bool destroy_requested, bool preserved) {
    ExitInfo info{reason_name(outcome.reason), outcome.code, outcome.detail};
    if (preserved) {
        info.detail += info.detail.empty() ? "" : "; ";
        info.detail += "preserved, then released by ";
        info.detail += signo == SIGINT    ? "SIGINT"
                       : signo == SIGTERM ? "SIGTERM"
                                          : "a destroy request";
        return info;
    }
    if (outcome.reason == StopReason::destroyed) {
        info.code = 0;
        if (signo != 0) {
            info.detail = std::string("destroyed by ") + (signo == SIGINT ? "SIGINT" : "SIGTERM");
        } else if (destroy_requested) {
            info.detail = "destroyed by a destroy request";
        }
    }
    return info;
}

int exit_status_of(const Outcome& outcome, int signo) {
    if (outcome.reason != StopReason::destroyed) return exit_code_for(outcome);
    return signo == SIGINT ? kExitSigint : kExitSigterm;
}

}  // namespace

std::string preserved_state(const PreserveOn& preserve, StopReason reason) {
    switch (reason) {
        case StopReason::crash:
        case StopReason::triple_fault:
        case StopReason::vcpu_error:
            return preserve.crash ? "crashed" : "";
        case StopReason::poweroff:
        case StopReason::exit:
            return preserve.poweroff ? "stopped" : "";
        case StopReason::reboot:
            return preserve.reboot ? "stopped" : "";
        case StopReason::running:
        case StopReason::destroyed:
            break;
    }
    return "";
}

Status add_preserve_option(PreserveOn& preserve, std::string_view value) {
    if (value == "crash") {
        preserve.crash = true;
    } else if (value == "poweroff") {
        preserve.poweroff = true;
    } else if (value == "reboot") {
        preserve.reboot = true;
    } else {
        return make_error(Errc::invalid_argument, "--preserve '" + std::string(value) +
                                                      "': expected crash, poweroff or reboot");
    }
    return {};
}

MonitorPaths monitor_paths(const std::string& run_dir, uint32_t domain_id) {
    std::string base = run_dir;
    if (!base.empty() && base.back() != '/') base += '/';
    base += std::to_string(domain_id);
    return MonitorPaths{base + ".ctl", base + ".console.log", base + ".exit"};
}

int monitor_startup_failure(const std::string& message) {
    telemetry::log(telemetry::Level::error, message);
    write_stdout(format_handshake_error(message));
    return kExitError;
}

int run_monitor(const MonitorOptions& options) {
    const VmConfig& config = options.config;
    auto sigfd = setup_signals();
    if (!sigfd) return monitor_startup_failure(sigfd.error().message);
    if (auto st = check_run_dir(options.run_dir); !st) {
        return monitor_startup_failure(st.error().message);
    }
    MonitorPaths paths = monitor_paths(options.run_dir, config.domain_id);
    ::unlink(paths.exit_file.c_str());  // from an earlier run: it must not describe this one
    Fd exit_tmp(
        ::open((paths.exit_file + ".tmp").c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644));
    if (!exit_tmp.valid()) {
        return monitor_startup_failure("cannot create " + paths.exit_file +
                                       ".tmp: " + errno_text());
    }
    FileGuard exit_tmp_file(paths.exit_file + ".tmp");
    Fd null(::open("/dev/null", O_WRONLY | O_CLOEXEC));

    auto kernel_image = KernelImage::load(config.kernel_path);
    if (!kernel_image) return monitor_startup_failure(kernel_image.error().message);
    const std::span<const uint8_t> kernel = kernel_image->bytes();
    Fd console_log(
        ::open(paths.console_log.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640));
    if (!console_log.valid()) {
        return monitor_startup_failure("cannot open console log " + paths.console_log + ": " +
                                       errno_text());
    }
    auto listener = unix_listen(paths.ctl);
    if (!listener) return monitor_startup_failure(listener.error().message);
    FileGuard socket_file(paths.ctl);

    auto domain = build_domain(config, kernel, console_log.get());
    if (!domain) return monitor_startup_failure(domain.error().message);
    if (auto st =
            (*domain)->set_console_log_rotation(paths.console_log, options.console_log_max_bytes);
        !st) {
        return monitor_startup_failure(st.error().message);
    }
    Fd epfd(::epoll_create1(EPOLL_CLOEXEC));
    if (!epfd.valid()) return monitor_startup_failure("epoll_create1: " + errno_text());
    ControlServer server(**domain, std::move(*listener), epfd.get(), config.memory_mib);
    if (auto st = server.start(); !st) return monitor_startup_failure(st.error().message);
    if (auto st = add_to_epoll(epfd.get(), sigfd->get()); !st) {
        return monitor_startup_failure(st.error().message);
    }
    if (auto st = add_to_epoll(epfd.get(), (*domain)->outcome_fd()); !st) {
        return monitor_startup_failure(st.error().message);
    }
    if (options.confine) {
        // From here on the monitor sees only its run directory, as "/".
        char* real = ::realpath(options.run_dir.c_str(), nullptr);
        const std::string jail_dir = real != nullptr ? real : options.run_dir;
        std::free(real);
        if (auto st = enter_jail(jail_dir, options.user); !st) {
            return monitor_startup_failure(st.error().message);
        }
        paths = monitor_paths("/", config.domain_id);
        socket_file.set_path(paths.ctl);
        (void)(*domain)->set_console_log_path(paths.console_log);
        exit_tmp_file.set_path(paths.exit_file + ".tmp");
        set_seccomp_exit_record(exit_tmp.get(), paths.exit_file + ".tmp", paths.exit_file);
        if (telemetry::log_format() == telemetry::LogFormat::json) {
            set_seccomp_log_json_prefix(
                telemetry::json_line_prefix(telemetry::Level::error, telemetry::log_context()));
        }
        if (auto st = install_seccomp_filter(); !st) {
            return monitor_startup_failure(st.error().message);
        }
    }
    if (auto st = (*domain)->start(); !st) return monitor_startup_failure(st.error().message);

    exit_tmp_file.release();  // from now on renamed to the exit record at the end
    write_stdout(format_handshake_ok(::getpid()));
    close_stdout(null);
    telemetry::log(telemetry::Level::info,
                   "running, pid " + std::to_string(::getpid()) + ", control socket " +
                       monitor_paths(options.run_dir, config.domain_id).ctl +
                       (options.confine ? " (confined: jail, no capabilities, seccomp)" : ""));

    const int signo = event_loop(epfd.get(), sigfd->get(), **domain, server, options.preserve);
    (*domain)->stop();
    (*domain)->join();
    server.close_all();  // after join: no vCPU writes to a client fd any more
    const Outcome outcome = (*domain)->outcome();
    const ExitInfo info =
        exit_info_of(outcome, signo, server.destroy_requested(), server.preserved());
    telemetry::log(
        info.reason == "crash" || info.reason == "seccomp" ? telemetry::Level::warn
                                                           : telemetry::Level::info,
        "ended: " + info.reason + " (code " + std::to_string(info.code) + ") " + info.detail);
    domain->reset();
    socket_file.remove();
    Status written = write_exit_file(exit_tmp.get(), paths.exit_file, info);
    disarm_seccomp_exit_record();  // the record is final: a later violation is only logged
    if (auto st = written; !st) {
        telemetry::log(telemetry::Level::error, st.error().message);
    }
    return exit_status_of(outcome, signo);
}

}  // namespace domus::vmm
