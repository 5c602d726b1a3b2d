// System call round trip: gb_syscall (getppid through the raw `syscall` instruction, batches of
// 256 timed with clock_gettime) in a domain and on the host, rounds alternating. In the domain
// it also measures the platform floor in the same passes: the Domus-private system calls 0x1d0
// (syscall -> sysretq at once, enabled by the kernel parameter bench_floor=1) and 0x1d1 (the
// same with the kernel page table loaded and the user one again: two CR3 switches). Until the
// kernel has them (-ENOSYS) it prints "floor: not available".
//
//   bench_guest_syscall [--rounds=3] [--passes=5] [--budget-ms=100]
#include <cstdio>
#include <string>
#include <vector>

#include "guest_bench.hpp"

using namespace domus::bench;
using namespace domus::bench::guest;

int main(int argc, char** argv) {
    const auto rounds = option_u64(argc, argv, "rounds", 3);
    const auto passes = option_u64(argc, argv, "passes", 5);
    const auto budget = option_u64(argc, argv, "budget-ms", 100);
    if (!have_kvm()) {
        std::printf("guest_syscall: /dev/kvm is not available; skipped\n");
        return 0;
    }
    if (!build_images("guest_syscall")) return 1;

    const std::string args = std::to_string(passes) + " " + std::to_string(budget);
    const GuestRun g =
        spec(image("progs"), "bench_floor=1 init=/bin/gb_syscall -- " + args + " floor");
    const std::vector<std::string> host = {program("gb_syscall"), std::to_string(passes),
                                           std::to_string(budget)};
    std::vector<double> guest_ns, host_ns, floor_ns, floor_cr3_ns;
    bool have_floor = true;
    for (uint64_t i = 0; i < rounds; ++i) {
        auto r = run_guest(g);
        if (!ok("guest_syscall: domus run gb_syscall", r)) return 1;
        guest_ns.push_back(*result_field(r, "getppid_ns"));
        const auto f = result_field(r, "floor_ns"), fc = result_field(r, "floor_cr3_ns");
        if (f && fc) {
            floor_ns.push_back(*f);
            floor_cr3_ns.push_back(*fc);
        } else {
            have_floor = false;
        }
        auto h = run_child(host);
        if (!ok("guest_syscall: host gb_syscall", h)) return 1;
        host_ns.push_back(*result_field(h, "getppid_ns"));
    }
    const double gm = median(guest_ns), hm = median(host_ns);
    std::printf(
        "guest_syscall: getppid via syscall, %llu rounds x %llu passes x %llu ms, medians of the "
        "rounds' medians\n",
        static_cast<unsigned long long>(rounds), static_cast<unsigned long long>(passes),
        static_cast<unsigned long long>(budget));
    std::printf("guest_syscall: guest getppid        ns=%10.1f  (rounds: min %.1f max %.1f)\n", gm,
                quantile(guest_ns, 0), quantile(guest_ns, 1));
    std::printf("guest_syscall: host  getppid        ns=%10.1f  (rounds: min %.1f max %.1f)\n", hm,
                quantile(host_ns, 0), quantile(host_ns, 1));
    std::printf("guest_syscall: ratio guest/host = %s\n", ratio(gm, hm, 1).c_str());
    if (!have_floor) {
        std::printf(
            "guest_syscall: floor: not available (the kernel answers 0x1d0/0x1d1 with -ENOSYS)\n");
        return 0;
    }
    const double fm = median(floor_ns), fcm = median(floor_cr3_ns);
    std::printf("guest_syscall: floor syscall->sysretq            ns=%10.1f\n", fm);
    std::printf("guest_syscall: floor with two CR3 switches       ns=%10.1f\n", fcm);
    std::printf("guest_syscall: getppid - floor with CR3 (the kernel proper) ns=%.1f\n", gm - fcm);
    const double q = gm / fcm;
    std::printf("guest_syscall: ratio getppid/floor_cr3 = %.3f (goal <= 1.2: %s)\n", q,
                q <= 1.2 ? "met" : "NOT met");
    return 0;
}
