// What both monitors (`domus run`'s run_domain and domus-vmm's run_monitor) do first: take the
// termination signals through a signalfd, and read the guest kernel (a file, or the embedded
// Domus guest).
#pragma once

#include <cstdint>
#include <initializer_list>
#include <span>
#include <string>
#include <vector>

#include "base/fd.hpp"
#include "base/result.hpp"

namespace domus::vmm {

// Blocks `signals` in the calling thread before any other thread exists (so every thread
// inherits the mask and only the owner sees them) and returns a signalfd for them
// (close-on-exec, plus `flags`, e.g. SFD_NONBLOCK).
Result<Fd> signal_fd_for(std::initializer_list<int> signals, int flags = 0);

// The kernel a domain boots: the file at `path` (at most kMaxKernelBytes), or, for an empty
// path, the embedded guest.
class KernelImage {
  public:
    static Result<KernelImage> load(const std::string& path);
    std::span<const uint8_t> bytes() const;

  private:
    std::vector<uint8_t> file_;  // empty: the embedded guest
};

}  // namespace domus::vmm
