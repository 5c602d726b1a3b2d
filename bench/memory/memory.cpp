// Monitor memory overhead: the peak RSS of `domus run` (hello, 1 vCPU) minus the guest pages
// actually touched (DOMUS_STATS=1 makes domus print guest_resident_kib, the memfd's allocated
// pages, at exit), for a 64 MiB and a 1024 MiB guest, beside the peak RSS of `domus version`
// (the same binary, no VM) measured in the same run.
//
//   bench_memory [--runs=5]
#include <cinttypes>
#include <cstdio>
#include <string>
#include <vector>

#include "bench_common.hpp"

namespace {

using namespace domus;

struct Figures {
    double maxrss_kib = 0;
    double guest_kib = 0;
    double overhead_kib = 0;
};

bool measure_run(uint64_t memory_mib, uint64_t runs, Figures& out) {
    std::vector<double> rss, guest, overhead;
    for (uint64_t i = 0; i < runs; ++i) {
        auto r = bench::run_child({DOMUS_BIN, "run", "--vcpus", "1", "--memory",
                                   std::to_string(memory_mib), "--cmdline", "hello"},
                                  {{"DOMUS_STATS", "1"}});
        const auto line = r.err.find("domus-stats:");
        auto kib = line == std::string::npos
                       ? std::nullopt
                       : bench::field_u64(r.err.substr(line), "guest_resident_kib");
        if (r.exit_code != 0 || !kib) {
            bench::report_failure(
                "memory: DOMUS_STATS=1 domus run --memory " + std::to_string(memory_mib) + " hello",
                r);
            return false;
        }
        rss.push_back(static_cast<double>(r.maxrss_kib));
        guest.push_back(static_cast<double>(*kib));
        overhead.push_back(static_cast<double>(r.maxrss_kib) - static_cast<double>(*kib));
    }
    out = {bench::median(rss), bench::median(guest), bench::median(overhead)};
    return true;
}

bool measure_version(uint64_t runs, double& out) {
    std::vector<double> rss;
    for (uint64_t i = 0; i < runs; ++i) {
        auto r = bench::run_child({DOMUS_BIN, "version"});
        if (r.exit_code != 0) {
            bench::report_failure("memory: domus version", r);
            return false;
        }
        rss.push_back(static_cast<double>(r.maxrss_kib));
    }
    out = bench::median(rss);
    return true;
}

}  // namespace

int main(int argc, char** argv) {
    const auto runs = bench::option_u64(argc, argv, "runs", 5);
    if (!bench::have_kvm()) {
        std::printf("memory: /dev/kvm is not available; skipped\n");
        return 0;
    }
    double baseline = 0;
    Figures small, large;
    if (!measure_version(runs, baseline)) return 1;
    if (!measure_run(64, runs, small)) return 1;
    if (!measure_run(1024, runs, large)) return 1;

    std::printf("memory: medians of %" PRIu64 " runs, KiB\n", runs);
    std::printf("memory: domus version (no VM)      peak_rss=%7.0f\n", baseline);
    for (const auto& [mib, f] : {std::pair{64, small}, std::pair{1024, large}}) {
        std::printf(
            "memory: domus run hello %4d MiB    peak_rss=%7.0f  guest_resident=%7.0f  "
            "monitor_overhead=%7.0f (%.2f MiB, %.2fx the no-VM baseline; goal <= 5 MiB: "
            "%s)\n",
            mib, f.maxrss_kib, f.guest_kib, f.overhead_kib, f.overhead_kib / 1024,
            f.overhead_kib / baseline, f.overhead_kib <= 5 * 1024 ? "met" : "NOT met");
    }
    std::printf("memory: overhead 1024 MiB - 64 MiB guest = %+.0f KiB\n",
                large.overhead_kib - small.overhead_kib);
    return 0;
}
