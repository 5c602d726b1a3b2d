// The System V x86-64 initial process stack that exec builds (psABI 3.4.1):
//   rsp -> argc, argv[0..argc-1], NULL, envp[0..], NULL, auxv pairs, AT_NULL,
//   then padding, AT_RANDOM's 16 bytes, the platform string, the strings, AT_EXECFN.
#pragma once

#include <stdint.h>

#include "proc/elf.hpp"
#include "proc/exec.hpp"

namespace proc {

// Writes the stack of the (already active) new address space below mm::kStackTop. *sp gets
// the initial RSP (16-byte aligned). 0 or -EFAULT / -E2BIG.
int build_initial_stack(const ExecArgs* args, const char* execfn, const elf::Program& program,
                        uint64_t* sp);

}  // namespace proc
