// GET /v1/domains latency: a domusd serving TCP (`--listen 127.0.0.1:<free port>`, bearer
// token) with 100 domains defined (POST, not started), loaded by `wrk -t2 -c16 -d10s --latency`;
// baseline in the same run: the same load on GET /v1/host (a trivial route). Then a variant
// with 10 of the 100 running. Without wrk, a 16-connection keep-alive client of our own.
// Goal: p99 < 5 ms.
//
//   bench_daemon_list [--domains=100] [--running=10] [--seconds=10] [--own-client=0|1]
#include <cstdio>
#include <string>

#include "bench_common.hpp"
#include "daemon_bench.hpp"
#include "load.hpp"

namespace {

using domus::bench::LoadResult;
using domus::bench::LoadSpec;

void print_row(const char* what, const LoadResult& r) {
    std::printf("daemon_list: %-42s p50=%7.3f ms  p99=%7.3f ms  %9.0f req/s  (%llu requests)\n",
                what, r.p50_ms, r.p99_ms, r.req_per_s, r.requests);
}

bool define(const domus::bench::BenchDaemon& d, const std::string& name) {
    auto r = d.request("POST", "/v1/domains", domus::bench::domain_body(name));
    if (r.status == 201) return true;
    std::fprintf(stderr, "daemon_list: POST %s: HTTP %d %s\n", name.c_str(), r.status,
                 r.body.c_str());
    return false;
}

bool start(const domus::bench::BenchDaemon& d, const std::string& name) {
    auto r = d.request("POST", "/v1/domains/" + name + "/start");
    if (r.status == 200) return true;
    std::fprintf(stderr, "daemon_list: start %s: HTTP %d %s\n", name.c_str(), r.status,
                 r.body.c_str());
    return false;
}

}  // namespace

int main(int argc, char** argv) {
    const auto domains = domus::bench::option_u64(argc, argv, "domains", 100);
    const auto running = domus::bench::option_u64(argc, argv, "running", 10);
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
    auto load = wrk ? domus::bench::run_wrk : domus::bench::run_own_client;

    domus::bench::BenchDaemon d({"--listen", "127.0.0.1:" + std::to_string(spec.port)});
    if (spec.port <= 0 || !d.start()) {
        std::fprintf(stderr, "daemon_list: domusd did not start:\n%s\n", d.log().c_str());
        return 1;
    }
    spec.token = d.token();
    for (uint64_t i = 0; i < domains; ++i) {
        if (!define(d, "d" + std::to_string(i))) return 1;
    }

    std::printf("daemon_list: %s, %d connections, %d s per row, %llu domains defined\n",
                wrk ? "wrk -t2 -c16 --latency" : "own keep-alive client", spec.connections,
                spec.seconds, static_cast<unsigned long long>(domains));
    spec.path = "/v1/host";
    const LoadResult host = load(spec);
    spec.path = "/v1/domains";
    const LoadResult list = load(spec);
    for (const auto* r : {&host, &list}) {
        if (!r->ok) {
            std::fprintf(stderr, "daemon_list: %s\n", r->error.c_str());
            return 1;
        }
    }
    print_row("baseline: GET /v1/host", host);
    print_row("GET /v1/domains (all stopped)", list);
    std::printf("daemon_list: ratio /v1/domains / /v1/host: p99 %.2f, req/s %.2f\n",
                list.p99_ms / host.p99_ms, list.req_per_s / host.req_per_s);

    if (running > 0 && domus::bench::have_kvm()) {
        for (uint64_t i = 0; i < running && i < domains; ++i) {
            if (!start(d, "d" + std::to_string(i))) return 1;
        }
        const LoadResult live = load(spec);
        if (!live.ok) {
            std::fprintf(stderr, "daemon_list: %s\n", live.error.c_str());
            return 1;
        }
        const std::string what = "GET /v1/domains (" + std::to_string(running) + " running)";
        print_row(what.c_str(), live);
        std::printf("daemon_list: ratio (%llu running) / /v1/host: p99 %.2f, req/s %.2f\n",
                    static_cast<unsigned long long>(running), live.p99_ms / host.p99_ms,
                    live.req_per_s / host.req_per_s);
    }
    std::printf("daemon_list: GET /v1/domains p99 %.3f ms (goal < 5 ms: %s)\n", list.p99_ms,
                list.p99_ms < 5 ? "met" : "NOT met");
    return 0;
}
