// hello: the boot banner, then power off. Must stay cheap: on the PVM host every hypercall
// is ~28 us and the target for a whole `domus run` is 5 ms, so the banner is one kprintf
// (one HC_CONSOLE_WRITE) and nothing here touches the timer or the clock.
#include "domus/abi/boot_info.h"
#include "domus/abi/hypercall.h"
#include "kernel/boot.hpp"
#include "kernel/console.hpp"
#include "kernel/format.hpp"
#include "kernel/platform.hpp"
#include "kernel/smp.hpp"
#include "workloads/workloads.hpp"

WorkloadExit run_hello(const Options&) {
    const uint32_t online = smp_online_count();
    const bool all_online = online == g_boot.vcpu_count;
    char vcpus[48];
    if (all_online) {
        format_to(vcpus, sizeof(vcpus), "%u, all online", g_boot.vcpu_count);
    } else {
        format_to(vcpus, sizeof(vcpus), "%u, only %u online", g_boot.vcpu_count, online);
    }
    kprintf(
        "Domus guest kernel (ABI %u)\n"
        "  vcpus:   %s\n"
        "  memory:  %lu MiB\n"
        "  host:    %s\n"
        "  cmdline: \"%s\"\n",
        DOMUS_ABI_VERSION, vcpus, g_boot.memory_bytes >> 20, platform_host_name(), g_boot.cmdline);
    if (!all_online) return {DOMUS_SHUTDOWN_CRASH, 1};
    return {DOMUS_SHUTDOWN_POWEROFF, 0};
}
