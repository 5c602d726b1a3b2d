// Confining a domus-vmm once its domain is built (Firecracker's jailer is the model, done in
// the monitor itself after it has opened everything it needs: /dev/kvm, the VM and vCPU fds,
// guest memory, disk images, TAPs, the control socket, its logs):
//   1. a private mount namespace whose root is the domain's run directory (pivot_root; the
//      old root detached), mounted nosuid,nodev,noexec: nothing else of the host is visible;
//   2. every capability dropped from the bounding, ambient, inheritable, permitted and
//      effective sets; with a user given, setgroups/setgid/setuid to it first;
//   3. no_new_privs.
// The seccomp filter (seccomp_filter.hpp) comes after this.
#pragma once

#include <optional>
#include <string>

#include "base/result.hpp"
#include "vmm/jail_user.hpp"

namespace domus::vmm {

// Moves the calling process into `dir` as its root (the process must be single-threaded and
// have CAP_SYS_ADMIN), then drops to `user` (if any) and all capabilities. After it returns
// the current directory is "/" (= `dir`).
Status enter_jail(const std::string& dir, const std::optional<JailUser>& user);

}  // namespace domus::vmm
