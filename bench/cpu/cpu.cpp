// CPU speed: the guest's `bench cpu_iters=N` (domus_cpu_kernel(N) timed inside the guest)
// beside this host process running the same kernel, compiled with the same flags, N iterations.
// Runs alternate guest, host, guest, ...; the figure is the ratio of the medians.
//
//   bench_cpu [--runs=5] [--iters=N]     (default N: about 500 ms on the host)
#include <cinttypes>
#include <cstdio>
#include <string>
#include <vector>

#include "bench_common.hpp"

uint64_t host_cpu_kernel(uint64_t iters);  // host_kernel.cpp

namespace {

using domus::bench::median;

constexpr double kTargetMs = 500;

struct Sample {
    double ns = 0;
    uint64_t result = 0;
};

Sample run_host(uint64_t iters) {
    const uint64_t t0 = domus::bench::now_ns();
    const uint64_t result = host_cpu_kernel(iters);
    const uint64_t t1 = domus::bench::now_ns();
    return {static_cast<double>(t1 - t0), result};
}

bool run_guest(uint64_t iters, Sample& out) {
    const std::string cmdline = "bench cpu_iters=" + std::to_string(iters) + " hc_iters=10";
    auto r = domus::bench::run_child(
        {DOMUS_BIN, "run", "--vcpus", "1", "--memory", "64", "--cmdline", cmdline});
    auto ns = domus::bench::field_u64(r.out, "cpu_ns");
    auto result = domus::bench::field_u64(r.out, "result");
    const auto line = r.out.find("bench: cpu_ns=");
    auto n = line == std::string::npos ? std::nullopt
                                       : domus::bench::field_u64(r.out.substr(line), "iters");
    if (r.exit_code != 0 || !ns || !result || !n || *n != iters) {
        domus::bench::report_failure("cpu: domus run " + cmdline, r);
        return false;
    }
    out = {static_cast<double>(*ns), *result};
    return true;
}

// The iteration count that takes about kTargetMs on the host.
uint64_t calibrate() {
    uint64_t iters = 1u << 16;
    for (;;) {
        const double ms = run_host(iters).ns / 1e6;
        if (ms >= 50 || iters >= (1ull << 40)) {
            const double scaled = static_cast<double>(iters) * kTargetMs / (ms > 0 ? ms : 1);
            return static_cast<uint64_t>(scaled);
        }
        iters *= 4;
    }
}

}  // namespace

int main(int argc, char** argv) {
    const auto runs = domus::bench::option_u64(argc, argv, "runs", 5);
    if (!domus::bench::have_kvm()) {
        std::printf("cpu: /dev/kvm is not available; skipped\n");
        return 0;
    }
    const uint64_t iters = domus::bench::option_u64(argc, argv, "iters", 0) != 0
                               ? domus::bench::option_u64(argc, argv, "iters", 0)
                               : calibrate();
    std::printf("cpu: domus_cpu_kernel(%" PRIu64 "), %" PRIu64 " alternating runs each\n", iters,
                runs);

    std::vector<double> guest_ns, host_ns;
    uint64_t guest_result = 0, host_result = 0;
    bool mismatch = false;
    for (uint64_t i = 0; i < runs; ++i) {
        Sample g;
        if (!run_guest(iters, g)) return 1;
        const Sample h = run_host(iters);
        guest_ns.push_back(g.ns);
        host_ns.push_back(h.ns);
        if (i == 0) {
            guest_result = g.result;
            host_result = h.result;
        }
        if (g.result != h.result || g.result != guest_result) mismatch = true;
    }

    const double g = median(guest_ns), h = median(host_ns);
    std::printf("cpu: guest  cpu_ns median=%12.0f  (%.3f ns/iter)  result=0x%" PRIx64 "\n", g,
                g / static_cast<double>(iters), guest_result);
    std::printf("cpu: host   cpu_ns median=%12.0f  (%.3f ns/iter)  result=0x%" PRIx64 "\n", h,
                h / static_cast<double>(iters), host_result);
    if (mismatch) std::printf("cpu: MISMATCH: the guest and the host computed different results\n");
    const double speed = h / g;
    std::printf("cpu: guest/host speed = %.3f (goal >= 0.95: %s)\n", speed,
                speed >= 0.95 ? "met" : "NOT met");
    return mismatch ? 1 : 0;
}
