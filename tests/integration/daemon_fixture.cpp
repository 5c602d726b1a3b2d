#include "daemon_fixture.hpp"

#include <limits.h>
#include <sched.h>
#include <signal.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

namespace domus::test {

namespace {

#ifdef DOMUSD_BIN
const char* kDomusd = DOMUSD_BIN;
#else
const char* kDomusd = "";
#endif

double now_s() {
    timespec ts{};
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) / 1e9;
}

// The daemon's cgroup subtree name for its state dir (as src/control/controller_resources.cpp
// makes it: FNV-1a of the resolved path).
std::string cgroup_instance(const std::string& state_dir) {
    char resolved[PATH_MAX];
    const std::string dir = ::realpath(state_dir.c_str(), resolved) ? resolved : state_dir;
    uint64_t h = 0xcbf29ce484222325ull;
    for (unsigned char c : dir) {
        h ^= c;
        h *= 0x100000001b3ull;
    }
    char out[24];
    std::snprintf(out, sizeof out, "d%016llx", static_cast<unsigned long long>(h));
    return out;
}

// Removes the (empty) cgroups the daemon made for its domains, under every controller: the
// monitors the fixture killed after the daemon stopped leave theirs behind.
void remove_cgroups(const std::string& instance) {
    std::error_code ec;
    for (const auto& mount : std::filesystem::directory_iterator("/sys/fs/cgroup", ec)) {
        const auto subtree = mount.path() / "domus" / instance;
        if (!std::filesystem::is_directory(subtree, ec)) continue;
        for (const auto& domain : std::filesystem::directory_iterator(subtree, ec)) {
            if (domain.is_directory(ec)) ::rmdir(domain.path().c_str());
        }
        ::rmdir(subtree.c_str());
    }
}

}  // namespace

bool daemon_binaries_built() {
    return kDomusd[0] != '\0' && ::access(kDomusd, X_OK) == 0;
}

Daemon::Daemon(std::vector<std::string> extra_args) : extra_args_(std::move(extra_args)) {
    char tmpl[] = "/tmp/domusd-test-XXXXXX";
    dir_ = ::mkdtemp(tmpl);
    socket_ = dir_ + "/domusd.sock";
    state_dir_ = dir_ + "/state";
    log_path_ = dir_ + "/domusd.log";
}

Daemon::~Daemon() {
    if (pid_ > 0) terminate();
    for (int round = 0; round < 3; ++round) {
        auto pids = monitors_under(dir_);
        if (pids.empty()) break;
        for (pid_t p : pids) ::kill(p, SIGKILL);
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    remove_cgroups(cgroup_instance(state_dir_));
    if (netns_holder_ > 0) {  // the namespace, with every interface in it, goes with it
        ::kill(netns_holder_, SIGKILL);
        ::waitpid(netns_holder_, nullptr, 0);
    }
    std::string cmd = "rm -rf '" + dir_ + "'";
    (void)!std::system(cmd.c_str());
}

bool Daemon::use_private_netns(std::string& why) {
    if (::access("/dev/net/tun", R_OK | W_OK) != 0) {
        why = "/dev/net/tun is not available";
        return false;
    }
    int ready[2];
    if (::pipe(ready) != 0) {
        why = "pipe failed";
        return false;
    }
    const pid_t child = ::fork();
    if (child == 0) {
        ::close(ready[0]);
        const char ok = ::unshare(CLONE_NEWNET) == 0 ? '1' : '0';
        (void)!::write(ready[1], &ok, 1);
        ::close(ready[1]);
        while (true) ::pause();
    }
    ::close(ready[1]);
    char ok = '0';
    const bool got = child > 0 && ::read(ready[0], &ok, 1) == 1;
    ::close(ready[0]);
    if (!got || ok != '1') {
        if (child > 0) {
            ::kill(child, SIGKILL);
            ::waitpid(child, nullptr, 0);
        }
        why = "cannot create a network namespace (unshare CLONE_NEWNET needs root)";
        return false;
    }
    netns_holder_ = child;
    return true;
}

ProcessResult Daemon::in_netns(const std::vector<std::string>& argv) const {
    std::vector<std::string> full{"/usr/bin/nsenter",
                                  "--net=/proc/" + std::to_string(netns_holder_) + "/ns/net", "--"};
    full.insert(full.end(), argv.begin(), argv.end());
    return run_process(full, timeout_after(20));
}

bool Daemon::start() {
    if (!daemon_binaries_built()) return false;
    std::vector<std::string> wrapper;
    if (netns_holder_ > 0) {
        wrapper = {"/usr/bin/nsenter", "--net=/proc/" + std::to_string(netns_holder_) + "/ns/net",
                   "--"};
    }
    pid_ = spawn_domusd(kDomusd, socket_, state_dir_, extra_args_, log_path_, wrapper);
    if (pid_ < 0) return false;
    const double deadline = now_s() + 10;
    while (now_s() < deadline) {
        if (request("GET", "/v1/host").status == 200) return true;
        int status = 0;
        if (::waitpid(pid_, &status, WNOHANG) == pid_) {
            pid_ = -1;
            return false;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    return false;
}

void Daemon::kill9() {
    if (pid_ <= 0) return;
    ::kill(pid_, SIGKILL);
    ::waitpid(pid_, nullptr, 0);
    pid_ = -1;
}

void Daemon::terminate() {
    if (pid_ <= 0) return;
    ::kill(pid_, SIGTERM);
    for (int i = 0; i < 500; ++i) {
        if (::waitpid(pid_, nullptr, WNOHANG) == pid_) {
            pid_ = -1;
            return;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    kill9();
}

HttpResponse Daemon::request(const std::string& method, const std::string& path,
                             const std::string& body) const {
    HttpTarget t;
    t.unix_path = socket_;
    return http_request(t, method, path, body);
}

boost::json::value Daemon::json(const std::string& method, const std::string& path,
                                const std::string& body, int* status) const {
    auto r = request(method, path, body);
    if (status != nullptr) *status = r.status;
    boost::system::error_code ec;
    auto v = boost::json::parse(r.body, ec);
    return ec ? boost::json::value() : v;
}

boost::json::object Daemon::wait_state(const std::string& name, const std::string& state,
                                       double timeout_s) const {
    const double deadline = now_s() + timeout_s;
    boost::json::object last;
    while (now_s() < deadline) {
        auto v = json("GET", "/v1/domains/" + name);
        if (v.is_object()) {
            last = v.as_object();
            if (const auto* s = last.if_contains("state");
                s && s->is_string() && s->as_string() == state) {
                return last;
            }
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return last;
}

ProcessResult Daemon::cli(const std::vector<std::string>& args, const RunOptions& opts) const {
    std::vector<std::string> full{"--socket", socket_};
    full.insert(full.end(), args.begin(), args.end());
    return run_domus(full, opts);
}

std::string Daemon::log() const {
    std::ifstream in(log_path_);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

}  // namespace domus::test
