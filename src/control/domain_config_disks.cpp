// vdev names, the guest's disk order and the checks of a domain's disk list.
#include <array>
#include <string>

#include "control/domain_config_disks.hpp"

namespace domus::control {
namespace {

using config_detail::quote;

constexpr std::array<std::string_view, 4> kVdevPrefixes = {"xvd", "hd", "sd", "vd"};

bool lower_letter(char c) {
    return c >= 'a' && c <= 'z';
}
bool digit(char c) {
    return c >= '0' && c <= '9';
}

ConfigError disk_error(std::string field, std::string message) {
    return ConfigError{std::move(field), std::move(message), 0, ConfigErrorKind::invalid_field};
}

}  // namespace

VdevResult parse_vdev(std::string_view vdev) {
    const std::string last = "xvd" + std::string(1, static_cast<char>('a' + kMaxDomainDisks - 1));
    const std::string shown = "vdev " + quote(vdev);
    std::string_view rest;
    for (auto p : kVdevPrefixes) {
        if (vdev.starts_with(p) && vdev.size() > p.size() && lower_letter(vdev[p.size()])) {
            rest = vdev.substr(p.size());
            break;
        }
    }
    if (rest.empty()) {
        return {std::nullopt,
                shown + " is not a disk name (xvda, hda, sda or vda, up to " + last + ")"};
    }
    size_t letters = 0;
    while (letters < rest.size() && lower_letter(rest[letters])) ++letters;
    const std::string_view disk = vdev.substr(0, vdev.size() - rest.size() + letters);
    if (letters < rest.size()) {
        if (digit(rest[letters])) {
            return {std::nullopt, shown + " names a partition: a Domus disk is a whole disk (use " +
                                      quote(disk) + ")"};
        }
        return {std::nullopt,
                shown + " is not a disk name (xvda, hda, sda or vda, up to " + last + ")"};
    }
    // Bijective base 26 (aa follows z); anything longer than two letters is far beyond the limit.
    size_t index = 0;
    if (letters > 2) {
        index = SIZE_MAX;
    } else {
        for (size_t i = 0; i < letters; ++i)
            index = index * 26 + static_cast<size_t>(rest[i] - 'a' + 1);
        index -= 1;
    }
    if (index >= kMaxDomainDisks) {
        return {std::nullopt, shown + " is beyond the limit of " + std::to_string(kMaxDomainDisks) +
                                  " disks per domain (xvda to " + last + ")"};
    }
    return {index, {}};
}

std::string guest_disk_name(size_t index) {
    return "vd" + std::string(1, static_cast<char>('a' + index % 26));
}

std::vector<size_t> guest_disk_indexes(const std::vector<DiskConfig>& disks) {
    std::vector<size_t> out(disks.size(), SIZE_MAX);
    std::vector<bool> used(disks.size() + kMaxDomainDisks, false);
    for (size_t i = 0; i < disks.size(); ++i) {
        if (disks[i].vdev.empty()) continue;
        if (auto v = parse_vdev(disks[i].vdev); v.index && *v.index < used.size()) {
            out[i] = *v.index;
            used[*v.index] = true;
        }
    }
    size_t next = 0;
    for (size_t i = 0; i < disks.size(); ++i) {
        if (out[i] != SIZE_MAX) continue;
        while (next < used.size() && used[next]) ++next;
        out[i] = next;
        if (next < used.size()) used[next] = true;
    }
    return out;
}

std::vector<size_t> guest_disk_order(const std::vector<DiskConfig>& disks) {
    const auto index = guest_disk_indexes(disks);
    std::vector<size_t> order;
    for (size_t g = 0; order.size() < disks.size() && g < disks.size() + kMaxDomainDisks; ++g) {
        for (size_t i = 0; i < disks.size(); ++i) {
            if (index[i] == g) order.push_back(i);
        }
    }
    return order;
}

std::optional<ConfigError> check_disks(const std::vector<DiskConfig>& disks,
                                       std::string_view shown) {
    const std::string list(shown);
    if (disks.size() > kMaxDomainDisks) {
        return disk_error(list, list + " has " + std::to_string(disks.size()) +
                                    " entries: a domain has at most " +
                                    std::to_string(kMaxDomainDisks) + " disks");
    }
    std::array<size_t, kMaxDomainDisks> owner;
    owner.fill(SIZE_MAX);
    for (size_t i = 0; i < disks.size(); ++i) {
        const std::string item = list + "[" + std::to_string(i) + "]";
        const DiskConfig& d = disks[i];
        if (d.path.empty()) return disk_error(item + ".path", item + ".path is empty");
        if (auto e =
                config_detail::check_path_like(item + ".path", d.path, kMaxKernelPathBytes, "")) {
            return disk_error(item + ".path", *e);
        }
        if (d.path.find(',') != std::string::npos) {
            return disk_error(item + ".path", item + ".path " + quote(d.path) +
                                                  " contains a comma (not supported in an image "
                                                  "path)");
        }
        if (d.vdev.empty()) continue;
        const auto v = parse_vdev(d.vdev);
        if (!v.index) return disk_error(item + ".vdev", item + "." + v.error);
        if (owner[*v.index] != SIZE_MAX) {
            const size_t j = owner[*v.index];
            return disk_error(item + ".vdev",
                              item + ".vdev " + quote(d.vdev) + " is the same disk (guest " +
                                  guest_disk_name(*v.index) + ") as " + list + "[" +
                                  std::to_string(j) + "].vdev " + quote(disks[j].vdev));
        }
        owner[*v.index] = i;
    }
    return std::nullopt;
}

}  // namespace domus::control
