// GET /v1/domains latency: a domusd serving HTTPS (`--listen 127.0.0.1:<free port>`, bearer
// token) with 100 domains defined (POST, not started), loaded by `wrk -t2 -c16 -d10s --latency`;
// baseline in the same run: the same load on GET /v1/host (a trivial route). Then a variant
// with 10 of the 100 running. Without wrk, a 16-connection keep-alive client of our own.
// Goal: p99 < 5 ms.
//
// Every row also gives the daemon's CPU time per request (/proc/<pid>/stat over the row), and
// two diagnostic rows load each route with one connection (latency without queueing).
//
//   bench_daemon_list [--domains=100] [--running=10] [--seconds=10] [--diag-seconds=3]
//                     [--own-client=0|1]
#include <cstdio>
#include <string>

#include "bench_common.hpp"
#include "daemon_bench.hpp"
#include "load.hpp"

namespace {

using domus::bench::BenchDaemon;
using domus::bench::LoadResult;
using domus::bench::LoadSpec;

struct Row {
    LoadResult load;
    double cpu_us_per_req = 0;
};

// Runs one load and prints its row; false (with the reason on stderr) when it failed.
bool measure(const BenchDaemon& d, bool wrk, const LoadSpec& spec, const std::string& what,
             Row& row) {
    const double cpu0 = domus::bench::proc_cpu_ms(d.pid());
    row.load = wrk ? domus::bench::run_wrk(spec) : domus::bench::run_own_client(spec);
    const double cpu1 = domus::bench::proc_cpu_ms(d.pid());
    if (!row.load.ok) {
        std::fprintf(stderr, "daemon_list: %s: %s\n", what.c_str(), row.load.error.c_str());
        return false;
    }
    if (row.load.requests > 0) {
        row.cpu_us_per_req = (cpu1 - cpu0) * 1000 / static_cast<double>(row.load.requests);
    }
    std::printf(
        "daemon_list: %-40s p50=%7.3f ms  p99=%7.3f ms  %7.0f req/s  domusd CPU %5.0f "
        "us/req\n",
        what.c_str(), row.load.p50_ms, row.load.p99_ms, row.load.req_per_s, row.cpu_us_per_req);
    return true;
}

bool expect(const domus::test::HttpResponse& r, int status, const std::string& what) {
    if (r.status == status) return true;
    std::fprintf(stderr, "daemon_list: %s: HTTP %d %s\n", what.c_str(), r.status, r.body.c_str());
    return false;
}

void ratio(const char* what, const Row& a, const Row& base) {
    std::printf("daemon_list: ratio %s / GET /v1/host: p99 %.2f, req/s %.2f\n", what,
                a.load.p99_ms / base.load.p99_ms, a.load.req_per_s / base.load.req_per_s);
}

}  // namespace

int main(int argc, char** argv) {
    const auto domains = domus::bench::option_u64(argc, argv, "domains", 100);
    const auto running = domus::bench::option_u64(argc, argv, "running", 10);
    const auto diag_s = static_cast<int>(domus::bench::option_u64(argc, argv, "diag-seconds", 3));
    const bool own = domus::bench::option_u64(argc, argv, "own-client", 0) != 0;
    LoadSpec spec;
    spec.seconds = static_cast<int>(domus::bench::option_u64(argc, argv, "seconds", 10));
    spec.port = domus::bench::free_tcp_port();

    const bool wrk = !own && domus::bench::have_wrk();
    if (!own && !wrk) {
        std::printf(
            "daemon_list: wrk is not installed (scripts/bootstrap installs it): using "
            "our own 16-connection keep-alive client\n");
    }
    BenchDaemon d({"--listen", "127.0.0.1:" + std::to_string(spec.port)});
    if (spec.port <= 0 || !d.start()) {
        std::fprintf(stderr, "daemon_list: domusd did not start:\n%s\n", d.log().c_str());
        return 1;
    }
    spec.token = d.token();
    spec.cacert = d.state_dir() + "/tls/cert.pem";
    for (uint64_t i = 0; i < domains; ++i) {
        const std::string name = "d" + std::to_string(i);
        if (!expect(d.request("POST", "/v1/domains", domus::bench::domain_body(name)), 201,
                    "POST " + name)) {
            return 1;
        }
    }

    std::printf("daemon_list: %s, %d connections, %d s per row, %llu domains defined\n",
                wrk ? "wrk -t2 -c16 --latency" : "own keep-alive client", spec.connections,
                spec.seconds, static_cast<unsigned long long>(domains));
    Row host, list;
    spec.path = "/v1/host";
    if (!measure(d, wrk, spec, "baseline: GET /v1/host", host)) return 1;
    spec.path = "/v1/domains";
    if (!measure(d, wrk, spec, "GET /v1/domains (all stopped)", list)) return 1;
    ratio("/v1/domains", list, host);

    if (diag_s > 0) {
        LoadSpec one = spec;
        one.connections = one.wrk_threads = 1;
        one.seconds = diag_s;
        Row r;
        if (!measure(d, wrk, one, "diagnostic: GET /v1/domains, 1 conn", r)) return 1;
        one.path = "/v1/host";
        if (!measure(d, wrk, one, "diagnostic: GET /v1/host, 1 conn", r)) return 1;
    }

    if (running > 0 && domus::bench::have_kvm()) {
        for (uint64_t i = 0; i < running && i < domains; ++i) {
            const std::string name = "d" + std::to_string(i);
            if (!expect(d.request("POST", "/v1/domains/" + name + "/start"), 200,
                        "start " + name)) {
                return 1;
            }
        }
        Row live;
        const std::string what = "GET /v1/domains (" + std::to_string(running) + " running)";
        if (!measure(d, wrk, spec, what, live)) return 1;
        ratio("(with running)", live, host);
    }
    std::printf("daemon_list: GET /v1/domains p99 %.3f ms (goal < 5 ms: %s)\n", list.load.p99_ms,
                list.load.p99_ms < 5 ? "met" : "NOT met");
    return 0;
}
