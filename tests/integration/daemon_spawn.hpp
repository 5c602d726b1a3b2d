// Starting a real domusd and finding the monitors it started: shared by the integration tests'
// Daemon fixture and the bench/daemon_* benchmarks.
#pragma once

#include <sys/types.h>

#include <string>
#include <vector>

namespace domus::test {

// Spawns args[0] (a path) with `args`, stdin from /dev/null and stdout and stderr appended to
// `log_path` (made 0600). The pid, or -1 when it could not be spawned.
pid_t spawn_logged(std::vector<std::string> args, const std::string& log_path);

// Spawns `domusd --socket SOCKET --state-dir STATE_DIR EXTRA...` with stdin from /dev/null and
// stdout and stderr appended to `log_path`. The pid, or -1 when it could not be spawned.
// `wrapper` (e.g. nsenter --net=PATH --) goes before domusd and must exec it in place, so that
// the pid is domusd's.
pid_t spawn_domusd(const std::string& domusd, const std::string& socket,
                   const std::string& state_dir, const std::vector<std::string>& extra,
                   const std::string& log_path, const std::vector<std::string>& wrapper = {});

// A /proc/<pid>/ file's bytes, or "" once the process is gone. read(2), not a filebuf: a
// process that ends between the open and the read fails the read with ESRCH, which libstdc++'s
// filebuf throws out of an istreambuf_iterator (in a destructor, that ends the test binary).
std::string read_proc_file(const std::string& path);

// The domus-vmm processes whose command line names `dir` (a daemon's private directory).
std::vector<pid_t> monitors_under(const std::string& dir);

}  // namespace domus::test
