// The wait(2) status word a guest reports when its init program ends (DOMUS_SHUTDOWN_EXIT),
// as people read it and as a shell turns it into an exit code.
#pragma once

#include <cstdint>
#include <string>

namespace domus::vmm {

// "init exited with status 3" / "init was killed by signal 11 (SIGSEGV), core dumped".
std::string describe_exit_status(uint32_t status);

// What a shell reports for it: the exit status, or 128 + the signal number.
int shell_exit_code(uint32_t status);

}  // namespace domus::vmm
