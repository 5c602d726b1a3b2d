// Daemon start: wall time from posix_spawn of `domusd --socket S --state-dir D` (a fresh
// directory under /tmp each run, so the state database is created every time) to the first
// answered GET /v1/host, polled with `--sleep-us` between tries; beside the process-start
// floor, `domus version` from spawn to exit. Runs interleaved; goal: median <= 10 ms.
//
// Two diagnostic rows split the figure: the same start with the fresh state dir on tmpfs
// (/dev/shm: fsync costs nothing there), and a restart on an existing state dir (the database
// already made).
//
//   bench_daemon_start [--runs=20] [--sleep-us=100] [--diagnose=1]
#include <unistd.h>

#include <cstdio>
#include <optional>
#include <string>
#include <vector>

#include "bench_common.hpp"
#include "daemon_bench.hpp"

namespace {

using domus::bench::BenchDaemon;
using domus::bench::now_ns;
using domus::bench::quantile;

constexpr double kBudgetS = 45;  // stop early (with what was measured) past this

// Milliseconds from spawn to the first 200 of GET /v1/host; negative on failure.
double start_ms(BenchDaemon& d, unsigned sleep_us) {
    const uint64_t t0 = now_ns();
    if (!d.spawn() || !d.wait_ready(10, sleep_us)) {
        std::fprintf(stderr, "daemon_start: domusd did not answer:\n%s\n", d.log().c_str());
        return -1;
    }
    const double ms = static_cast<double>(now_ns() - t0) / 1e6;
    d.terminate();
    return ms;
}

double fresh_ms(unsigned sleep_us, const std::string& parent) {
    BenchDaemon d({}, parent);  // the directory is made before the clock starts
    return start_ms(d, sleep_us);
}

double version_ms() {
    auto r = domus::bench::run_child({DOMUS_BIN, "version"}, {}, 10);
    if (!r.spawned || r.timed_out || r.exit_code != 0) {
        domus::bench::report_failure("daemon_start: domus version", r);
        return -1;
    }
    return r.ms;
}

void print_row(const char* what, const std::vector<double>& ms) {
    if (ms.empty()) return;
    std::printf("daemon_start: %-46s runs=%-3zu median=%7.2f ms  p90=%7.2f ms  min=%7.2f ms\n",
                what, ms.size(), quantile(ms, 0.5), quantile(ms, 0.9), quantile(ms, 0));
}

}  // namespace

int main(int argc, char** argv) {
    const auto runs = domus::bench::option_u64(argc, argv, "runs", 20);
    const auto sleep_us =
        static_cast<unsigned>(domus::bench::option_u64(argc, argv, "sleep-us", 100));
    const bool diagnose =
        domus::bench::option_u64(argc, argv, "diagnose", 1) != 0 && ::access("/dev/shm", W_OK) == 0;

    // Warm-up (page cache, first-use costs), not counted; the restart row's state dir is made.
    std::optional<BenchDaemon> existing;
    if (diagnose) existing.emplace();
    if (fresh_ms(sleep_us, "/tmp") < 0 || version_ms() < 0) return 1;
    if (diagnose && start_ms(*existing, sleep_us) < 0) return 1;

    const uint64_t begin = now_ns();
    std::vector<double> fresh, floor, shm, restart;
    for (uint64_t i = 0; i < runs; ++i) {
        if (static_cast<double>(now_ns() - begin) / 1e9 > kBudgetS) {
            std::printf("daemon_start: time budget (%.0f s) spent after %llu runs\n", kBudgetS,
                        static_cast<unsigned long long>(i));
            break;
        }
        fresh.push_back(fresh_ms(sleep_us, "/tmp"));
        floor.push_back(version_ms());
        if (diagnose) {
            shm.push_back(fresh_ms(sleep_us, "/dev/shm"));
            restart.push_back(start_ms(*existing, sleep_us));
        }
        for (const auto* v : {&fresh, &floor, &shm, &restart}) {
            if (!v->empty() && v->back() < 0) return 1;
        }
    }

    std::printf("daemon_start: polling GET /v1/host every %u us\n", sleep_us);
    print_row("domusd spawn -> first 200 (fresh dir in /tmp)", fresh);
    print_row("baseline: domus version spawn -> exit", floor);
    print_row("diagnostic: fresh state dir on /dev/shm", shm);
    print_row("diagnostic: restart on an existing state dir", restart);
    const double med = quantile(fresh, 0.5);
    std::printf("daemon_start: ratio domusd/baseline (medians) = %.2f\n",
                med / quantile(floor, 0.5));
    std::printf("daemon_start: domusd median %.2f ms (goal <= 10 ms: %s)\n", med,
                med <= 10.0 ? "met" : "NOT met");
    return 0;
}
