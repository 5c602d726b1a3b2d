// Xen's credit-scheduler and memory settings as Linux cgroup values, and the text the kernel
// gives about cgroups (/proc/self/mountinfo, /proc/PID/cgroup). Everything here is pure.
//
// Mapping (docs/api.md, "Resource control"):
//   weight (xl cpu_weight, 1..65535, default 256) -> v1 cpu.shares = weight * 4 (1024 for 256);
//                                                    v2 cpu.weight = weight * 100 / 256, 1..10000
//   cap (percent of one CPU, 0 = none)            -> cfs quota = cap * period / 100 (period
//                                                    100000 us); v1 cpu.cfs_quota_us, v2 cpu.max
//   cpus (xl cpus, e.g. "0-3,^1", "all")          -> cpuset.cpus of the monitor's cgroup
//   memory                                        -> memory.max / memory.limit_in_bytes =
//                                                    guest memory + kMonitorOverheadMib
//   pids.max                                      -> kMonitorPidsMax
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.hpp"

namespace domus::control {

inline constexpr uint32_t kDefaultCpuWeight = 256;  // xl's default
inline constexpr uint32_t kMinCpuWeight = 1;
inline constexpr uint32_t kMaxCpuWeight = 65535;
inline constexpr uint32_t kMaxCap = 6400;  // 64 vCPUs, each a whole CPU
inline constexpr uint64_t kCfsPeriodUs = 100000;
// What the monitor may use beyond the guest's RAM (its own heap, thread stacks, io_uring rings,
// the disk page cache it causes, which the kernel reclaims at the limit).
inline constexpr uint64_t kMonitorOverheadMib = 128;
// The monitor's threads (vCPUs, virtio back ends, io_uring's workers) never come near this.
inline constexpr uint64_t kMonitorPidsMax = 1024;
// CPU numbers in a cpus list are below this.
inline constexpr uint32_t kMaxCpuIndex = 4096;

// xl's cpus syntax, read left to right: "all", "N", "N-M", "^N", "^N-M" separated by commas
// ("^" removes from what the items before it selected). nodes:, node: and the per-vCPU list
// form are refused by name. The result is sorted and non-empty.
Result<std::vector<uint32_t>> parse_cpu_list(std::string_view text, uint32_t host_cpus);
// The kernel's list form, e.g. {0,1,2,5} -> "0-2,5".
std::string format_cpu_list(const std::vector<uint32_t>& cpus);

uint64_t v1_cpu_shares(uint32_t weight);
uint32_t v2_cpu_weight(uint32_t weight);
// cfs quota in microseconds per kCfsPeriodUs; 0 (no cap) -> nullopt.
std::optional<uint64_t> cap_quota_us(uint32_t cap);
std::string v2_cpu_max(uint32_t cap);  // "max 100000" or "30000 100000"
uint64_t monitor_memory_limit_bytes(uint64_t guest_mib);

// One cgroup mount from /proc/self/mountinfo.
struct CgroupMount {
    std::string mount_point;  // octal escapes (\040) decoded
    std::string root;         // the hierarchy's directory mounted there ("/" usually)
    bool v2 = false;
    std::vector<std::string> controllers;  // v1: from the super options (cpu, cpuacct, ...)
};
// Every cgroup/cgroup2 mount. A malformed line is skipped (the kernel writes this file; a
// line we cannot read is not one we could use).
std::vector<CgroupMount> parse_mountinfo(std::string_view text);

// /proc/PID/cgroup: controller -> path in its hierarchy; the v2 line ("0::/x") under "".
// v1 named hierarchies (name=systemd) are left out. nullopt when a line is malformed.
std::optional<std::map<std::string, std::string>> parse_proc_cgroup(std::string_view text);

// The words of a v2 cgroup.controllers file.
std::vector<std::string> split_words(std::string_view text);

}  // namespace domus::control
