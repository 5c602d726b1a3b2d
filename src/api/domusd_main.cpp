// `domusd`: Domain 0's control daemon. Opens the Controller (state store, monitor supervisor),
// serves the HTTP API on a Unix socket (and optionally TCP) until SIGTERM/SIGINT, then stops
// accepting, closes connections and exits 0. Running domains keep running: their monitors are
// separate processes.
#include <fcntl.h>
#include <signal.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>
#include <CLI/CLI.hpp>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <string>

#include "api/api_token.hpp"
#include "api/daemon_config.hpp"
#include "api/http_server.hpp"
#include "api/listen_sockets.hpp"
#include "api/socket_group.hpp"
#include "api/tls_cert.hpp"
#include "control/controller_impl.hpp"
#include "telemetry/log_line.hpp"
#include "vmm/unix_socket.hpp"

namespace {

int g_signal_pipe = -1;

// The handler only wakes main() through a pipe. Nothing is blocked in the signal mask, so the
// monitors the Controller starts inherit a clean one.
void on_signal(int) {
    const int saved = errno;
    const char byte = 1;
    [[maybe_unused]] const ssize_t n = ::write(g_signal_pipe, &byte, 1);
    errno = saved;
}

bool install_signal_handlers(int& read_end) {
    int fds[2];
    if (::pipe2(fds, O_CLOEXEC | O_NONBLOCK) != 0) return false;
    read_end = fds[0];
    g_signal_pipe = fds[1];
    ::fcntl(read_end, F_SETFL, 0);  // main blocks on it
    struct sigaction sa {};
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = SA_RESTART;
    struct sigaction ignore {};
    ignore.sa_handler = SIG_IGN;
    return ::sigaction(SIGTERM, &sa, nullptr) == 0 && ::sigaction(SIGINT, &sa, nullptr) == 0 &&
           ::sigaction(SIGPIPE, &ignore, nullptr) == 0;
}

std::string default_vmm_path() {
    std::error_code ec;
    const auto self = std::filesystem::read_symlink("/proc/self/exe", ec);
    if (ec) return "domus-vmm";
    return (self.parent_path() / "domus-vmm").string();
}

// One daemon per state directory: an exclusive flock on <state-dir>/domusd.lock, held (fd
// close-on-exec, so monitors never inherit it) until the process exits.
bool lock_state_dir(const std::string& state_dir, std::string& error) {
    // Made 0700 by mkdir itself (never wider for a moment, whatever the umask); a missing
    // parent gets the default mode.
    std::error_code ec;
    std::string dir = state_dir;
    while (dir.size() > 1 && dir.back() == '/') dir.pop_back();
    const auto parent = std::filesystem::path(dir).parent_path();
    if (!parent.empty()) std::filesystem::create_directories(parent, ec);
    if (ec) {
        error = "cannot create " + parent.string() + ": " + ec.message();
        return false;
    }
    if (::mkdir(dir.c_str(), 0700) != 0 && errno != EEXIST) {
        error = "cannot create " + state_dir + ": " + std::strerror(errno);
        return false;
    }
    const std::string path = state_dir + "/domusd.lock";
    const int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (fd < 0) {
        error = "cannot open " + path + ": " + std::strerror(errno);
        return false;
    }
    if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
        error = errno == EWOULDBLOCK ? "another domusd is running on " + state_dir
                                     : "cannot lock " + path + ": " + std::strerror(errno);
        ::close(fd);
        return false;
    }
    return true;  // the descriptor stays open on purpose
}

int fail(const std::string& message) {
    domus::telemetry::log(domus::telemetry::Level::error, message);
    return 1;
}

}  // namespace

