// xl.cfg disk specifications (xl-disk-configuration(5)): comma-separated positional values
// (target, format, vdev, access), key=value parameters and flags; "target=" takes the rest of
// the string. Domus has one kind of disk, a raw image file behind its virtio-blk device: what
// it cannot honour (other formats, CD-ROMs, host block devices, scripts, driver domains, COLO)
// is refused by name, never ignored.
#include <array>
#include <string>

#include "control/domain_config_disks.hpp"

namespace domus::control {
namespace {

using config_detail::quote;

enum Param { kTarget, kFormat, kVdev, kAccess, kDevtype, kParamCount };
constexpr std::array<const char*, kParamCount> kParamNames = {"target", "format", "vdev", "access",
                                                              "devtype"};

std::string_view trim(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
    return s;
}

// Keys (and flags) Xen defines whose meaning Domus cannot provide, with the reason.
struct Refused {
    std::string_view key;
    const char* why;
};
constexpr Refused kRefusedKeys[] = {
    {"backendtype", "Domus has one disk back end, the monitor's virtio-blk device"},
    {"backend", "driver domains are not supported"},
    {"script", "hotplug scripts are not supported"},
    {"specification", "Domus disks are always virtio-blk"},
    {"transport", "Domus disks are always virtio-mmio"},
    {"colo", "COLO replication is not supported"},
    {"colo-host", "COLO replication is not supported"},
    {"colo-port", "COLO replication is not supported"},
    {"colo-export", "COLO replication is not supported"},
    {"active-disk", "COLO replication is not supported"},
    {"hidden-disk", "COLO replication is not supported"},
    {"discard", "the Domus virtio-blk device does not offer discard (no-discard is accepted)"},
    {"direct-io-safe", "Domus does not take back-end I/O hints"},
    {"trusted", "Domus does not take back-end trust hints"},
    {"untrusted", "Domus does not take back-end trust hints"},
    {"cdrom", "CD-ROM drives are not supported (devtype=cdrom)"},
};

const Refused* refused(std::string_view key) {
    for (const auto& r : kRefusedKeys) {
        if (r.key == key) return &r;
    }
    return nullptr;
}

class SpecParser {
  public:
    explicit SpecParser(std::string_view spec) : spec_(spec) {}

    XlDiskResult run() {
        std::string_view rest = spec_;
        while (error_.empty()) {
            const std::string_view lead = trim(rest);
            if (lead.starts_with("target=")) {  // the rest of the string, commas included
                set(kTarget, "target", lead.substr(7));
                break;
            }
            const size_t comma = rest.find(',');
            token(trim(rest.substr(0, comma)));
            if (comma == std::string_view::npos) break;
            rest.remove_prefix(comma + 1);
        }
        if (error_.empty()) finish();
        if (!error_.empty()) return {std::nullopt, error_};
        return {disk_, {}};
    }

  private:
    void token(std::string_view t) {
        const size_t eq = t.find('=');
        if (eq == std::string_view::npos) {
            if (const Refused* r = refused(t)) return fail(quote(t) + ": " + r->why);
            if (t == "no-discard") return;  // what the device does anyway
            positional(t);
            return;
        }
        const std::string_view key = t.substr(0, eq), value = t.substr(eq + 1);
        for (size_t p = 0; p < kParamCount; ++p) {
            if (key == kParamNames[p]) return set(static_cast<Param>(p), key, value);
        }
        if (const Refused* r = refused(key)) {
            return fail(std::string(key) + "=" + " is not supported: " + r->why);
        }
        fail("unknown parameter " + quote(key) +
             " (Domus takes target, format=raw, vdev, access, "
             "devtype=disk)");
    }

    // An unnamed value goes to the first of target, format, vdev, access not yet given. A
    // target with a legacy prefix ("file:/img,xvda,w") stands for the format too.
    void positional(std::string_view v) {
        for (size_t p = kTarget; p <= kAccess; ++p) {
            if (given_[p]) continue;
            set(static_cast<Param>(p), kParamNames[p], v);
            if (p == kTarget && prefix_end(v) != std::string_view::npos) given_[kFormat] = true;
            return;
        }
        fail("too many positional values at " + quote(v) +
             " (target, format, vdev and access are all given)");
    }

