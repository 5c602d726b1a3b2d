// Daemon memory: VmRSS and VmHWM of the domusd process (/proc/<pid>/status) once it answers
// with 0 domains (the baseline), after defining 100 domains (POST, not started) and after 100
// GET /v1/domains requests. Goal: <= 20 MiB with 100 domains.
//
//   bench_daemon_rss [--domains=100] [--lists=100]
#include <algorithm>
#include <cstdio>
#include <string>

#include "bench_common.hpp"
#include "daemon_bench.hpp"

namespace {

using domus::bench::ProcMemory;

double mib(long kib) {
    return static_cast<double>(kib) / 1024.0;
}

void print_row(const char* what, const ProcMemory& m, const ProcMemory& base) {
    std::printf("daemon_rss: %-36s VmRSS=%7.2f MiB (%+7.2f)  VmHWM=%7.2f MiB (%+7.2f)\n", what,
                mib(m.rss_kib), mib(m.rss_kib - base.rss_kib), mib(m.hwm_kib),
                mib(m.hwm_kib - base.hwm_kib));
}

bool ok(const domus::test::HttpResponse& r, int status, const std::string& what) {
    if (r.status == status) return true;
    std::fprintf(stderr, "daemon_rss: %s: HTTP %d %s\n", what.c_str(), r.status, r.body.c_str());
    return false;
}

}  // namespace

int main(int argc, char** argv) {
    const auto domains = domus::bench::option_u64(argc, argv, "domains", 100);
    const auto lists = domus::bench::option_u64(argc, argv, "lists", 100);

    // The process floor: peak RSS of a short-lived `domus version`.
    const auto floor = domus::bench::run_child({DOMUS_BIN, "version"}, {}, 10);

    domus::bench::BenchDaemon d;
    if (!d.start()) {
        std::fprintf(stderr, "daemon_rss: domusd did not start:\n%s\n", d.log().c_str());
        return 1;
    }
    const ProcMemory empty = domus::bench::proc_memory(d.pid());
    for (uint64_t i = 0; i < domains; ++i) {
        const std::string name = "d" + std::to_string(i);
        if (!ok(d.request("POST", "/v1/domains", domus::bench::domain_body(name)), 201,
                "POST " + name)) {
            return 1;
        }
    }
    const ProcMemory defined = domus::bench::proc_memory(d.pid());
    size_t body = 0;
    for (uint64_t i = 0; i < lists; ++i) {
        auto r = d.request("GET", "/v1/domains");
        if (!ok(r, 200, "GET /v1/domains")) return 1;
        body = r.body.size();
    }
    const ProcMemory listed = domus::bench::proc_memory(d.pid());
    if (empty.rss_kib < 0 || defined.rss_kib < 0 || listed.rss_kib < 0) {
        std::fprintf(stderr, "daemon_rss: cannot read /proc/%d/status\n", d.pid());
        return 1;
    }

    if (floor.exit_code == 0) {
        std::printf("daemon_rss: process floor: domus version peak RSS %.2f MiB\n",
                    mib(floor.maxrss_kib));
    }
    print_row("baseline: 0 domains, answering", empty, empty);
    const std::string defined_what = std::to_string(domains) + " domains defined";
    print_row(defined_what.c_str(), defined, empty);
    const std::string listed_what = "+ " + std::to_string(lists) + " GET /v1/domains";
    print_row(listed_what.c_str(), listed, empty);
    std::printf("daemon_rss: GET /v1/domains body %zu bytes\n", body);
    std::printf("daemon_rss: ratio VmRSS %llu domains / 0 domains = %.2f\n",
                static_cast<unsigned long long>(domains),
                static_cast<double>(listed.rss_kib) / static_cast<double>(empty.rss_kib));
    const double worst = mib(std::max(listed.rss_kib, listed.hwm_kib));
    std::printf("daemon_rss: with %llu domains VmHWM %.2f MiB (goal <= 20 MiB: %s)\n",
                static_cast<unsigned long long>(domains), worst, worst <= 20 ? "met" : "NOT met");
    return 0;
}
