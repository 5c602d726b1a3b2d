// Interrupted benchmarks clean up too: directories (and the daemon PIDs living in them) are
// registered here, and SIGINT/SIGTERM/SIGHUP kill those daemons and their monitors and remove
// the directories before the process dies of the signal.
#pragma once

#include <sys/types.h>

#include <string>

namespace domus::bench {

// Returns a slot for set_cleanup_pid/unregister_cleanup, or -1 when none is free (then the
// directory is only cleaned up on a normal exit). Installs the handlers on first use.
int register_cleanup(const std::string& dir);
void set_cleanup_pid(int slot, pid_t pid);  // -1: no daemon running
void unregister_cleanup(int slot);

}  // namespace domus::bench
