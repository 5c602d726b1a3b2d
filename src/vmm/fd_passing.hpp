// One file descriptor passed along with bytes on a Unix stream socket (SCM_RIGHTS): how the
// daemon hands the confined monitor a file to write a core into (it cannot open one itself).
#pragma once

#include <sys/types.h>

#include <cstddef>
#include <string_view>
#include <vector>

#include "base/fd.hpp"
#include "base/result.hpp"

namespace domus::vmm {

// At most this many descriptors are taken from one message; any more the sender attached are
// closed at once (the kernel truncates past the control buffer and closes the rest).
inline constexpr size_t kMaxPassedFds = 4;

// Sends `data` (non-empty, sent whole by one sendmsg or an error) with `fd` attached to its
// first byte. MSG_NOSIGNAL: a closed peer is an error, not a SIGPIPE.
Status send_with_fd(int sock, std::string_view data, int fd);

// recvmsg(2) into buf (MSG_DONTWAIT, MSG_CMSG_CLOEXEC): returns recv's count (0 at EOF, -1 with
// errno set). Every descriptor that arrived with the bytes is appended to `fds`, owned; control
// messages other than SCM_RIGHTS are ignored.
ssize_t recv_with_fds(int sock, void* buf, size_t len, std::vector<Fd>& fds);

}  // namespace domus::vmm