int main(int argc, char** argv) {
    CLI::App app{"domusd: the Domus control daemon (Domain 0's toolstack, HTTP API)"};
    app.set_version_flag("--version", DOMUS_VERSION);
    std::string socket, state_dir, listen, config_file, vmm, log_format;
    bool verbose = false;
    domus::telemetry::set_log_context({"domusd", "", -1});
    auto* o_socket =
        app.add_option("--socket", socket, "Unix socket (default /run/domus/domusd.sock)");
    auto* o_state =
        app.add_option("--state-dir", state_dir, "State directory (default /var/lib/domus)");
    auto* o_listen =
        app.add_option("--listen", listen, "Also serve HTTPS on ADDR:PORT (bearer token)");
    app.add_option("--config", config_file, "key = value file; flags override it")
        ->check(CLI::ExistingFile);
    auto* o_vmm = app.add_option("--vmm", vmm, "domus-vmm binary (default: next to domusd)");
    app.add_flag("--verbose", verbose, "Log one line per request to stderr");
    auto* o_log_format =
        app.add_option("--log-format", log_format,
                       "text (default) or json: one JSON object per line, for domusd and its "
                       "monitors")
            ->check(CLI::IsMember({"text", "json"}));
    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
        return app.exit(e);
    }

    domus::api::DaemonConfig cfg;
    if (!config_file.empty()) {
        if (auto st = domus::api::apply_config_file(config_file, cfg); !st) {
            domus::telemetry::log(domus::telemetry::Level::error, st.error().message);
            return 2;
        }
    }
    if (o_log_format->count())
        cfg.log_format = *domus::telemetry::log_format_from_string(log_format);
    domus::telemetry::set_log_format(cfg.log_format);
    if (o_socket->count()) cfg.socket = socket;
    if (o_state->count()) cfg.state_dir = state_dir;
    if (o_listen->count()) cfg.listen = listen;
    if (o_vmm->count()) cfg.vmm = vmm;
    if (verbose) cfg.server.verbose = true;
    if (cfg.vmm.empty()) cfg.vmm = default_vmm_path();

    int signal_fd = -1;
    if (!install_signal_handlers(signal_fd)) return fail("cannot install signal handlers");

    // Fail before the Controller adopts anything if another daemon already serves here.
    if (domus::vmm::unix_socket_answers(cfg.socket)) {
        return fail("another server is listening on " + cfg.socket);
    }
    if (std::string error; !lock_state_dir(cfg.state_dir, error)) return fail(error);
    gid_t socket_gid = static_cast<gid_t>(-1);
    if (!cfg.socket_group.empty()) {
        auto gid = domus::api::lookup_group(cfg.socket_group);
        if (!gid) return fail(gid.error().message);
        socket_gid = *gid;
    }

    domus::control::ControllerOptions copts;
    copts.state_dir = cfg.state_dir;
    copts.image_dirs = cfg.image_dirs;
    copts.vmm_path = cfg.vmm;
    copts.vmm_user = cfg.vmm_user;
    copts.vmm_uid_range = cfg.vmm_uid_range;
    copts.version = DOMUS_VERSION;
    copts.events_kept = cfg.events_kept;
    copts.stats_interval_ms = cfg.stats_interval_ms;
    copts.console_log_max_bytes = cfg.console_log_max_bytes;
    copts.network = cfg.network;
    copts.resources = cfg.resources;
    auto controller = domus::control::open_controller(copts);
    if (!controller) return fail(controller.error().message);

    domus::api::ServerOptions options = cfg.server;
    options.unix_socket = cfg.socket;
    options.tcp_listen = cfg.listen;
    if (!options.tcp_listen.empty()) {  // the token is made lazily: only TCP needs it
        auto token = domus::api::load_or_create_token(cfg.state_dir);
        if (!token) return fail(token.error().message);
        options.token = std::move(*token);
        // TCP speaks only HTTPS: the configured certificate, else the daemon's own.
        if (options.tls_cert.empty() != options.tls_key.empty()) {
            return fail("tls-cert and tls-key go together (got only " +
                        std::string(options.tls_cert.empty() ? "tls-key" : "tls-cert") + ")");
        }
        if (options.tls_cert.empty()) {
            auto address = domus::api::parse_listen_address(options.tcp_listen);
            if (!address) return fail(address.error().message);
            auto files = domus::api::load_or_create_tls_files(cfg.state_dir, address->host);
            if (!files) return fail(files.error().message);
            options.tls_cert = files->cert;
            options.tls_key = files->key;
        }
    }
    auto server = domus::api::HttpServer::start(**controller, options);
    if (!server) return fail(server.error().message);
    if (!cfg.socket_group.empty()) {
        if (auto st = domus::api::set_socket_group(cfg.socket, socket_gid); !st) {
            (*server)->stop();
            return fail(st.error().message);
        }
    }
    if (options.verbose) {
        std::string where = options.unix_socket;
        if (!options.tcp_listen.empty()) {
            where += " and TCP port " + std::to_string((*server)->tcp_port());
        }
        domus::telemetry::log(domus::telemetry::Level::info, "serving on " + where);
    }

    char byte = 0;
    while (::read(signal_fd, &byte, 1) < 0 && errno == EINTR) {
    }
    (*server)->stop();  // then the server, then the Controller, are destroyed
    return 0;
}
