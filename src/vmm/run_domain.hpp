// `domus run`: boot one domain in the foreground, stream its console, map its end to an exit code.
#pragma once

#include "vmm/vm_config.hpp"

namespace domus::vmm {

// Process exit codes of `domus run` (documented in README.md and docs/abi.md).
enum ExitCode : int {
    kExitPoweroff = 0,     // the guest powered off
    kExitError = 1,        // bad arguments, bad kernel image, or the host refused (KVM, memory)
    kExitGuestCrash = 2,   // the guest reported a crash (HC_SHUTDOWN(CRASH, code))
    kExitTripleFault = 3,  // the guest triple-faulted or a vCPU hit an unrecoverable exit
    kExitReboot = 4,       // the guest asked to reboot (restart policies belong to domusd)
    kExitSigint = 130,     // torn down on SIGINT
    kExitSigterm = 143,    // torn down on SIGTERM
};

struct Outcome;

// The exit status for how a domain ended (destroyed -> kExitError: callers that tear a domain
// down on purpose pick their own status, e.g. 130/143 for signals).
int exit_code_for(const Outcome& outcome);

int run_domain(const VmConfig& config);

}  // namespace domus::vmm
