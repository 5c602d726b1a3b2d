// `domus run --exec` against `domus run --ramdisk` of the same initramfs made by hand
// (bench/guest/build_images.sh: exec-musl, exec-busybox): what packing the archive on the fly
// costs on the way from "I have a binary" to its first line. Two pairs, interleaved rounds:
//   static musl program:  --exec gb_ready                vs  --ramdisk exec-musl.cpio
//                                                            --cmdline "init=/bin/gb_ready --"
//   busybox + applets:    --with-busybox --exec busybox echo ready
//                                                        vs  --ramdisk exec-busybox.cpio
//                                                            --cmdline "init=/bin/busybox -- echo
//                                                            ready"
// Spawn -> the line "ready" and -> exit; medians, p90, and the ratios exec/by hand.
//
//   bench_guest_exec [--runs=21]
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
    std::vector<double> first{};
    std::vector<double> exit{};
};

void print(const Row& r) {
    std::printf(
        "guest_exec: %-52s first line median=%7.2f ms p90=%7.2f ms   exit median=%7.2f ms "
        "p90=%7.2f ms\n",
        r.what, quantile(r.first, 0.5), quantile(r.first, 0.9), quantile(r.exit, 0.5),
        quantile(r.exit, 0.9));
}

std::vector<std::string> exec_argv(std::vector<std::string> options) {
    std::vector<std::string> argv = {domus_bin(), "run"};
    argv.insert(argv.end(), options.begin(), options.end());
    return argv;
}

}  // namespace

int main(int argc, char** argv) {
    const auto runs = option_u64(argc, argv, "runs", 21);
    if (!have_kvm()) {
        std::printf("guest_exec: /dev/kvm is not available; skipped\n");
        return 0;
    }
    if (!build_images("guest_exec")) return 1;

    std::vector<Row> rows = {
        {"musl program: domus run --exec gb_ready", exec_argv({"--exec", program("gb_ready")})},
        {"musl program: --ramdisk exec-musl.cpio (by hand)",
         guest_argv(spec(image("exec-musl"), "init=/bin/gb_ready --"))},
        {"busybox: --with-busybox --exec busybox echo ready",
         exec_argv({"--with-busybox", "--exec", "/bin/busybox", "echo", "ready"})},
        {"busybox: --ramdisk exec-busybox.cpio (by hand)",
         guest_argv(spec(image("exec-busybox"), "init=/bin/busybox -- echo ready"))},
    };
    for (auto& r : rows) {  // warm-up, not counted
        if (auto t = time_to_line(r.argv, "ready"); !t.ok) {
            report_failure(std::string("guest_exec: ") + r.what, t.child);
            return 1;
        }
    }
    for (uint64_t i = 0; i < runs; ++i) {
        for (auto& r : rows) {
            auto t = time_to_line(r.argv, "ready");
            if (!t.ok) {
                report_failure(std::string("guest_exec: ") + r.what, t.child);
                return 1;
            }
            r.first.push_back(t.first_ms);
            r.exit.push_back(t.exit_ms);
        }
    }
    std::printf(
        "guest_exec: spawn -> first line \"ready\" and -> exit, %llu runs each, interleaved; "
        "default memory, 1 vCPU\n",
        static_cast<unsigned long long>(runs));
    for (const auto& r : rows) print(r);
    for (size_t pair = 0; pair < 2; ++pair) {
        const Row& e = rows[2 * pair];
        const Row& h = rows[2 * pair + 1];
        std::printf("guest_exec: ratio --exec / by hand (%s): first line %s, exit %s\n",
                    pair == 0 ? "musl program" : "busybox",
                    ratio(quantile(e.first, 0.5), quantile(h.first, 0.5), 2).c_str(),
                    ratio(quantile(e.exit, 0.5), quantile(h.exit, 0.5), 2).c_str());
    }
    return 0;
}
