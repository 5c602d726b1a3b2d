// Guest RAM touched with a busybox shell idle: DOMUS_STATS=1 `domus run --ramdisk idle.cpio`
// whose /init (a busybox sh script) runs `/bin/sh -c "sleep 0.2; exit 0"` and exits;
// guest_resident_kib (the memfd's allocated blocks at exit: every guest page ever touched,
// the ramdisk included) at 64 and 512 MiB, beside the built-in hello workload (no ramdisk) at
// 64 MiB. For scale, the archive's size and the host's peak RSS of the same busybox shell.
//
//   bench_guest_memory [--runs=5]
#include <sys/stat.h>

#include <cstdio>
#include <string>
#include <vector>

#include "guest_bench.hpp"

using namespace domus::bench;
using namespace domus::bench::guest;

namespace {

bool resident(const GuestRun& g, const std::string& what, uint64_t runs, double& out) {
    std::vector<double> kib;
    for (uint64_t i = 0; i < runs; ++i) {
        auto r = run_guest(g);
        const auto line = r.err.find("domus-stats:");
        const auto v = line == std::string::npos
                           ? std::nullopt
                           : field_u64(r.err.substr(line), "guest_resident_kib");
        if (r.exit_code != 0 || !v) {
            report_failure("guest_memory: DOMUS_STATS=1 domus run " + what, r);
            return false;
        }
        kib.push_back(static_cast<double>(*v));
    }
    out = median(kib);
    return true;
}

}  // namespace

int main(int argc, char** argv) {
    const auto runs = option_u64(argc, argv, "runs", 5);
    if (!have_kvm()) {
        std::printf("guest_memory: /dev/kvm is not available; skipped\n");
        return 0;
    }
    if (!build_images("guest_memory")) return 1;
    const std::vector<std::pair<std::string, std::string>> stats = {{"DOMUS_STATS", "1"}};
    double idle64 = 0, idle512 = 0, hello = 0;
    auto with_stats = [&](GuestRun g) {
        g.env = stats;
        return g;
    };
    if (!resident(with_stats(spec(image("idle"), "", 1, 64)), "idle 64 MiB", runs, idle64) ||
        !resident(with_stats(spec(image("idle"), "", 1, 512)), "idle 512 MiB", runs, idle512) ||
        !resident(with_stats(spec("", "hello", 1, 64)), "hello", runs, hello)) {
        return 1;
    }
    std::vector<double> host_rss;
    for (uint64_t i = 0; i < runs; ++i) {
        auto r = run_child({"/bin/busybox", "sh", "-c", "/bin/busybox sh -c 'sleep 0.2; exit 0'"});
        if (r.exit_code != 0) {
            report_failure("guest_memory: host busybox sh", r);
            return 1;
        }
        host_rss.push_back(static_cast<double>(r.maxrss_kib));
    }
    struct stat st {};
    const double cpio_kib =
        ::stat(image("idle").c_str(), &st) == 0 ? static_cast<double>(st.st_size) / 1024 : 0;
    std::printf(
        "guest_memory: guest RAM touched (guest_resident_kib at exit), medians of %llu runs, KiB\n",
        static_cast<unsigned long long>(runs));
    std::printf(
        "guest_memory: busybox sh idle (sh -c 'sleep 0.2')  64 MiB domain  resident=%7.0f\n",
        idle64);
    std::printf(
        "guest_memory: busybox sh idle (sh -c 'sleep 0.2') 512 MiB domain  resident=%7.0f\n",
        idle512);
    std::printf(
        "guest_memory: hello, no ramdisk (baseline)         64 MiB domain  resident=%7.0f\n",
        hello);
    std::printf(
        "guest_memory: idle.cpio archive %.0f KiB; idle - hello = %.0f KiB; idle - hello - archive "
        "= %.0f KiB\n",
        cpio_kib, idle64 - hello, idle64 - hello - cpio_kib);
    std::printf("guest_memory: ratio idle/hello = %s; 512/64 MiB domain = %s\n",
                ratio(idle64, hello, 2).c_str(), ratio(idle512, idle64, 2).c_str());
    std::printf("guest_memory: for scale: host peak RSS of one busybox sh process = %.0f KiB\n",
                median(host_rss));
    return 0;
}
