// What a user asks for when booting a domain, and its validation against what the host can give.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.hpp"
#include "boot/exec_image.hpp"
#include "vmm/nic_spec.hpp"

namespace domus::vmm {

// A virtio-blk disk: a raw image file, read-only or not, with optional rate limits (token
// buckets refilled every second, a burst of one second's worth; 0 is unlimited).
struct DiskSpec {
    std::string path;
    bool read_only = false;
    uint64_t bytes_per_sec = 0;
    uint64_t ops_per_sec = 0;
    bool operator==(const DiskSpec&) const = default;
};

inline constexpr size_t kMaxDisks = 6;  // vda..vdf (virtio slots are shared with rng and net)

// `domus run --disk` and `domus-vmm --disk`: PATH[,ro|,rw][,bps=N][,iops=N]. Options are taken
// from the end while they are options, so a path may contain commas (but not end in ",ro").
Result<DiskSpec> parse_disk_option(std::string_view text);
std::string format_disk_option(const DiskSpec& disk);  // what parse_disk_option reads back

struct VmConfig {
    std::string name = "domus";
    uint64_t memory_mib = 64;
    uint32_t vcpus = 1;
    std::string cmdline;
    std::string kernel_path;      // empty: the embedded Domus guest kernel
    std::string ramdisk_path;     // empty: none; else a newc cpio initramfs, gzip'd or not
    std::string console_path;     // empty: standard output
    ExecSpec exec;                // `--exec`: an initramfs packed around this program (no ramdisk)
    uint32_t domain_id = 1;       // in the boot-info page and DOMAIN_INFO; 0 is Domain-0's
    std::vector<DiskSpec> disks;  // vda, vdb, ... in this order
    std::vector<NicSpec> nics;    // eth0, eth1, ... in this order
};

// A domain that runs a program (an initramfs given or made by --exec): `domus run` reports
// the program's exit status.
inline bool runs_program(const VmConfig& c) {
    return !c.ramdisk_path.empty() || !c.exec.empty();
}

struct HostLimits {
    uint32_t max_vcpus = 0;             // min(KVM's limit, the guest ABI's limit)
    uint64_t available_memory_mib = 0;  // what the host can give a new domain now
};

inline constexpr uint64_t kMinMemoryMib = 4;
inline constexpr size_t kMaxPathBytes = 4096;  // PATH_MAX, including the NUL

// Pure: every value a user typed is checked here; the message names the bad value.
Status validate_config(const VmConfig& config, const HostLimits& limits);

// Reads MemAvailable from /proc/meminfo (0 when unreadable).
uint64_t host_available_memory_mib();

}  // namespace domus::vmm
