// Hypercall round trip: the guest's `bench hc_iters=N` (hypercall_ns, timed inside the guest
// through domus run) beside the floor, a minimal KVM port-I/O exit loop measured in the same
// run: a 1-vCPU long-mode VM built with Domus's own hv and arch layers whose guest
// (floor_guest.S) does N `out` instructions, while the host loop only calls vcpu.run() and
// re-enters on each exit. Runs alternate guest, floor, guest, ...; the figure is the ratio of
// the medians.
//
//   bench_hypercall [--runs=5] [--iters=20000] [--unregistered=1]
//
// --unregistered=1 also times the floor guest without its PVM registration (every guest
// instruction emulated), for comparison only.
#include <cinttypes>
#include <cstdio>
#include <span>
#include <string>
#include <vector>

#include "arch/x86/boot_cpu.hpp"
#include "arch/x86/boot_info_page.hpp"
#include "arch/x86/page_tables.hpp"
#include "bench_common.hpp"
#include "domus/abi/boot_info.h"
#include "hv/hypervisor.hpp"
#include "memory/guest_memory.hpp"

extern "C" const uint8_t floor_guest_start[];
extern "C" const uint8_t floor_guest_end[];

namespace {

using namespace domus;

constexpr uint64_t kFloorRam = 4ull << 20;
constexpr uint64_t kFloorEntry = DOMUS_GPA_KERNEL_MIN;  // 1 MiB
constexpr uint16_t kLoopPort = 0xe5;
constexpr uint16_t kDonePort = 0xe6;

struct Floor {
    hv::Backend backend = hv::Backend::hardware;
    double ns_per_exit = 0;
};

Result<Floor> measure_floor(uint64_t iters, bool register_pvm = true) {
    auto hv = hv::Hypervisor::open();
    if (!hv) return hv.error();
    auto vm = hv->create_vm();
    if (!vm) return vm.error();
    auto mem = GuestMemory::create(kFloorRam);
    if (!mem) return mem.error();
    if (auto st = vm->set_memory(0, 0, mem->size(), mem->host_base_for_kvm()); !st) {
        return st.error();
    }
    if (auto st = x86::build_identity_page_tables(*mem, mem->size()); !st) return st.error();
    if (auto st = x86::write_boot_descriptors(*mem); !st) return st.error();
    if (auto st = mem->fill(x86::vcpu_page_gpa(0), 4096, 0); !st) return st.error();
    const std::span<const uint8_t> code(floor_guest_start, floor_guest_end);
    if (auto st = mem->write(kFloorEntry, code); !st) return st.error();

    auto vcpu = vm->create_vcpu(0);
    if (!vcpu) return vcpu.error();
    auto backend = hv::Hypervisor::detect_backend(*vcpu);
    if (!backend) return backend.error();
    auto cpuid = hv->supported_cpuid();
    if (!cpuid) return cpuid.error();
    if (auto st = vcpu->set_cpuid(*cpuid); !st) return st.error();
    if (auto st = vcpu->set_sregs(x86::boot_special_regs()); !st) return st.error();
    const bool pvm = *backend == hv::Backend::pvm;
    const uint64_t reg_page = pvm && register_pvm ? x86::vcpu_page_gpa(0) : 0;
    hv::Regs regs = x86::boot_regs(kFloorEntry, 0, 0, reg_page);
    regs.rbx = iters;
    if (auto st = vcpu->set_regs(regs); !st) return st.error();

    // The loop under test: run, and on each exit run again. The clock starts at the first
    // loop exit (after registration), so t1 - t0 spans exactly `iters` round trips.
    uint64_t t0 = 0, t1 = 0, loop_exits = 0;
    for (;;) {
        auto exit = vcpu->run();
        if (!exit) return exit.error();
        if (exit->kind == hv::VmExitKind::io && exit->io.port == kLoopPort) {
            if (loop_exits++ == 0) t0 = bench::now_ns();
            continue;
        }
        if (exit->kind == hv::VmExitKind::io && exit->io.port == kDonePort) {
            t1 = bench::now_ns();
            break;
        }
        if (exit->kind == hv::VmExitKind::interrupted) continue;
        return make_error(Errc::kvm, std::string("floor guest: unexpected ") +
                                         hv::to_string(exit->kind) + " exit (reason " +
                                         std::to_string(exit->raw_reason) + ")");
    }
    if (loop_exits != iters) {
        return make_error(Errc::kvm, "floor guest: " + std::to_string(loop_exits) +
                                         " loop exits, expected " + std::to_string(iters));
    }
    return Floor{*backend, static_cast<double>(t1 - t0) / static_cast<double>(iters)};
}

bool run_guest(uint64_t iters, double& ns) {
    const std::string cmdline = "bench cpu_iters=1000 hc_iters=" + std::to_string(iters);
    auto r = bench::run_child(
        {DOMUS_BIN, "run", "--vcpus", "1", "--memory", "64", "--cmdline", cmdline});
    const auto line = r.out.find("bench: hypercall_ns=");
    auto hc = bench::field_u64(r.out, "hypercall_ns");
    auto n =
        line == std::string::npos ? std::nullopt : bench::field_u64(r.out.substr(line), "iters");
    if (r.exit_code != 0 || !hc || !n || *n != iters) {
        bench::report_failure("hypercall: domus run " + cmdline, r);
        return false;
    }
    ns = static_cast<double>(*hc);
    return true;
}

}  // namespace

