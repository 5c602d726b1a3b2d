#include "cli/info.hpp"

#include <unistd.h>

#include <algorithm>
#include <cstdio>

#include "domus/abi/boot_info.h"
#include "hv/hypervisor.hpp"
#include "vmm/vm_config.hpp"

namespace domus::cli {

void print_version() {
    std::printf("domus %s (guest ABI v%u)\n", DOMUS_VERSION, DOMUS_ABI_VERSION);
}

int print_info(bool json) {
    auto hv = hv::Hypervisor::open();
    if (!hv) {
        std::fprintf(stderr, "domus: error: %s\n", hv.error().message.c_str());
        return 1;
    }
    auto vm = hv->create_vm();
    if (!vm) {
        std::fprintf(stderr, "domus: error: %s\n", vm.error().message.c_str());
        return 1;
    }
    auto vcpu = vm->create_vcpu(0);
    if (!vcpu) {
        std::fprintf(stderr, "domus: error: %s\n", vcpu.error().message.c_str());
        return 1;
    }
    auto backend = hv::Hypervisor::detect_backend(*vcpu);
    const auto& c = hv->caps();
    const char* name = backend ? hv::to_string(*backend) : "unknown";
    auto khz = vcpu->tsc_khz();
    const long cpus = ::sysconf(_SC_NPROCESSORS_ONLN);
    const uint64_t mem = vmm::host_available_memory_mib();
    const int max_vcpus = std::min<int>(c.max_vcpus, DOMUS_MAX_VCPUS);
    if (json) {
        std::printf(
            "{\"version\":\"%s\",\"abi_version\":%u,\"backend\":\"%s\",\"pvm\":%s,"
            "\"host_cpus\":%ld,\"host_memory_available_mib\":%llu,\"max_vcpus\":%d,"
            "\"tsc_khz\":%u,\"caps\":{\"irqchip\":%s,\"irqfd\":%s,\"ioeventfd\":%s,"
            "\"sync_regs\":%s,\"immediate_exit\":%s}}\n",
            DOMUS_VERSION, DOMUS_ABI_VERSION, name,
            backend && *backend == hv::Backend::pvm ? "true" : "false", cpus,
            static_cast<unsigned long long>(mem), max_vcpus, khz ? *khz : 0u,
            c.irqchip ? "true" : "false", c.irqfd ? "true" : "false",
            c.ioeventfd ? "true" : "false", c.sync_regs ? "true" : "false",
            c.immediate_exit ? "true" : "false");
        return 0;
    }
    std::printf("domus version     : %s (guest ABI v%u)\n", DOMUS_VERSION, DOMUS_ABI_VERSION);
    std::printf("backend           : %s\n", name);
    std::printf("host CPUs         : %ld\n", cpus);
    std::printf("host memory free  : %llu MiB\n", static_cast<unsigned long long>(mem));
    std::printf("max vCPUs/domain  : %d (KVM %d, recommended %d, ABI %u)\n", max_vcpus,
                c.max_vcpus, c.recommended_vcpus, DOMUS_MAX_VCPUS);
    std::printf("TSC               : %u kHz\n", khz ? *khz : 0u);
    std::printf("capabilities      : irqchip=%d irqfd=%d ioeventfd=%d sync_regs=%d "
                "immediate_exit=%d x2apic_api=%d\n",
                c.irqchip, c.irqfd, c.ioeventfd, c.sync_regs, c.immediate_exit, c.x2apic_api);
    return 0;
}

}  // namespace domus::cli
