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
    // With a ramdisk (the domain runs a program) the exit status is the program's: init's exit
    // status, or 128 + the signal that killed it; and every failure of Domus itself - a bad
    // argument or image, a guest kernel crash, a triple fault - is 125, as env(1) and docker
    // run report their own failures, with the reason on standard error.
    kExitProgramPlatformError = 125,
};

struct Outcome;

// The exit status for how a domain ended (destroyed -> kExitError: callers that tear a domain
// down on purpose pick their own status, e.g. 130/143 for signals).
// `program`: the domain boots a program from a ramdisk (see kExitProgramPlatformError).
int exit_code_for(const Outcome& outcome, bool program = false);

// Standard input for the guest's console (`domus run` with a ramdisk): bytes read from `fd`
// go to the console input queue until end of file; with `tty` (a terminal in raw mode), the
// byte 0x1d (Ctrl-]) tears the domain down instead (exit status 130, like Ctrl-C would).
struct RunInput {
    int fd = -1;
    bool tty = false;
};

int run_domain(const VmConfig& config, RunInput input = {});

}  // namespace domus::vmm
