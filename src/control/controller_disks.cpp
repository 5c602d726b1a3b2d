// A domain's disk images, checked against the image dirs at create, PATCH and every start.
#include "control/controller_internal.hpp"
#include "control/domain_config_disks.hpp"
#include "control/image_paths.hpp"
#include "vmm/vm_config.hpp"

namespace domus::control {

static_assert(kMaxDomainDisks == vmm::kMaxDisks, "the config's disk limit is the monitor's");

ApiResult<std::vector<std::string>> ControllerImpl::check_disk_images(const DomainConfig& config) {
    std::vector<std::string> options;
    for (size_t i : guest_disk_order(config.disks)) {
        const DiskConfig& d = config.disks[i];
        const std::string field = "disks[" + std::to_string(i) + "].path";
        auto resolved = resolve_disk_image(image_dirs_, d.path);
        if (!resolved) return api_error(400, "invalid_field", resolved.error().message, field);
        vmm::DiskSpec spec;
        spec.path = *resolved;
        spec.read_only = d.read_only;
        spec.bytes_per_sec = d.bytes_per_sec;
        spec.ops_per_sec = d.ops_per_sec;
        options.push_back(vmm::format_disk_option(spec));
    }
    return options;
}

}  // namespace domus::control
