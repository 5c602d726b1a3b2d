// fork + exec + wait: gb_forkexec forks, the child execs gb_true (a static musl `return 0`),
// the parent waits; in a domain and on the host, rounds alternating. A diagnostic row does the
// same without exec (the child calls _exit at once): fork + exit + wait.
//
//   bench_guest_fork [--rounds=3] [--passes=3] [--budget-ms=200]
#include <cstdio>
#include <string>
#include <vector>

#include "guest_bench.hpp"

using namespace domus::bench;
using namespace domus::bench::guest;

namespace {

struct Figures {
    std::vector<double> guest, host;
};

bool measure(const std::string& what, const std::string& guest_arg, const std::string& host_arg,
             uint64_t rounds, const std::string& args, Figures& f) {
    const GuestRun g = spec(image("progs"), "init=/bin/gb_forkexec -- " + args + " " + guest_arg);
    for (uint64_t i = 0; i < rounds; ++i) {
        auto r = run_guest(g);
        if (!ok("guest_fork: domus run gb_forkexec " + what, r)) return false;
        f.guest.push_back(*result_field(r, "us_per_iter"));
        const std::string p = args.substr(0, args.find(' '));
        const std::string b = args.substr(args.find(' ') + 1);
        auto h = run_child({program("gb_forkexec"), p, b, host_arg});
        if (!ok("guest_fork: host gb_forkexec " + what, h)) return false;
        f.host.push_back(*result_field(h, "us_per_iter"));
    }
    return true;
}

void print(const char* what, const Figures& f) {
    const double g = median(f.guest), h = median(f.host);
    std::printf("guest_fork: %-22s guest us=%9.1f  host us=%8.1f  ratio guest/host=%s\n", what, g,
                h, ratio(g, h, 1).c_str());
}

}  // namespace

int main(int argc, char** argv) {
    const auto rounds = option_u64(argc, argv, "rounds", 3);
    const auto passes = option_u64(argc, argv, "passes", 3);
    const auto budget = option_u64(argc, argv, "budget-ms", 200);
    if (!have_kvm()) {
        std::printf("guest_fork: /dev/kvm is not available; skipped\n");
        return 0;
    }
    if (!build_images("guest_fork")) return 1;
    const std::string args = std::to_string(passes) + " " + std::to_string(budget);
    Figures exec, bare;
    if (!measure("exec", "/bin/gb_true", program("gb_true"), rounds, args, exec)) return 1;
    if (!measure("exit", "exit", "exit", rounds, args, bare)) return 1;
    std::printf(
        "guest_fork: per iteration, %llu rounds x %llu passes x %llu ms, 1 vCPU; medians of the "
        "rounds' medians\n",
        static_cast<unsigned long long>(rounds), static_cast<unsigned long long>(passes),
        static_cast<unsigned long long>(budget));
    print("fork+exec(true)+wait", exec);
    print("fork+_exit+wait (diag)", bare);
    return 0;
}
