#include "vmm/vm_config.hpp"

#include "arch/x86/page_tables.hpp"
#include "base/meminfo.hpp"
#include "domus/abi/boot_info.h"

namespace domus::vmm {

namespace {

// A file the monitor opens: empty is "none"; otherwise a usable path.
Status check_path(const char* what, const std::string& path) {
    if (path.size() >= kMaxPathBytes) {
        return make_error(Errc::invalid_argument, std::string(what) + " path of " +
                                                      std::to_string(path.size()) +
                                                      " bytes is too long (at most " +
                                                      std::to_string(kMaxPathBytes - 1) + ")");
    }
    if (path.find('\0') != std::string::npos) {
        return make_error(Errc::invalid_argument, std::string(what) + " path contains a NUL byte");
    }
    return {};
}

// An unsigned decimal without sign or leading zeros that fits 64 bits.
bool parse_decimal(std::string_view s, uint64_t& out) {
    if (s.empty() || s.size() > 20 || (s.size() > 1 && s[0] == '0')) return false;
    uint64_t v = 0;
    for (char ch : s) {
        if (ch < '0' || ch > '9') return false;
        const uint64_t d = uint64_t(ch - '0');
        if (v > (UINT64_MAX - d) / 10) return false;
        v = v * 10 + d;
    }
    out = v;
    return true;
}

// One trailing option of a --disk value: true when `opt` is one (and applied), false when it is
// part of the path; an Error for a known option with a bad value.
Result<bool> apply_disk_option(std::string_view opt, DiskSpec& d, bool& mode_seen) {
    if (opt == "ro" || opt == "rw") {
        if (mode_seen) return make_error(Errc::invalid_argument, "ro/rw given twice");
        mode_seen = true;
        d.read_only = opt == "ro";
        return true;
    }
    for (auto [key, field] : {std::pair<std::string_view, uint64_t*>{"bps=", &d.bytes_per_sec},
                              std::pair<std::string_view, uint64_t*>{"iops=", &d.ops_per_sec}}) {
        if (opt.substr(0, key.size()) != key) continue;
        const std::string_view value = opt.substr(key.size());
        if (!parse_decimal(value, *field) || *field == 0) {
            return make_error(Errc::invalid_argument, std::string(key) +
                                                          " wants a positive decimal number, "
                                                          "got '" +
                                                          std::string(value) + "'");
        }
        return true;
    }
    return false;
}

}  // namespace

Result<DiskSpec> parse_disk_option(std::string_view text) {
    DiskSpec d;
    bool mode_seen = false;
    std::string_view rest = text;
    for (;;) {
        const size_t comma = rest.rfind(',');
        if (comma == std::string_view::npos) break;
        auto taken = apply_disk_option(rest.substr(comma + 1), d, mode_seen);
        if (!taken) return taken.error();
        if (!*taken) break;
        rest = rest.substr(0, comma);
    }
    if (rest.empty()) {
        return make_error(Errc::invalid_argument,
                          "'" + std::string(text) + "': the image path is empty");
    }
    d.path = std::string(rest);
    if (auto st = check_path("disk", d.path); !st) return st.error();
    return d;
}

std::string format_disk_option(const DiskSpec& d) {
    std::string s = d.path + (d.read_only ? ",ro" : ",rw");
    if (d.bytes_per_sec != 0) s += ",bps=" + std::to_string(d.bytes_per_sec);
    if (d.ops_per_sec != 0) s += ",iops=" + std::to_string(d.ops_per_sec);
    return s;
}

Status validate_config(const VmConfig& c, const HostLimits& limits) {
    if (c.memory_mib < kMinMemoryMib) {
        return make_error(Errc::invalid_argument, "memory " + std::to_string(c.memory_mib) +
                                                      " MiB is too small (at least " +
                                                      std::to_string(kMinMemoryMib) + " MiB)");
    }
    const uint64_t mappable_mib = x86::max_mappable_ram() >> 20;
    if (c.memory_mib > mappable_mib) {
        return make_error(Errc::invalid_argument, "memory " + std::to_string(c.memory_mib) +
                                                      " MiB exceeds the guest limit of " +
                                                      std::to_string(mappable_mib) + " MiB");
    }
    if (limits.available_memory_mib != 0 && c.memory_mib > limits.available_memory_mib) {
        return make_error(Errc::resource, "memory " + std::to_string(c.memory_mib) +
                                              " MiB is more than the host can give (" +
                                              std::to_string(limits.available_memory_mib) +
                                              " MiB available)");
    }
    if (c.domain_id == 0) {
        return make_error(Errc::invalid_argument, "domain id 0 belongs to Domain-0");
    }
    if (c.vcpus == 0) {
        return make_error(Errc::invalid_argument, "vcpus 0: a domain needs at least one vCPU");
    }
    if (c.vcpus > limits.max_vcpus) {
        return make_error(Errc::invalid_argument, "vcpus " + std::to_string(c.vcpus) +
                                                      " exceeds the limit of " +
                                                      std::to_string(limits.max_vcpus) +
                                                      " (KVM's maximum and the guest ABI's " +
                                                      std::to_string(DOMUS_MAX_VCPUS) + ")");
    }
    if (c.cmdline.size() >= DOMUS_CMDLINE_MAX) {
        return make_error(Errc::invalid_argument, "command line of " +
                                                      std::to_string(c.cmdline.size()) +
                                                      " bytes is too long (at most " +
                                                      std::to_string(DOMUS_CMDLINE_MAX - 1) + ")");
    }
    if (c.cmdline.find('\0') != std::string::npos) {
        return make_error(Errc::invalid_argument, "command line contains a NUL byte");
    }
    if (auto st = check_path("kernel", c.kernel_path); !st) return st;
    if (auto st = check_path("ramdisk", c.ramdisk_path); !st) return st;
    if (!c.exec.empty()) {
        if (!c.ramdisk_path.empty()) {
            return make_error(
                Errc::invalid_argument,
                "--exec makes the initramfs: it cannot be combined with a ramdisk ('" +
                    c.ramdisk_path + "')");
        }
        if (auto st = check_path("exec", c.exec.program); !st) return st;
        if (auto st = check_path("overlay", c.exec.overlay); !st) return st;
        if (auto st = check_path("busybox", c.exec.busybox); !st) return st;
    } else if (c.exec.with_busybox || !c.exec.overlay.empty() || !c.exec.args.empty()) {
        return make_error(Errc::invalid_argument,
                          std::string(c.exec.with_busybox      ? "--with-busybox"
                                      : c.exec.overlay.empty() ? "program arguments"
                                                               : "--overlay") +
                              " needs --exec PROGRAM");
    }
    if (c.disks.size() > kMaxDisks) {
        return make_error(Errc::invalid_argument, std::to_string(c.disks.size()) +
                                                      " disks are too many (at most " +
                                                      std::to_string(kMaxDisks) + ")");
    }
    for (const DiskSpec& d : c.disks) {
        if (d.path.empty()) return make_error(Errc::invalid_argument, "a disk has no image path");
        if (auto st = check_path("disk", d.path); !st) return st;
    }
    if (c.nics.size() > kMaxNics) {
        return make_error(Errc::invalid_argument, std::to_string(c.nics.size()) +
                                                      " network interfaces are too many (at most " +
                                                      std::to_string(kMaxNics) + ")");
    }
    if (1 + c.disks.size() + c.nics.size() > DOMUS_MAX_VIRTIO_DEVICES) {
        return make_error(Errc::invalid_argument,
                          std::to_string(c.disks.size()) + " disks and " +
                              std::to_string(c.nics.size()) +
                              " network interfaces are too many together (at most " +
                              std::to_string(DOMUS_MAX_VIRTIO_DEVICES - 1) + ")");
    }
    for (size_t i = 0; i < c.nics.size(); ++i) {
        if (auto st = check_interface_name(c.nics[i].tap); !st) return st;
        for (size_t j = 0; j < i; ++j) {
            if (c.nics[j].tap == c.nics[i].tap) {
                return make_error(Errc::invalid_argument,
                                  "TAP device '" + c.nics[i].tap + "' is given twice");
            }
            if (c.nics[i].mac_given && c.nics[j].mac_given && c.nics[i].mac == c.nics[j].mac) {
                return make_error(Errc::invalid_argument,
                                  "MAC address " + format_mac(c.nics[i].mac) + " is given twice");
            }
        }
    }
    return {};
}

uint64_t host_available_memory_mib() {
    return meminfo_mib("MemAvailable");
}

}  // namespace domus::vmm
