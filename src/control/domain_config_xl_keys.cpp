// xl.cfg keys: the ones Domus maps to its fields, the ones Xen defines that Domus does not
// support yet (rejected by name), and xl.cfg integer literals.
#include <string_view>

#include "control/domain_config.hpp"

namespace domus::control::config_detail {
namespace {

// clang-format off
// Keys Xen's xl.cfg(5) defines (and a few xm-era ones) that Domus does not implement yet.
constexpr std::string_view kUnsupportedKeys[] = {
    "type", "pvh", "builder", "uuid", "seclabel", "init_seclabel", "max_grant_frames",
    "max_maptrack_frames", "max_grant_version", "nomigrate", "driver_domain", "device_tree",
    "passthrough", "xend_suspend_evtchn_compat", "vmtrace_buf_kb", "vpmu", "maxvcpus",
    "cpus_soft", "cpupool", "maxmem", "vnuma", "on_watchdog", "on_soft_reset",
    "root", "bootloader", "bootloader_args", "e820_host", "vtpm", "p9",
    "pvcalls", "vfb", "vkb", "channel", "rdm", "usbctrl", "usbdev", "pci", "gfx_passthru",
    "ioports", "iomem", "irqs", "max_event_channels", "vdispl", "vsnd", "dtdev", "virtio",
    "gic_version", "vuart", "tee", "boot", "bios", "bios_path_override", "firmware", "stdvga",
    "vga", "videoram", "vnc", "keymap", "sdl", "opengl", "nographic", "spice", "serial", "soundhw",
    "usb", "usbdevice", "xen_platform_pci", "smbios_firmware", "acpi", "apic", "pae", "hap", "oos",
    "shadow_memory", "nestedhvm", "altp2m", "hpet", "vpt_align", "viridian", "timer_mode",
    "tsc_mode", "localtime", "rtc_timeoffset", "ms_vm_genid", "mca_caps", "msr_relaxed", "cpuid",
    "mmio_hole", "rdm_mem_boundary", "dm_restrict", "display", "xauthority", "vscsi", "vkbd",
    "cpu_cap", "maxcpus", "on_xend_start", "on_xend_stop", "claim_mode", "llc_colors", "nr_spis",
    "trap_unmapped_accesses", "sve", "vpci", "dom0_mem",
};
// Families of keys: device_model_version, spice_host, vncdisplay, pci_permissive, usbctrl, ...
constexpr std::string_view kUnsupportedPrefixes[] = {
    "device_model", "stubdomain_", "spice", "vnc", "pci_", "usb", "acpi_", "bootloader", "altp2m",
    "sdl",
};
// clang-format on

int hex_value(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

}  // namespace

std::optional<Field> xl_key_field(std::string_view key) {
    if (key == "extra") return Field::cmdline;  // xl's name for the kernel command line
    if (key == "disk") return Field::disks;
    if (key == "disks") return std::nullopt;  // the JSON name: xl.cfg says "disk"
    if (key == "vif") return Field::nics;
    if (key == "nics") return std::nullopt;  // the JSON name: xl.cfg says "vif"
    return field_from_name(key);
}

bool xl_key_unsupported(std::string_view key) {
    for (auto k : kUnsupportedKeys) {
        if (key == k) return true;
    }
    for (auto p : kUnsupportedPrefixes) {
        if (key.starts_with(p)) return true;
    }
    return false;
}

bool parse_xl_unsigned(std::string_view s, std::optional<uint64_t>& out) {
    int base = 10;
    if (s.size() > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
        base = 16;
        s.remove_prefix(2);
    } else if (s.empty() || (s.size() > 1 && s[0] == '0')) {
        return false;  // "010" would be octal to xl's strtol: refuse to guess
    }
    uint64_t v = 0;
    bool overflow = false;
    for (char c : s) {
        const int d = hex_value(c);
        if (d < 0 || d >= base) return false;
        const auto digit = static_cast<uint64_t>(d), b = static_cast<uint64_t>(base);
        if (v > (UINT64_MAX - digit) / b) overflow = true;
        v = v * b + digit;
    }
    out = overflow ? std::nullopt : std::optional<uint64_t>(v);
    return true;
}

}  // namespace domus::control::config_detail
