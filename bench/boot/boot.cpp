// Boot time: wall time of `domus run` (hello, 1 vCPU, 64 MiB) from process spawn to exit,
// beside QEMU microvm booting the same guest ELF through its PVH note, runs interleaved. Also
// `domus version` (the same binary, no VM): the part of the boot time that is process start.
//
//   bench_boot [--runs=20] [--qemu-runs=20]
#include <cstdio>
#include <string>
#include <vector>

#include "bench_common.hpp"

namespace {

using domus::bench::ChildResult;
using domus::bench::quantile;

const char* kQemu = "/usr/bin/qemu-system-x86_64";
constexpr double kQemuBudgetMs = 60000;  // fewer QEMU runs when one boot is this slow

const std::vector<std::string> kDomus = {DOMUS_BIN,  "run", "--vcpus",   "1",
                                         "--memory", "64",  "--cmdline", "hello"};
const std::vector<std::string> kQemuArgs = {kQemu,
                                            "-M",
                                            "microvm",
                                            "-accel",
                                            "kvm",
                                            "-m",
                                            "64",
                                            "-nodefaults",
                                            "-no-user-config",
                                            "-nographic",
                                            "-serial",
                                            "stdio",
                                            "-device",
                                            "isa-debug-exit,iobase=0xf4,iosize=0x04",
                                            "-kernel",
                                            DOMUS_GUEST_ELF,
                                            "-append",
                                            "hello"};

bool domus_ok(const ChildResult& r) {
    return r.spawned && !r.timed_out && r.exit_code == 0;
}
// isa-debug-exit turns the guest's poweroff write of 0 into QEMU exit status (0 << 1) | 1.
bool qemu_ok(const ChildResult& r) {
    return r.spawned && !r.timed_out && r.exit_code == 1;
}

void print_row(const char* what, const std::vector<double>& ms) {
    std::printf("boot: %-44s runs=%-3zu median=%9.2f ms  p10=%9.2f ms  p90=%9.2f ms\n", what,
                ms.size(), quantile(ms, 0.5), quantile(ms, 0.1), quantile(ms, 0.9));
}

}  // namespace

int main(int argc, char** argv) {
    const auto runs = domus::bench::option_u64(argc, argv, "runs", 20);
    auto qemu_runs = domus::bench::option_u64(argc, argv, "qemu-runs", 20);
    if (!domus::bench::have_kvm()) {
        std::printf("boot: /dev/kvm is not available; skipped\n");
        return 0;
    }
    const bool have_qemu = domus::bench::is_executable(kQemu);
    if (!have_qemu) std::printf("boot: %s is not installed; QEMU peer skipped\n", kQemu);

    // Warm-up (page cache, first-use costs), not counted.
    if (auto r = domus::bench::run_child(kDomus); !domus_ok(r)) {
        domus::bench::report_failure("boot: domus run hello", r);
        return 1;
    }
    if (have_qemu) {
        auto r = domus::bench::run_child(kQemuArgs, {}, 300);
        if (!qemu_ok(r)) {
            domus::bench::report_failure("boot: qemu microvm hello", r);
            return 1;
        }
        if (r.ms * static_cast<double>(qemu_runs) > kQemuBudgetMs) {
            const auto fit = static_cast<uint64_t>(kQemuBudgetMs / r.ms);
            qemu_runs = fit < 3 ? 3 : fit;
            std::printf("boot: one QEMU boot takes %.0f ms: %llu QEMU runs instead of 20\n", r.ms,
                        static_cast<unsigned long long>(qemu_runs));
        }
    } else {
        qemu_runs = 0;
    }

    std::vector<double> domus_ms, qemu_ms, version_ms;
    for (uint64_t i = 0; i < runs || i < qemu_runs; ++i) {
        if (i < runs) {
            auto r = domus::bench::run_child(kDomus);
            if (!domus_ok(r)) {
                domus::bench::report_failure("boot: domus run hello", r);
                return 1;
            }
            domus_ms.push_back(r.ms);
            auto v = domus::bench::run_child({DOMUS_BIN, "version"});
            if (v.exit_code != 0) {
                domus::bench::report_failure("boot: domus version", v);
                return 1;
            }
            version_ms.push_back(v.ms);
        }
        if (i < qemu_runs) {
            auto r = domus::bench::run_child(kQemuArgs, {}, 300);
            if (!qemu_ok(r)) {
                domus::bench::report_failure("boot: qemu microvm hello", r);
                return 1;
            }
            qemu_ms.push_back(r.ms);
        }
    }

    const double domus_med = quantile(domus_ms, 0.5);
    print_row("domus run hello (1 vCPU, 64 MiB)", domus_ms);
    print_row("domus version (same binary, no VM)", version_ms);
    std::printf("boot: domus median %.2f ms (goal <= 5 ms: %s)\n", domus_med,
                domus_med <= 5.0 ? "met" : "NOT met");
    if (!qemu_ms.empty()) {
        const double qemu_med = quantile(qemu_ms, 0.5);
        print_row("qemu microvm -accel kvm hello (64 MiB)", qemu_ms);
        const double ratio = domus_med / qemu_med;
        std::printf("boot: ratio domus/qemu = %.3f (goal <= 0.1: %s)\n", ratio,
                    ratio <= 0.1 ? "met" : "NOT met");
    }
    return 0;
}
