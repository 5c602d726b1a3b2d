// A real domusd process in a private temp directory (socket, state dir, SQLite database), for
// tests that drive the control plane end to end with real monitors on /dev/kvm.
#pragma once

#include <sys/types.h>

#include <boost/json.hpp>
#include <string>
#include <vector>

#include "daemon_spawn.hpp"
#include "http_client.hpp"
#include "process.hpp"

namespace domus::test {

class Daemon {
  public:
    explicit Daemon(std::vector<std::string> extra_args = {});
    ~Daemon();  // stops the daemon and kills every monitor it started
    Daemon(const Daemon&) = delete;
    Daemon& operator=(const Daemon&) = delete;

    // Before start(): the daemon (and so its bridge, TAPs and monitors) runs in a network
    // namespace of its own, made here and kept by a holder process until the fixture ends, so
    // a restarted daemon finds the same one. False (with the reason in `why`) when it cannot
    // be made.
    bool use_private_netns(std::string& why);
    // Runs argv inside that namespace (nsenter --net): `ip -d link`, nft, ...
    ProcessResult in_netns(const std::vector<std::string>& argv) const;
    pid_t netns_holder() const { return netns_holder_; }

    bool start();      // spawns domusd and waits until it answers; false on failure
    void kill9();      // SIGKILL the daemon only (monitors keep running)
    void terminate();  // SIGTERM and wait
    bool running() const { return pid_ > 0; }
    pid_t pid() const { return pid_; }

    HttpResponse request(const std::string& method, const std::string& path,
                         const std::string& body = "") const;
    boost::json::value json(const std::string& method, const std::string& path,
                            const std::string& body = "", int* status = nullptr) const;

    // Polls GET /v1/domains/NAME until its state is `state` (or the timeout). Returns the last
    // domain object seen.
    boost::json::object wait_state(const std::string& name, const std::string& state,
                                   double timeout_s = 20) const;

    // `domus` CLI against this daemon.
    ProcessResult cli(const std::vector<std::string>& args, const RunOptions& opts = {}) const;

    const std::string& socket() const { return socket_; }
    const std::string& state_dir() const { return state_dir_; }
    const std::string& dir() const { return dir_; }
    // The daemon's (only) image dir: kernels, ramdisks and disk images must be in it.
    std::string image_dir() const { return state_dir_ + "/images"; }
    std::string log() const;  // the daemon's stderr so far

  private:
    std::string dir_, socket_, state_dir_, log_path_;
    std::vector<std::string> extra_args_;
    pid_t pid_ = -1;
    pid_t netns_holder_ = -1;  // a process that only keeps the private network namespace
};

// Field accessors for API objects: "" / -1 when the field is missing or of another type.
inline std::string str(const boost::json::object& o, const char* key) {
    const auto* v = o.if_contains(key);
    return v && v->is_string() ? std::string(v->as_string().c_str()) : std::string();
}

inline int64_t num(const boost::json::object& o, const char* key) {
    const auto* v = o.if_contains(key);
    if (v && v->is_int64()) return v->as_int64();
    if (v && v->is_uint64()) return static_cast<int64_t>(v->as_uint64());
    return -1;
}

inline int64_t pid_of(const boost::json::object& o) {
    return num(o, "pid");
}

// PIDs of live domus-vmm processes whose --run-dir lies under `dir`.

bool daemon_binaries_built();

// For tests that boot a domain.
#define DOMUS_REQUIRE_DAEMON()                                                           \
    do {                                                                                 \
        if (!::domus::test::have_kvm()) GTEST_SKIP() << "/dev/kvm is not available";     \
        if (!::domus::test::daemon_binaries_built()) GTEST_SKIP() << "domusd not built"; \
    } while (0)

// For tests that talk to the daemon but boot nothing: they run without /dev/kvm too.
#define DOMUS_REQUIRE_DAEMON_BINARIES()                                                  \
    do {                                                                                 \
        if (!::domus::test::daemon_binaries_built()) GTEST_SKIP() << "domusd not built"; \
    } while (0)

}  // namespace domus::test
