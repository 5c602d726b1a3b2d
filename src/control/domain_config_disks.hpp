// A domain's disks: virtual device names (vdev), the guest's order, the checks of a whole
// list, and xl.cfg's disk specifications (xl-disk-configuration(5)). All pure.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "control/domain_config.hpp"

namespace domus::control {

// A vdev's disk index: (xvd|hd|sd|vd) then letters, a = 0, b = 1, ...; a partition ("xvda1"),
// another form or an index beyond kMaxDomainDisks is refused with a message naming it.
struct VdevResult {
    std::optional<size_t> index;
    std::string error;
};
VdevResult parse_vdev(std::string_view vdev);

// The guest's name for disk index i: "vda", "vdb", ...
std::string guest_disk_name(size_t index);

// For a list check_disks accepted: the guest index of each disk. Disks with a vdev take its
// index; the others, in list order, take the lowest index no disk has.
std::vector<size_t> guest_disk_indexes(const std::vector<DiskConfig>& disks);
// The positions in `disks` in guest order (vda's first).
std::vector<size_t> guest_disk_order(const std::vector<DiskConfig>& disks);

// At most kMaxDomainDisks, each path usable (non-empty, shorter than kMaxKernelPathBytes, UTF-8,
// no NUL, no comma), each vdev valid and no two on the same index. `shown` names the list in
// messages and fields ("disks" gives "disks[1].vdev").
std::optional<ConfigError> check_disks(const std::vector<DiskConfig>& disks,
                                       std::string_view shown);

// One xl.cfg disk specification: positional "target,format,vdev,access" and/or key=value
// parameters, target= last taking the rest. What Domus cannot honour is refused by name.
struct XlDiskResult {
    std::optional<DiskConfig> disk;
    std::string error;  // names the parameter and its value
};
XlDiskResult parse_xl_disk_spec(std::string_view spec);
// The key=value form parse_xl_disk_spec reads back (vdev: the disk's, else the guest's name;
// the rate limits have no xl.cfg parameter and are left out).
std::string format_xl_disk_spec(const DiskConfig& disk, size_t guest_index);

}  // namespace domus::control
