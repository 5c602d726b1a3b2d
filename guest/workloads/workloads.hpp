// The workloads selected by the first word of the command line (kernel/cmdline.hpp). Each
// returns how the domain should shut down; kernel_main() parks the APs and does it.
#pragma once

#include <stdint.h>

#include "kernel/cmdline.hpp"

struct WorkloadExit {
    uint32_t reason;  // DOMUS_SHUTDOWN_*
    uint32_t code;
};

WorkloadExit run_workload(const Options& options);

WorkloadExit run_hello(const Options& options);
WorkloadExit run_selftest(const Options& options);
WorkloadExit run_bench(const Options& options);
WorkloadExit run_service(const Options& options);
WorkloadExit run_hostile_virtio(const Options& options);
WorkloadExit run_hostile_net(const Options& options);
WorkloadExit run_net_reflect(const Options& options);
[[noreturn]] void run_crash();
[[noreturn]] void run_triplefault();
