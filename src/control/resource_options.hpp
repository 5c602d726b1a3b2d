// The daemon's admission limits (its config file's memory-reserve-mib, overcommit and
// max-domains keys).
#pragma once

#include <cstdint>

namespace domus::control {

struct ResourceOptions {
    // Host memory kept for Domain 0: the guest memory of every running domain plus this stays
    // within MemTotal, unless overcommit is on.
    uint64_t memory_reserve_mib = 512;
    bool overcommit = false;
    uint32_t max_domains = 1024;  // defined domains, running or not
};

}  // namespace domus::control
