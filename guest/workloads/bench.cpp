// bench: (1) hypercall round trip, (2) the shared CPU-bound kernel. Machine-parseable lines:
//   bench: hypercall_ns=<avg ns per call> iters=<n>
//   bench: hypercall_tsc_cycles=<avg TSC cycles per call> iters=<n>
//   bench: cpu_ns=<total ns> iters=<n> result=0x<hex>
// Under QEMU (PVH) there are no hypercalls: "bench: hypercall skipped (not under Domus)".
#include "arch/cpu.hpp"
#include "domus/abi/hypercall.h"
#include "kernel/console.hpp"
#include "kernel/hypercall.hpp"
#include "kernel/platform.hpp"
#include "workloads/cpu_kernel.hpp"
#include "workloads/workloads.hpp"

namespace {

void bench_hypercalls(uint64_t iters) {
    if (!platform_is_domus()) {
        kprintf("bench: hypercall skipped (not under Domus)\n");
        return;
    }
    const int64_t t0 = hc::time(DOMUS_CLOCK_MONOTONIC);
    const uint64_t c0 = cpu::rdtsc();
    for (uint64_t i = 0; i < iters; ++i) hc::version();
    const uint64_t c1 = cpu::rdtsc();
    const int64_t t1 = hc::time(DOMUS_CLOCK_MONOTONIC);
    const uint64_t ns = t1 > t0 ? uint64_t(t1 - t0) : 0;
    kprintf("bench: hypercall_ns=%lu iters=%lu\n", ns / iters, iters);
    kprintf("bench: hypercall_tsc_cycles=%lu iters=%lu\n", (c1 - c0) / iters, iters);
}

void bench_cpu(uint64_t iters) {
    const uint64_t requested = iters;
    const uint64_t t0 = clock_ns();
    asm volatile("" : "+r"(iters));  // the loop cannot start before t0 ...
    const uint64_t result = domus_cpu_kernel(iters);
    asm volatile("" ::"r"(result));  // ... nor finish after t1
    const uint64_t t1 = clock_ns();
    kprintf("bench: cpu_ns=%lu iters=%lu result=0x%lx\n", t1 - t0, requested, result);
}

}  // namespace

WorkloadExit run_bench(const Options& options) {
    bench_hypercalls(options.hc_iters);
    bench_cpu(options.cpu_iters);
    return {DOMUS_SHUTDOWN_POWEROFF, 0};
}
