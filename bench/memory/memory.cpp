// Monitor memory overhead: the peak RSS of `domus run` (hello, 1 vCPU) minus the guest pages
// actually touched (DOMUS_STATS=1 makes domus print guest_resident_kib, the memfd's allocated
// pages, at exit), for a 64 MiB and a 1024 MiB guest, beside the peak RSS of `domus version`
// (the same binary, no VM) measured in the same run.
//
// Then the monitor the daemon starts: a domus-vmm (jailed, under seccomp, as the daemon runs
// it) beside a `domus run` of the same long-running guest (`service`, 1 vCPU, 64 and 1024 MiB),
// each read from /proc/<pid>/status once the guest's first heartbeat is out: VmRSS minus
// RssShmem (the guest memfd's resident pages) is the monitor's own memory, VmHWM its peak.
//
//   bench_memory [--runs=5]
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <boost/json.hpp>
#include <chrono>
#include <cinttypes>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "bench_common.hpp"
#include "daemon_bench.hpp"
#include "daemon_spawn.hpp"

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

std::string read_all(const std::string& path) {
    std::ifstream in(path);
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
}

// Polls `path` until it holds `text` (10 s at most).
bool wait_for_text(const std::string& path, const std::string& text) {
    for (int i = 0; i < 1000; ++i) {
        if (read_all(path).find(text) != std::string::npos) return true;
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return false;
}

struct Resident {
    long own_kib = -1;    // VmRSS - RssShmem
    long guest_kib = -1;  // RssShmem
    long hwm_kib = -1;    // VmHWM
};

Resident resident_of(pid_t pid) {
    const bench::ProcMemory m = bench::proc_memory(pid);
    if (m.rss_kib < 0 || m.shmem_kib < 0) return {};
    return {m.rss_kib - m.shmem_kib, m.shmem_kib, m.hwm_kib};
}

// `domus run` of the service guest, output to a file, measured at its first heartbeat.
bool measure_domus_run_service(uint64_t memory_mib, const std::string& dir, Resident& out) {
    const std::string log = dir + "/run-" + std::to_string(memory_mib) + ".out";
    const pid_t pid = test::spawn_logged({DOMUS_BIN, "run", "--vcpus", "1", "--memory",
                                          std::to_string(memory_mib), "--cmdline", "service"},
                                         log);
    if (pid < 0) return false;
    const bool up = wait_for_text(log, "service: heartbeat 1");
    if (up) out = resident_of(pid);
    ::kill(pid, SIGKILL);
    int status = 0;
    ::waitpid(pid, &status, 0);
    if (!up)
        std::fprintf(stderr, "memory: domus run service: no heartbeat:\n%s\n",
                     read_all(log).c_str());
    return up && out.own_kib >= 0;
}

// The same guest through the daemon: its domus-vmm, found by the domain's pid.
bool measure_domus_vmm_service(bench::BenchDaemon& d, uint64_t memory_mib, Resident& out) {
    const std::string name = "mem" + std::to_string(memory_mib);
    const std::string body = R"({"name":")" + name + R"(","cmdline":"service","memory":)" +
                             std::to_string(memory_mib) + "}";
    auto r = d.request("POST", "/v1/domains", body);
    if (r.status != 201) {
        std::fprintf(stderr, "memory: POST %s: HTTP %d %s\n", name.c_str(), r.status,
                     r.body.c_str());
        return false;
    }
    r = d.request("POST", "/v1/domains/" + name + "/start");
    if (r.status != 200) {
        std::fprintf(stderr, "memory: start %s: HTTP %d %s\n", name.c_str(), r.status,
                     r.body.c_str());
        return false;
    }
    boost::system::error_code ec;
    const boost::json::value v = boost::json::parse(r.body, ec);
    const boost::json::object* o = ec ? nullptr : v.if_object();
    const auto* pid = o ? o->if_contains("pid") : nullptr;
    const auto* id = o ? o->if_contains("id") : nullptr;
    if (pid == nullptr || !pid->is_int64() || id == nullptr || !id->is_int64()) {
        std::fprintf(stderr, "memory: start %s: no pid/id in %s\n", name.c_str(), r.body.c_str());
        return false;
    }
    const std::string ids = std::to_string(id->as_int64());
    const std::string console = d.state_dir() + "/run/" + ids + "/" + ids + ".console.log";
    if (!wait_for_text(console, "service: heartbeat 1")) {
        std::fprintf(stderr, "memory: %s: no heartbeat in %s\n", name.c_str(), console.c_str());
        return false;
    }
    out = resident_of(pid_t(pid->as_int64()));
    (void)d.request("POST", "/v1/domains/" + name + "/destroy");
    return out.own_kib >= 0;
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

    // The monitor the daemon starts, beside domus run, on the same running guest.
    bench::BenchDaemon d;
    if (!d.start()) {
        std::fprintf(stderr, "memory: domusd did not start:\n%s\n", d.log().c_str());
        return 1;
    }
    std::printf(
        "memory: running `service`, at its first heartbeat, KiB (own = VmRSS - RssShmem)\n");
    for (uint64_t mib : {64u, 1024u}) {
        Resident run, vmm;
        if (!measure_domus_run_service(mib, d.dir(), run)) return 1;
        if (!measure_domus_vmm_service(d, mib, vmm)) return 1;
        for (const auto& [what, f] : {std::pair{"domus run", run}, std::pair{"domus-vmm", vmm}}) {
            std::printf("memory: %-9s service %4" PRIu64
                        " MiB  own=%7ld  guest_resident=%7ld  peak_rss=%7ld "
                        "(own %.2f MiB; goal <= 5 MiB: %s)\n",
                        what, mib, f.own_kib, f.guest_kib, f.hwm_kib, double(f.own_kib) / 1024,
                        f.own_kib <= 5 * 1024 ? "met" : "NOT met");
        }
        std::printf("memory: ratio domus-vmm/domus run own memory, %4" PRIu64 " MiB = %.2f\n", mib,
                    double(vmm.own_kib) / double(run.own_kib));
    }
    return 0;
}