    void set(Param p, std::string_view key, std::string_view value) {
        if (given_[p]) return fail(std::string(key) + " is given twice");
        given_[p] = true;
        value_[p] = value;
    }

    void fail(std::string message) {
        if (error_.empty()) error_ = std::move(message);
    }

    void finish() {
        target();
        if (!error_.empty()) return;
        const std::string_view format = value_[kFormat];
        if (!format.empty() && format != "raw") {
            return fail("format " + quote(format) +
                        " is not supported (Domus takes raw images only)");
        }
        std::string_view vdev = value_[kVdev];
        if (vdev.ends_with(":disk")) vdev.remove_suffix(5);  // the deprecated "hda:disk"
        if (vdev.ends_with(":cdrom"))
            return fail(quote(vdev) + ": CD-ROM drives are not supported");
        if (!given_[kVdev] || vdev.empty()) {
            // xl itself requires a vdev; Domus gives the lowest free one.
        } else if (auto v = parse_vdev(vdev); !v.index) {
            return fail(v.error);
        }
        disk_.vdev = std::string(vdev);
        const std::string_view access = value_[kAccess];
        if (access == "r" || access == "ro") {
            disk_.read_only = true;
        } else if (access == "w!" || access == "rw!") {
            return fail("access=" + std::string(access) +
                        " (shared writable) is not supported: a writable image has one domain");
        } else if (!access.empty() && access != "w" && access != "rw") {
            return fail("access " + quote(access) + " is not one of r, ro, w, rw");
        }
        const std::string_view devtype = value_[kDevtype];
        if (devtype == "cdrom") return fail("devtype=cdrom: CD-ROM drives are not supported");
        if (!devtype.empty() && devtype != "disk") {
            return fail("devtype " + quote(devtype) + " is not supported (devtype=disk)");
        }
    }

    // The target, with a legacy "file:", "aio:", "tap:aio:" or "raw:" prefix taken off.
    void target() {
        std::string_view t = value_[kTarget];
        if (!given_[kTarget] || t.empty()) {
            return fail(
                "no target: an empty drive (a CD-ROM without a medium) is not supported; "
                "give the image path");
        }
        const size_t colon = prefix_end(t);
        if (colon != std::string_view::npos) {
            const std::string_view prefix = t.substr(0, colon);
            if (prefix == "phy") {
                return fail("phy: (a host block device) is not supported: give a raw image file");
            }
            if (prefix != "file" && prefix != "aio" && prefix != "tap:aio" && prefix != "raw" &&
                prefix != "tap2:aio") {
                return fail("the " + quote(std::string(prefix) + ":") +
                            " prefix is not supported (raw image files only: no prefix, or the "
                            "legacy file:, aio:, tap:aio:)");
            }
            t.remove_prefix(colon + 1);
            if (t.empty()) return fail("no target after the " + quote(prefix) + " prefix");
        }
        disk_.path = std::string(t);
    }

    // A prefix is what precedes a ':' before any '/' ("tap:aio:/img", not "/a:b"): the offset
    // of its last ':', or npos.
    static size_t prefix_end(std::string_view t) { return t.substr(0, t.find('/')).rfind(':'); }

    std::string_view spec_;
    std::array<bool, kParamCount> given_{};
    std::array<std::string_view, kParamCount> value_{};
    DiskConfig disk_;
    std::string error_;
};

}  // namespace

XlDiskResult parse_xl_disk_spec(std::string_view spec) {
    return SpecParser(spec).run();
}

std::string format_xl_disk_spec(const DiskConfig& d, size_t guest_index) {
    const std::string vdev = d.vdev.empty() ? guest_disk_name(guest_index) : d.vdev;
    return "format=raw, vdev=" + vdev + ", access=" + (d.read_only ? "ro" : "rw") +
           ", target=" + d.path;
}

}  // namespace domus::control
