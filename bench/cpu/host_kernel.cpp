// The guest's CPU kernel, compiled for the host with the guest's code-generation flags (see
// CMakeLists.txt). Kept apart from cpu.cpp so that file can use libc freely.
#include "workloads/cpu_kernel.hpp"

uint64_t host_cpu_kernel(uint64_t iters) {
    return domus_cpu_kernel(iters);
}
