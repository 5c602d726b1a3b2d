// Storage for the per-vCPU blocks (1 MiB of .bss for 64 vCPUs; a vCPU touches only the
// pages of its own block that it uses). The entry code (entry.S, pvh.S) sets RSP to the top
// of cpu_blocks[index] before any C++ runs.
#include "arch/percpu.hpp"

#include "domus/abi/boot_info.h"

static_assert(GUEST_MAX_VCPUS == DOMUS_MAX_VCPUS, "layout.h must mirror the ABI limit");

extern "C" {
[[gnu::section(".bss.cpu_blocks")]] CpuBlock cpu_blocks[GUEST_MAX_VCPUS];
}
