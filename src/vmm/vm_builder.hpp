// One linear recipe that assembles a domain, each step a named function.
#pragma once

#include <cstdint>
#include <memory>
#include <span>

#include "base/result.hpp"
#include "vmm/domain.hpp"
#include "vmm/vm_config.hpp"

namespace domus::vmm {

// Builds (but does not start) a domain from `config` (which names the ramdisk file, if any) and
// the kernel ELF bytes. On error nothing is left behind: every handle is owned by a value that
// is destroyed on the way out.
Result<std::unique_ptr<Domain>> build_domain(const VmConfig& config,
                                             std::span<const uint8_t> kernel_elf, int console_fd);

}  // namespace domus::vmm
