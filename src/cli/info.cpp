#include "cli/info.hpp"

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <optional>

#include <boost/json.hpp>

#include "cli/api_client.hpp"
#include "cli/format.hpp"
#include "domus/abi/boot_info.h"
#include "hv/hypervisor.hpp"
#include "vmm/vm_config.hpp"

namespace domus::cli {

void print_version() {
    std::printf("domus %s (guest ABI v%u)\n", DOMUS_VERSION, DOMUS_ABI_VERSION);
}

namespace {

// GET /v1/host: the host object, or the one-line reason the daemon did not give it.
struct DaemonHost {
    std::optional<boost::json::object> host;
    std::string error;
};

DaemonHost query_daemon(const std::string& socket_path) {
    ApiClient api(socket_path, ClientTimeouts{std::chrono::seconds(2), std::chrono::seconds(5)});
    auto body = api.call(Method::get, "/v1/host");
    if (!body) return {std::nullopt, body.error().message};
    boost::system::error_code ec;
    auto v = boost::json::parse(*body, ec);
    if (ec || !v.is_object()) return {std::nullopt, "domusd sent a malformed host object"};
    return {std::move(v.as_object()), {}};
}

}  // namespace

int print_info(bool json, const std::string& socket_path) {
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
    const DaemonHost daemon = query_daemon(socket_path);
    if (json) {
        std::printf(
            "{\"version\":\"%s\",\"abi_version\":%u,\"backend\":\"%s\",\"pvm\":%s,"
            "\"host_cpus\":%ld,\"host_memory_available_mib\":%llu,\"max_vcpus\":%d,"
            "\"tsc_khz\":%u,\"caps\":{\"irqchip\":%s,\"irqfd\":%s,\"ioeventfd\":%s,"
            "\"sync_regs\":%s,\"immediate_exit\":%s},\"daemon\":%s}\n",
            DOMUS_VERSION, DOMUS_ABI_VERSION, name,
            backend && *backend == hv::Backend::pvm ? "true" : "false", cpus,
            static_cast<unsigned long long>(mem), max_vcpus, khz ? *khz : 0u,
            c.irqchip ? "true" : "false", c.irqfd ? "true" : "false",
            c.ioeventfd ? "true" : "false", c.sync_regs ? "true" : "false",
            c.immediate_exit ? "true" : "false",
            daemon.host ? boost::json::serialize(*daemon.host).c_str() : "null");
        return 0;
    }
    std::printf("domus version     : %s (guest ABI v%u)\n", DOMUS_VERSION, DOMUS_ABI_VERSION);
    std::printf("backend           : %s\n", name);
    std::printf("host CPUs         : %ld\n", cpus);
    std::printf("host memory free  : %llu MiB\n", static_cast<unsigned long long>(mem));
    std::printf("max vCPUs/domain  : %d (KVM %d, recommended %d, ABI %u)\n", max_vcpus, c.max_vcpus,
                c.recommended_vcpus, DOMUS_MAX_VCPUS);
    std::printf("TSC               : %u kHz\n", khz ? *khz : 0u);
    std::printf(
        "capabilities      : irqchip=%d irqfd=%d ioeventfd=%d sync_regs=%d "
        "immediate_exit=%d x2apic_api=%d\n",
        c.irqchip, c.irqfd, c.ioeventfd, c.sync_regs, c.immediate_exit, c.x2apic_api);
    if (daemon.host) {
        std::fputs(format_host(*daemon.host, socket_path).c_str(), stdout);
    } else {
        std::printf("domusd            : %s\n", daemon.error.c_str());
    }
    return 0;
}

}  // namespace domus::cli
