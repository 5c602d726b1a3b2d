// What the control-plane benchmarks share: a real domusd in a private temp directory that is
// always cleaned up (the daemon stopped, every monitor under the directory killed, the directory
// removed), requests over its Unix socket, and its memory figures from /proc.
#pragma once

#include <sys/types.h>

#include <string>
#include <vector>

#include "http_client.hpp"

namespace domus::bench {

class BenchDaemon {
  public:
    // The private directory is made under `parent` (e.g. /dev/shm for a state dir on tmpfs).
    explicit BenchDaemon(std::vector<std::string> extra_args = {},
                         const std::string& parent = "/tmp");
    ~BenchDaemon();  // terminate(), kill the monitors, remove the directory
    BenchDaemon(const BenchDaemon&) = delete;
    BenchDaemon& operator=(const BenchDaemon&) = delete;

    // posix_spawn of `domusd --socket S --state-dir D <extra>` (output to <dir>/domusd.log);
    // again after terminate(), on the same state directory.
    bool spawn();
    // Polls GET /v1/host over the socket until it answers 200, sleeping `sleep_us` between
    // tries (0: a tight loop). False when the daemon exits or the timeout passes.
    bool wait_ready(double timeout_s, unsigned sleep_us);
    bool start() { return spawn() && wait_ready(10, 1000); }
    void terminate();  // SIGTERM, then SIGKILL after 5 s; reaps it
    void kill9();      // SIGKILL of the daemon alone (its monitors go on); reaps it

    test::HttpResponse request(const std::string& method, const std::string& path,
                               const std::string& body = "", int timeout_ms = 15000) const;

    pid_t pid() const { return pid_; }
    const std::string& dir() const { return dir_; }
    const std::string& state_dir() const { return state_dir_; }
    std::string token() const;  // <state-dir>/api.token, trimmed
    std::string log() const;    // the daemon's output so far

  private:
    std::string dir_, socket_, state_dir_, log_path_;
    std::vector<std::string> extra_args_;
    pid_t pid_ = -1;
    int cleanup_slot_ = -1;  // signal_cleanup.hpp
};

struct ProcMemory {
    long rss_kib = -1;    // VmRSS
    long hwm_kib = -1;    // VmHWM (peak RSS)
    long shmem_kib = -1;  // RssShmem: shared memory resident (a monitor's guest memfd pages)
};
ProcMemory proc_memory(pid_t pid);

// CPU time (user + system) the process has used so far, in milliseconds; negative on failure.
double proc_cpu_ms(pid_t pid);

int free_tcp_port();  // a port on 127.0.0.1 that was free a moment ago; -1 on failure

// `{"name": NAME, "cmdline": "service", "memory": 16}`
std::string domain_body(const std::string& name);

}  // namespace domus::bench
