// Starting domus-vmm processes and noticing when any of them ends, including monitors that a
// previous daemon started (they are not our children: watched through pidfds).
//
// Threads: one watcher thread blocks in epoll over the pidfds and a wake eventfd, and calls the
// exit callback for each monitor that ended. The callback must not call back into the
// Supervisor's watch()/unwatch() synchronously with its own locks held in a way that waits on
// the watcher; the controller hands it to its worker thread.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "base/fd.hpp"
#include "base/result.hpp"

namespace domus::control {

struct SpawnRequest {
    std::string vmm_path;
    std::vector<std::string> args;  // after argv[0]
    std::string log_path;           // the monitor's stderr
    int handshake_timeout_ms = 10000;
};

// Starts a monitor in its own session, waits for its handshake line and returns its pid; on
// failure the monitor's own one-line error, and nothing left running. The error's code says whose
// fault it is: invalid_argument when the monitor refused the domain (its handshake error);
// resource when it could not be started (pipe, posix_spawn: a missing binary); io when it
// ended or hung without a handshake.
Result<pid_t> spawn_monitor(const SpawnRequest& request);

// True when `pid` is alive and is a domus-vmm process.
bool is_monitor_process(pid_t pid);

// Waits up to timeout_ms for `pid` to end (works for non-children too). True if it ended.
bool wait_for_exit(pid_t pid, int timeout_ms);

class Supervisor {
  public:
    using ExitCallback = std::function<void(int64_t domain_id, pid_t pid)>;

    explicit Supervisor(ExitCallback on_exit);
    ~Supervisor();
    Supervisor(const Supervisor&) = delete;
    Supervisor& operator=(const Supervisor&) = delete;

    Status start();
    // Stops the watcher thread: no callback runs after it returns. watch()/unwatch() stay
    // safe to call (they only edit the epoll set), so tasks still running can finish.
    void stop();
    // Watches `pid` for domain `id`. If the process is already gone, the callback still fires.
    Status watch(int64_t id, pid_t pid);
    void unwatch(pid_t pid);

  private:
    void run();

    ExitCallback on_exit_;
    Fd epoll_;
    Fd wake_;
    std::mutex mu_;
    struct Watched {
        int64_t id;
        Fd pidfd;
    };
    std::map<pid_t, Watched> watched_;
    bool stopping_ = false;
    std::thread thread_;
};

}  // namespace domus::control
