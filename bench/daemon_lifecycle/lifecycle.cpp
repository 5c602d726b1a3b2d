// Lifecycle rate: against one domusd, N iterations of POST /v1/domains?start=true (16 MiB,
// cmdline "service"; answers once the guest runs), POST /v1/domains/bN/destroy and DELETE
// /v1/domains/bN, first serially, then split across 4 client threads. Baseline in the same run:
// `domus run` (hello, 16 MiB) spawn-to-exit, serially and 4 at a time, i.e. booting a guest
// without the control plane. Goal: >= 20 lifecycles/s.
//
//   bench_daemon_lifecycle [--runs=40] [--threads=4]
#include <algorithm>
#include <atomic>
#include <boost/json.hpp>
#include <cstdio>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "bench_common.hpp"
#include "daemon_bench.hpp"

namespace {

using domus::bench::now_ns;
using domus::bench::quantile;

double ms_since(uint64_t t0) {
    return static_cast<double>(now_ns() - t0) / 1e6;
}

struct Steps {
    std::mutex mu;
    std::vector<double> create, destroy, remove;
    bool failed = false;
};

bool expect(const domus::test::HttpResponse& r, int status, const char* what,
            const std::string& name) {
    if (r.status == status) return true;
    std::fprintf(stderr, "daemon_lifecycle: %s %s: HTTP %d %s\n", what, name.c_str(), r.status,
                 r.body.c_str());
    return false;
}

bool is_running(const std::string& body) {
    boost::system::error_code ec;
    const auto v = boost::json::parse(body, ec);
    if (ec || !v.is_object()) return false;
    const auto* s = v.as_object().if_contains("state");
    return s != nullptr && s->is_string() && s->as_string() == "running";
}

// One create+start, destroy, delete of domain `name`; its step times go to `steps`.
bool lifecycle(const domus::bench::BenchDaemon& d, const std::string& name, Steps& steps) {
    uint64_t t = now_ns();
    auto r = d.request("POST", "/v1/domains?start=true", domus::bench::domain_body(name));
    const double create = ms_since(t);
    if (!expect(r, 201, "create+start", name)) return false;
    if (!is_running(r.body)) {
        std::fprintf(stderr, "daemon_lifecycle: %s is not running: %s\n", name.c_str(),
                     r.body.c_str());
        return false;
    }
    t = now_ns();
    r = d.request("POST", "/v1/domains/" + name + "/destroy");
    const double destroy = ms_since(t);
    if (!expect(r, 200, "destroy", name)) return false;
    t = now_ns();
    r = d.request("DELETE", "/v1/domains/" + name);
    const double remove = ms_since(t);
    if (!expect(r, 204, "delete", name)) return false;
    std::lock_guard lock(steps.mu);
    steps.create.push_back(create);
    steps.destroy.push_back(destroy);
    steps.remove.push_back(remove);
    return true;
}

bool domus_run() {
    auto r =
        domus::bench::run_child({DOMUS_BIN, "run", "--memory", "16", "--cmdline", "hello"}, {}, 20);
    if (r.spawned && !r.timed_out && r.exit_code == 0) return true;
    domus::bench::report_failure("daemon_lifecycle: domus run hello", r);
    return false;
}

// Runs job(i) for i in [0, n) on `threads` threads (i = t, t + threads, ...); returns ops/s, or
// a negative number when a job failed.
template <typename Job>
double rate(uint64_t n, unsigned threads, Job job) {
    std::atomic<bool> ok{true};
    const uint64_t t0 = now_ns();
    std::vector<std::thread> pool;
    for (unsigned t = 0; t < threads; ++t) {
        pool.emplace_back([&, t] {
            for (uint64_t i = t; i < n && ok; i += threads) {
                if (!job(i)) ok = false;
            }
        });
    }
    for (auto& th : pool) th.join();
    return ok ? static_cast<double>(n) / (static_cast<double>(now_ns() - t0) / 1e9) : -1;
}

void print_steps(Steps& s) {
    auto row = [](const char* what, const std::vector<double>& v) {
        std::printf("daemon_lifecycle:   %-34s median=%7.2f ms  p90=%7.2f ms\n", what,
                    quantile(v, 0.5), quantile(v, 0.9));
    };
    row("POST /v1/domains?start=true", s.create);
    row("POST /v1/domains/bN/destroy", s.destroy);
    row("DELETE /v1/domains/bN", s.remove);
}

}  // namespace

int main(int argc, char** argv) {
    const auto n = domus::bench::option_u64(argc, argv, "runs", 40);
    const auto threads = static_cast<unsigned>(domus::bench::option_u64(argc, argv, "threads", 4));
    if (!domus::bench::have_kvm()) {
        std::printf("daemon_lifecycle: /dev/kvm is not available; skipped\n");
        return 0;
    }
    domus::bench::BenchDaemon d;
    if (!d.start()) {
        std::fprintf(stderr, "daemon_lifecycle: domusd did not start:\n%s\n", d.log().c_str());
        return 1;
    }
    Steps warm, serial, concurrent;
    // Warm-up (page cache, first-use costs), not counted.
    if (!lifecycle(d, "warm", warm) || !domus_run()) return 1;

    auto daemon_job = [&](Steps& s) {
        return [&](uint64_t i) { return lifecycle(d, "b" + std::to_string(i), s); };
    };
    auto run_job = [](uint64_t) { return domus_run(); };
    const double base_serial = rate(n, 1, run_job);
    const double daemon_serial = rate(n, 1, daemon_job(serial));
    const double base_par = rate(n, threads, run_job);
    const double daemon_par = rate(n, threads, daemon_job(concurrent));
    if (base_serial < 0 || daemon_serial < 0 || base_par < 0 || daemon_par < 0) return 1;

    std::printf("daemon_lifecycle: N=%llu create+start/destroy/delete, 16 MiB, cmdline service\n",
                static_cast<unsigned long long>(n));
    std::printf(
        "daemon_lifecycle: serial          %7.1f lifecycles/s  baseline domus run %7.1f/s"
        "  ratio %.2f\n",
        daemon_serial, base_serial, daemon_serial / base_serial);
    print_steps(serial);
    std::printf(
        "daemon_lifecycle: %u threads       %7.1f lifecycles/s  baseline domus run %7.1f/s"
        "  ratio %.2f\n",
        threads, daemon_par, base_par, daemon_par / base_par);
    print_steps(concurrent);
    const double worst = std::min(daemon_serial, daemon_par);
    std::printf("daemon_lifecycle: slower of the two %.1f lifecycles/s (goal >= 20/s: %s)\n", worst,
                worst >= 20 ? "met" : "NOT met");
    return 0;
}
