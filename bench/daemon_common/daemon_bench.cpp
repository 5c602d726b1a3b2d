#include "daemon_bench.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "bench_common.hpp"
#include "daemon_spawn.hpp"
#include "signal_cleanup.hpp"

namespace domus::bench {

namespace {

std::string read_text(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

}  // namespace

BenchDaemon::BenchDaemon(std::vector<std::string> extra_args, const std::string& parent)
    : extra_args_(std::move(extra_args)) {
    std::string tmpl = parent + "/domus-dbench-XXXXXX";
    if (::mkdtemp(tmpl.data()) != nullptr) dir_ = tmpl;
    cleanup_slot_ = register_cleanup(dir_);
    socket_ = dir_ + "/domusd.sock";
    state_dir_ = dir_ + "/state";
    log_path_ = dir_ + "/domusd.log";
}

BenchDaemon::~BenchDaemon() {
    terminate();
    if (dir_.empty()) return;
    for (int round = 0; round < 5; ++round) {
        const auto pids = test::monitors_under(dir_);
        if (pids.empty()) break;
        for (pid_t p : pids) ::kill(p, SIGKILL);
        ::usleep(50000);
    }
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
    unregister_cleanup(cleanup_slot_);
}

bool BenchDaemon::spawn() {
    if (dir_.empty() || pid_ > 0) return false;
    pid_ = test::spawn_domusd(DOMUSD_BIN, socket_, state_dir_, extra_args_, log_path_);
    set_cleanup_pid(cleanup_slot_, pid_);
    return pid_ > 0;
}

bool BenchDaemon::wait_ready(double timeout_s, unsigned sleep_us) {
    const uint64_t deadline = now_ns() + static_cast<uint64_t>(timeout_s * 1e9);
    while (pid_ > 0 && now_ns() < deadline) {
        if (request("GET", "/v1/host", "", 2000).status == 200) return true;
        if (::waitpid(pid_, nullptr, WNOHANG) == pid_) {
            pid_ = -1;
            set_cleanup_pid(cleanup_slot_, -1);
            return false;
        }
        if (sleep_us > 0) ::usleep(sleep_us);
    }
    return false;
}

void BenchDaemon::terminate() {
    if (pid_ <= 0) return;
    ::kill(pid_, SIGTERM);
    bool gone = false;
    for (int i = 0; i < 500 && !gone; ++i) {
        gone = ::waitpid(pid_, nullptr, WNOHANG) == pid_;
        if (!gone) ::usleep(i < 100 ? 1000 : 10000);
    }
    if (!gone) {
        ::kill(pid_, SIGKILL);
        ::waitpid(pid_, nullptr, 0);
    }
    set_cleanup_pid(cleanup_slot_, -1);
    pid_ = -1;
}

void BenchDaemon::kill9() {
    if (pid_ <= 0) return;
    ::kill(pid_, SIGKILL);
    ::waitpid(pid_, nullptr, 0);
    set_cleanup_pid(cleanup_slot_, -1);
    pid_ = -1;
}

test::HttpResponse BenchDaemon::request(const std::string& method, const std::string& path,
                                        const std::string& body, int timeout_ms) const {
    test::HttpTarget t;
    t.unix_path = socket_;
    return test::http_request(t, method, path, body, {}, timeout_ms);
}

std::string BenchDaemon::token() const {
    std::string t = read_text(state_dir_ + "/api.token");
    while (!t.empty() && (t.back() == '\n' || t.back() == '\r' || t.back() == ' ')) t.pop_back();
    return t;
}

std::string BenchDaemon::log() const {
    return read_text(log_path_);
}

ProcMemory proc_memory(pid_t pid) {
    ProcMemory m;
    std::istringstream in(read_text("/proc/" + std::to_string(pid) + "/status"));
    std::string line;
    while (std::getline(in, line)) {
        if (line.rfind("VmRSS:", 0) == 0) m.rss_kib = std::atol(line.c_str() + 6);
        if (line.rfind("VmHWM:", 0) == 0) m.hwm_kib = std::atol(line.c_str() + 6);
        if (line.rfind("RssShmem:", 0) == 0) m.shmem_kib = std::atol(line.c_str() + 9);
    }
    return m;
}

double proc_cpu_ms(pid_t pid) {
    const std::string stat = read_text("/proc/" + std::to_string(pid) + "/stat");
    const size_t comm_end = stat.rfind(')');  // the command name may hold spaces
    if (comm_end == std::string::npos) return -1;
    std::istringstream in(stat.substr(comm_end + 2));
    std::string field;
    unsigned long long utime = 0, stime = 0;
    // After the name: state is field 3; utime and stime are fields 14 and 15.
    for (int i = 3; i <= 15 && in >> field; ++i) {
        if (i == 14) utime = std::strtoull(field.c_str(), nullptr, 10);
        if (i == 15) stime = std::strtoull(field.c_str(), nullptr, 10);
    }
    if (!in) return -1;
    return static_cast<double>(utime + stime) * 1000.0 /
           static_cast<double>(::sysconf(_SC_CLK_TCK));
}

int free_tcp_port() {
    const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return -1;
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof addr;
    int port = -1;
    if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0 &&
        ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0) {
        port = ntohs(addr.sin_port);
    }
    ::close(fd);
    return port;
}

std::string domain_body(const std::string& name) {
    return R"({"name":")" + name + R"(","cmdline":"service","memory":16})";
}

}  // namespace domus::bench
