// Pipe ping-pong: gb_pipe's parent and child bounce one byte through two pipes; microseconds
// per round trip in a domain with 1 vCPU and with 2, and on the host with both processes bound
// to CPU 0 (like the 1-vCPU domain) and unbound. Rounds alternate.
//
//   bench_guest_pipe [--rounds=3] [--passes=3] [--budget-ms=200]
#include <cstdio>
#include <string>
#include <vector>

#include "guest_bench.hpp"

using namespace domus::bench;
using namespace domus::bench::guest;

int main(int argc, char** argv) {
    const auto rounds = option_u64(argc, argv, "rounds", 3);
    const auto passes = option_u64(argc, argv, "passes", 3);
    const auto budget = option_u64(argc, argv, "budget-ms", 200);
    if (!have_kvm()) {
        std::printf("guest_pipe: /dev/kvm is not available; skipped\n");
        return 0;
    }
    if (!build_images("guest_pipe")) return 1;
    const std::string p = std::to_string(passes), b = std::to_string(budget);
    const std::string cmdline = "init=/bin/gb_pipe -- " + p + " " + b;
    std::vector<double> g1, g2, hpin, hfree;
    for (uint64_t i = 0; i < rounds; ++i) {
        auto r = run_guest(spec(image("progs"), cmdline, 1));
        if (!ok("guest_pipe: domus run --vcpus 1 gb_pipe", r)) return 1;
        g1.push_back(*result_field(r, "us_per_round_trip"));
        r = run_child({program("gb_pipe"), p, b, "pin"});
        if (!ok("guest_pipe: host gb_pipe pin", r)) return 1;
        hpin.push_back(*result_field(r, "us_per_round_trip"));
        r = run_guest(spec(image("progs"), cmdline, 2));
        if (!ok("guest_pipe: domus run --vcpus 2 gb_pipe", r)) return 1;
        g2.push_back(*result_field(r, "us_per_round_trip"));
        r = run_child({program("gb_pipe"), p, b});
        if (!ok("guest_pipe: host gb_pipe", r)) return 1;
        hfree.push_back(*result_field(r, "us_per_round_trip"));
    }
    std::printf(
        "guest_pipe: one byte each way, %llu rounds x %llu passes x %llu ms; medians of the "
        "rounds' medians, us per round trip\n",
        static_cast<unsigned long long>(rounds), static_cast<unsigned long long>(passes),
        static_cast<unsigned long long>(budget));
    const double a = median(g1), c = median(hpin), d = median(g2), e = median(hfree);
    std::printf(
        "guest_pipe: guest 1 vCPU  us=%9.2f   host 1 CPU (pinned) us=%7.2f   ratio guest/host=%s\n",
        a, c, ratio(a, c, 1).c_str());
    std::printf(
        "guest_pipe: guest 2 vCPUs us=%9.2f   host unpinned       us=%7.2f   ratio guest/host=%s\n",
        d, e, ratio(d, e, 1).c_str());
    return 0;
}