int main(int argc, char** argv) {
    const auto runs = bench::option_u64(argc, argv, "runs", 5);
    const auto iters = bench::option_u64(argc, argv, "iters", 20000);
    if (!bench::have_kvm()) {
        std::printf("hypercall: /dev/kvm is not available; skipped\n");
        return 0;
    }
    std::vector<double> guest_ns, floor_ns;
    hv::Backend backend = hv::Backend::hardware;
    for (uint64_t i = 0; i < runs; ++i) {
        double g = 0;
        if (!run_guest(iters, g)) return 1;
        auto f = measure_floor(iters);
        if (!f) {
            std::fprintf(stderr, "hypercall: floor: %s\n", f.error().message.c_str());
            return 1;
        }
        guest_ns.push_back(g);
        floor_ns.push_back(f->ns_per_exit);
        backend = f->backend;
    }
    std::printf("hypercall: backend %s, %" PRIu64 " round trips per run, %" PRIu64
                " alternating runs each\n",
                hv::to_string(backend), iters, runs);
    const double g = bench::median(guest_ns), f = bench::median(floor_ns);
    std::printf("hypercall: domus hypercall_ns median=%9.0f  (min %.0f, max %.0f)\n", g,
                bench::quantile(guest_ns, 0), bench::quantile(guest_ns, 1));
    std::printf(
        "hypercall: floor out->KVM_EXIT_IO->KVM_RUN ns median=%9.0f  (min %.0f, max %.0f)\n", f,
        bench::quantile(floor_ns, 0), bench::quantile(floor_ns, 1));
    if (bench::option_u64(argc, argv, "unregistered", 0) != 0 && backend == hv::Backend::pvm) {
        std::vector<double> unreg_ns;
        for (uint64_t i = 0; i < runs; ++i) {
            auto u = measure_floor(iters, false);
            if (!u) {
                std::fprintf(stderr, "hypercall: floor: %s\n", u.error().message.c_str());
                return 1;
            }
            unreg_ns.push_back(u->ns_per_exit);
        }
        std::printf(
            "hypercall: (for comparison) floor without PVM registration, emulated guest, "
            "ns median=%.0f\n",
            bench::median(unreg_ns));
    }
    const double ratio = g / f;
    std::printf("hypercall: ratio domus/floor = %.3f (goal <= 1.2: %s)\n", ratio,
                ratio <= 1.2 ? "met" : "NOT met");
    return 0;
}
