// Boot to the first line of a program: `domus run --ramdisk boot-busybox.cpio --cmdline
// "init=/bin/echo -- ready"` (Debian's static busybox as init, a 1.9 MiB archive) from spawn to
// the line "ready" on domus run's standard output, and to exit; the same with a 1-line static
// musl init (gb_ready, a 31 KiB archive), and (diagnostic) with that init in an archive that
// also holds busybox (the cost of unpacking 1.9 MiB without running it). gb_ready also reports
// when its main began on the guest's CLOCK_MONOTONIC, which starts at the kernel's time_init:
// the kernel's own user-space set-up time (unpack, /dev, /proc, scheduler, exec). Beside them,
// in the same rounds: `domus run hello` (the built-in workload, no ramdisk; its first line is
// the banner) and, on the host, `/bin/busybox echo ready` spawned the same way. Rounds
// interleave the five; median and p90 of each.
//
//   bench_guest_boot [--runs=21]
#include <cstdio>
#include <string>
#include <vector>

#include "guest_bench.hpp"

namespace {

using namespace domus::bench;
using namespace domus::bench::guest;

struct Row {
    const char* what;
    std::vector<std::string> argv;
    std::string line;               // the first line to wait for (its start)
    std::vector<double> first{};    // ms, spawn -> that line
    std::vector<double> exit{};     // ms, spawn -> exit
    std::vector<double> main_at{};  // ms, gb_ready's main_at_ns (guest kernel clock)
};

void print(const Row& r) {
    std::printf(
        "guest_boot: %-46s first line median=%7.2f ms p90=%7.2f ms   exit median=%7.2f ms "
        "p90=%7.2f ms\n",
        r.what, quantile(r.first, 0.5), quantile(r.first, 0.9), quantile(r.exit, 0.5),
        quantile(r.exit, 0.9));
}

}  // namespace

int main(int argc, char** argv) {
    const auto runs = option_u64(argc, argv, "runs", 21);
    if (!have_kvm()) {
        std::printf("guest_boot: /dev/kvm is not available; skipped\n");
        return 0;
    }
    if (!build_images("guest_boot")) return 1;

    std::vector<Row> rows = {
        {"busybox echo as init (boot-busybox.cpio)",
         guest_argv(spec(image("boot-busybox"), "init=/bin/echo -- ready")), "ready"},
        {"musl 1-line init (boot-musl.cpio)", guest_argv(spec(image("boot-musl"), "init=/init")),
         "ready"},
        {"diag: musl init + busybox in the archive",
         guest_argv(spec(image("boot-musl-busybox"), "init=/init")), "ready"},
        {"domus run hello (no ramdisk; its banner)", guest_argv(spec("", "hello")),
         "Domus guest kernel"},
        {"host: /bin/busybox echo ready", {"/bin/busybox", "echo", "ready"}, "ready"},
    };
    for (auto& r : rows) {  // warm-up, not counted
        if (auto t = time_to_line(r.argv, r.line); !t.ok) {
            report_failure(std::string("guest_boot: ") + r.what, t.child);
            return 1;
        }
    }
    for (uint64_t i = 0; i < runs; ++i) {
        for (auto& r : rows) {
            auto t = time_to_line(r.argv, r.line);
            if (!t.ok) {
                report_failure(std::string("guest_boot: ") + r.what, t.child);
                return 1;
            }
            r.first.push_back(t.first_ms);
            r.exit.push_back(t.exit_ms);
            if (auto ns = field_u64(program_output(t.child.out), "main_at_ns")) {
                r.main_at.push_back(static_cast<double>(*ns) / 1e6);
            }
        }
    }
    std::printf(
        "guest_boot: spawn -> first line and -> exit, %llu runs each, interleaved; "
        "default memory, 1 vCPU\n",
        static_cast<unsigned long long>(runs));
    for (const auto& r : rows) print(r);
    for (const auto& r : rows) {
        if (r.main_at.empty()) continue;
        std::printf(
            "guest_boot: %-46s init's main at %.2f ms on the guest clock (kernel "
            "user-space set-up; median)\n",
            r.what, quantile(r.main_at, 0.5));
    }
    const double bb = quantile(rows[0].first, 0.5);
    std::printf(
        "guest_boot: ratio busybox first line guest/host = %s; "
        "guest busybox first line / domus run hello first line = %s\n",
        ratio(bb, quantile(rows[4].first, 0.5), 1).c_str(),
        ratio(bb, quantile(rows[3].first, 0.5), 2).c_str());
    std::printf("guest_boot: busybox init first line median %.2f ms (goal <= 10 ms: %s)\n", bb,
                bb <= 10.0 ? "met" : "NOT met");
    return 0;
}
