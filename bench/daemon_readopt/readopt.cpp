// kill -9 of the daemon under load: N running domains (16 MiB, `service`), client threads
// sending a steady stream of API requests (GET of one domain, of the list, of the host), then
// SIGKILL of domusd and a new domusd on the same state directory at once, as a service manager
// would. Every answer is checked against what is known to be true (each domain running, with the
// monitor pid it was started with). Prints the time until the new daemon answers and until all N
// are listed again, the requests answered, refused while no daemon listened, answered with an
// error status, and answered wrongly; and the domains lost or duplicated. Baseline in the same
// run: the same start of a daemon with no domains.
//
//   bench_daemon_readopt [--domains=100] [--rate=200] [--before-ms=3000] [--after-ms=5000]
#include <signal.h>

#include <atomic>
#include <boost/json.hpp>
#include <cstdio>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "bench_common.hpp"
#include "daemon_bench.hpp"
#include "daemon_spawn.hpp"

namespace {

namespace json = boost::json;
using domus::bench::now_ns;

double ms_between(uint64_t a, uint64_t b) {
    return static_cast<double>(b - a) / 1e6;
}

struct Tally {
    std::atomic<uint64_t> sent{0}, ok{0}, refused{0}, error_status{0}, wrong{0};
    std::mutex mu;
    std::string first_wrong;
};

// What every answer must agree with: domain name -> monitor pid.
using Truth = std::map<std::string, int64_t>;

bool domain_matches(const json::object& o, const Truth& truth) {
    const auto* name = o.if_contains("name");
    if (name == nullptr || !name->is_string()) return false;
    auto it = truth.find(std::string(name->as_string()));
    if (it == truth.end()) return o.at("name").as_string() == "Domain-0";
    const auto* state = o.if_contains("state");
    const auto* pid = o.if_contains("pid");
    return state != nullptr && state->is_string() && state->as_string() == "running" &&
           pid != nullptr && pid->is_int64() && pid->as_int64() == it->second;
}

// "" when the answer is right, else what is wrong with it.
std::string check(const std::string& path, const std::string& body, const Truth& truth) {
    boost::system::error_code ec;
    const auto v = json::parse(body, ec);
    if (ec || !v.is_object()) return path + ": not a JSON object: " + body.substr(0, 200);
    const auto& o = v.as_object();
    if (path == "/v1/host") return o.contains("domains_running") ? "" : path + ": " + body;
    if (path == "/v1/domains") {
        const auto* list = o.if_contains("domains");
        if (list == nullptr || !list->is_array()) return path + ": no list";
        size_t seen = 0;
        for (const auto& d : list->as_array()) {
            if (!d.is_object() || !domain_matches(d.as_object(), truth)) {
                return path + ": " + json::serialize(d);
            }
            ++seen;
        }
        return seen == truth.size() + 1 ? "" : path + ": " + std::to_string(seen) + " entries";
    }
    return domain_matches(o, truth) ? "" : path + ": " + body.substr(0, 300);
}

void client(const domus::bench::BenchDaemon& d, const Truth& truth, int index, double rate,
            const std::atomic<bool>& stop, Tally& tally) {
    std::vector<std::string> names;
    for (const auto& [name, pid] : truth) names.push_back(name);
    const uint64_t period_ns = static_cast<uint64_t>(1e9 / rate);
    uint64_t next = now_ns();
    for (uint64_t i = static_cast<uint64_t>(index); !stop.load(); i += 7) {
        const std::string path = i % 10 == 0   ? "/v1/domains"
                                 : i % 10 == 1 ? "/v1/host"
                                               : "/v1/domains/" + names[i % names.size()];
        tally.sent++;
        const auto r = d.request("GET", path, "", 5000);
        if (r.status == 0) {
            tally.refused++;
        } else if (r.status != 200) {
            tally.error_status++;
            std::lock_guard lock(tally.mu);
            if (tally.first_wrong.empty()) {
                tally.first_wrong = path + ": HTTP " + std::to_string(r.status) + " " + r.body;
            }
        } else if (auto bad = check(path, r.body, truth); !bad.empty()) {
            tally.wrong++;
            std::lock_guard lock(tally.mu);
            if (tally.first_wrong.empty()) tally.first_wrong = bad;
        } else {
            tally.ok++;
        }
        next += period_ns;
        const uint64_t now = now_ns();
        if (next > now)
            std::this_thread::sleep_for(std::chrono::nanoseconds(next - now));
        else
            next = now;  // behind: no burst to catch up
    }
}

// Polls the list until every domain of `truth` is running with its pid; ms, or -1 on timeout.
double wait_all_listed(const domus::bench::BenchDaemon& d, const Truth& truth, uint64_t t0) {
    while (ms_between(t0, now_ns()) < 60000) {
        const auto r = d.request("GET", "/v1/domains", "", 5000);
        if (r.status == 200 && check("/v1/domains", r.body, truth).empty()) {
            return ms_between(t0, now_ns());
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    return -1;
}

}  // namespace

int main(int argc, char** argv) {
    using domus::bench::option_u64;
    const int n = static_cast<int>(option_u64(argc, argv, "domains", 100));
    const double rate = static_cast<double>(option_u64(argc, argv, "rate", 200));
    const uint64_t before_ms = option_u64(argc, argv, "before-ms", 3000);
    const uint64_t after_ms = option_u64(argc, argv, "after-ms", 5000);
    if (!domus::bench::have_kvm()) {
        std::printf("bench_daemon_readopt: skipped: /dev/kvm is not available\n");
        return 0;
    }

    // Baseline: a daemon with no domains, from spawn to its first answer.
    double empty_start_ms = -1;
    {
        domus::bench::BenchDaemon base;
        const uint64_t t = now_ns();
        if (base.spawn() && base.wait_ready(10, 100)) empty_start_ms = ms_between(t, now_ns());
    }

    domus::bench::BenchDaemon d;
    if (!d.start()) {
        std::fprintf(stderr, "bench_daemon_readopt: domusd did not start\n%s", d.log().c_str());
        return 1;
    }
    Truth truth;
    const uint64_t t_create = now_ns();
    for (int i = 0; i < n; ++i) {
        const std::string name = "r" + std::to_string(i);
        const auto r = d.request("POST", "/v1/domains?start=true", domus::bench::domain_body(name));
        boost::system::error_code ec;
        const auto v = json::parse(r.body, ec);
        if (r.status != 201 || ec || !v.is_object() || !v.as_object().contains("pid")) {
            std::fprintf(stderr, "bench_daemon_readopt: starting %s: HTTP %d %s\n", name.c_str(),
                         r.status, r.body.c_str());
            return 1;
        }
        truth[name] = v.as_object().at("pid").to_number<int64_t>();
    }
    const double create_ms = ms_between(t_create, now_ns());

    Tally tally;
    std::atomic<bool> stop{false};
    constexpr int kClients = 4;
    std::vector<std::thread> clients;
    for (int c = 0; c < kClients; ++c) {
        clients.emplace_back([&, c] { client(d, truth, c, rate / kClients, stop, tally); });
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(before_ms));

    const uint64_t t_kill = now_ns();
    d.kill9();
    double ready_ms = -1, listed_ms = -1;
    if (d.spawn() && d.wait_ready(30, 100)) {
        ready_ms = ms_between(t_kill, now_ns());
        listed_ms = wait_all_listed(d, truth, t_kill);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(after_ms));
    stop = true;
    for (auto& t : clients) t.join();

    // Domains lost (a monitor gone, or a pid changed) or duplicated (more monitors than domains).
    const auto monitors = domus::test::monitors_under(d.dir());
    int lost = 0;
    for (const auto& [name, pid] : truth) {
        if (::kill(static_cast<pid_t>(pid), 0) != 0) ++lost;
    }
    const long duplicated = static_cast<long>(monitors.size()) - (n - lost);

    std::printf(
        "bench_daemon_readopt: %d running domains (16 MiB, service), %d clients at %.0f "
        "req/s in all, kill -9 of domusd after %llu ms, a new domusd at once\n",
        n, kClients, rate, static_cast<unsigned long long>(before_ms));
    std::printf("  %-44s %10.1f ms\n", "starting the domains (serially)", create_ms);
    std::printf("  %-44s %10.1f ms\n", "kill -9 -> the new daemon answers", ready_ms);
    std::printf("  %-44s %10.1f ms\n", "kill -9 -> all domains listed, same pids", listed_ms);
    std::printf("  %-44s %10.1f ms   (ratio %.2fx)\n", "baseline: an empty daemon answers",
                empty_start_ms, empty_start_ms > 0 ? ready_ms / empty_start_ms : 0.0);
    std::printf(
        "  requests: %llu sent, %llu right, %llu refused (no daemon listening), "
        "%llu error statuses, %llu answered wrongly\n",
        static_cast<unsigned long long>(tally.sent.load()),
        static_cast<unsigned long long>(tally.ok.load()),
        static_cast<unsigned long long>(tally.refused.load()),
        static_cast<unsigned long long>(tally.error_status.load()),
        static_cast<unsigned long long>(tally.wrong.load()));
    std::printf("  domains: %d lost, %ld duplicated (monitors now: %zu)\n", lost, duplicated,
                monitors.size());
    if (!tally.first_wrong.empty())
        std::printf("  first bad answer: %s\n", tally.first_wrong.c_str());
    const bool good = ready_ms >= 0 && listed_ms >= 0 && lost == 0 && duplicated == 0 &&
                      tally.wrong == 0 && tally.error_status == 0;
    std::printf("  result: %s\n", good ? "every domain re-adopted, every answer right" : "FAILED");
    return good ? 0 : 1;
}
