// How a domain's monitor ended: what the monitor writes into its exit file and the daemon keeps
// as the domain's last exit. Defined here, below control/, so the monitor's side (exit file,
// client) does not depend on the daemon's records; control::ExitInfo is this type.
#pragma once

#include <cstdint>
#include <string>

namespace domus::vmm {

struct ExitInfo {
    std::string reason;  // poweroff | exit | reboot | crash | triple_fault | vcpu_error | destroyed
                         // | monitor_died
    int64_t code = 0;
    std::string detail;
};

}  // namespace domus::vmm
