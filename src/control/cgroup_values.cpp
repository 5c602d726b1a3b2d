#include "control/cgroup_values.hpp"

#include <algorithm>

namespace domus::control {

namespace {

// `s` quoted for a message: at most 64 characters between the quotes, escapes included.
std::string shown(std::string_view s) {
    std::string out;
    size_t used = 0;
    for (char c : s) {
        if (out.size() >= 60) break;
        ++used;
        const auto u = static_cast<unsigned char>(c);
        if (u >= 0x20 && u < 0x7F && c != '"' && c != '\\') {
            out += c;
        } else {
            static const char kHex[] = "0123456789abcdef";
            out += "\\x";
            out += kHex[u >> 4];
            out += kHex[u & 15];
        }
    }
    return "\"" + out + "\"" + (used < s.size() ? "..." : "");
}

// A CPU number: decimal digits only, no sign, no leading zeros beyond "0".
std::optional<uint32_t> cpu_number(std::string_view s) {
    if (s.empty() || s.size() > 5 || (s.size() > 1 && s[0] == '0')) return std::nullopt;
    uint32_t v = 0;
    for (char c : s) {
        if (c < '0' || c > '9') return std::nullopt;
        v = v * 10 + static_cast<uint32_t>(c - '0');
    }
    return v;
}

std::string_view trim(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
    return s;
}

std::vector<std::string_view> split(std::string_view s, char sep) {
    std::vector<std::string_view> out;
    size_t start = 0;
    for (;;) {
        const size_t pos = s.find(sep, start);
        out.push_back(s.substr(start, pos == std::string_view::npos ? pos : pos - start));
        if (pos == std::string_view::npos) return out;
        start = pos + 1;
    }
}

// mountinfo escapes space, tab, newline and backslash as \ooo.
std::string unescape_octal(std::string_view s) {
    std::string out;
    for (size_t i = 0; i < s.size(); ++i) {
        if (s[i] == '\\' && s.size() - i >= 4 && s[i + 1] >= '0' && s[i + 1] <= '3' &&
            s[i + 2] >= '0' && s[i + 2] <= '7' && s[i + 3] >= '0' && s[i + 3] <= '7') {
            out +=
                static_cast<char>((s[i + 1] - '0') * 64 + (s[i + 2] - '0') * 8 + (s[i + 3] - '0'));
            i += 3;
        } else {
            out += s[i];
        }
    }
    return out;
}

}  // namespace

Result<std::vector<uint32_t>> parse_cpu_list(std::string_view text, uint32_t host_cpus) {
    const std::string what = "cpus " + shown(text);
    if (text.size() > 1024) {
        return make_error(Errc::invalid_argument,
                          "cpus of " + std::to_string(text.size()) + " bytes is too long");
    }
    const std::string_view t = trim(text);
    if (t.empty()) return make_error(Errc::invalid_argument, what + " is empty (use \"all\")");
    if (t.starts_with("node") || t.find("node:") != std::string_view::npos ||
        t.find("nodes:") != std::string_view::npos) {
        return make_error(Errc::invalid_argument,
                          what + ": NUMA node lists (nodes:) are not supported; name CPUs");
    }
    const uint32_t limit = std::min(host_cpus, kMaxCpuIndex);
    std::vector<bool> set(limit, false);
    for (std::string_view item : split(t, ',')) {
        item = trim(item);
        if (item.empty()) return make_error(Errc::invalid_argument, what + " has an empty item");
        const bool remove = item.front() == '^';
        if (remove) item.remove_prefix(1);
        uint32_t lo = 0, hi = 0;
        if (item == "all") {
            if (limit == 0) return make_error(Errc::invalid_argument, what + ": no CPUs");
            hi = limit - 1;
        } else {
            const size_t dash = item.find('-');
            auto a = cpu_number(dash == std::string_view::npos ? item : item.substr(0, dash));
            auto b = dash == std::string_view::npos ? a : cpu_number(item.substr(dash + 1));
            if (!a || !b) {
                return make_error(
                    Errc::invalid_argument,
                    what + ": " + shown(item) + " is not a CPU number or range (N, N-M, ^N, all)");
            }
            if (*a > *b) {
                return make_error(Errc::invalid_argument,
                                  what + ": range " + shown(item) + " runs backwards");
            }
            if (*b >= limit) {
                return make_error(Errc::invalid_argument,
                                  what + ": CPU " + std::to_string(*b) +
                                      " does not exist (the host has " + std::to_string(host_cpus) +
                                      " CPUs: 0-" +
                                      std::to_string(host_cpus == 0 ? 0 : host_cpus - 1) + ")");
            }
            lo = *a;
            hi = *b;
        }
        for (uint32_t c = lo; c <= hi; ++c) set[c] = !remove;
    }
    std::vector<uint32_t> out;
    for (uint32_t c = 0; c < limit; ++c) {
        if (set[c]) out.push_back(c);
    }
    if (out.empty()) return make_error(Errc::invalid_argument, what + " selects no CPU");
    return out;
}

std::string format_cpu_list(const std::vector<uint32_t>& cpus) {
    std::string out;
    for (size_t i = 0; i < cpus.size();) {
        size_t j = i;
        while (j + 1 < cpus.size() && cpus[j + 1] == cpus[j] + 1) ++j;
        if (!out.empty()) out += ',';
        out += std::to_string(cpus[i]);
        if (j > i) out += "-" + std::to_string(cpus[j]);
        i = j + 1;
    }
    return out;
}

uint64_t v1_cpu_shares(uint32_t weight) {
    const uint32_t w = std::clamp(weight, kMinCpuWeight, kMaxCpuWeight);
    return uint64_t{w} * 4;  // 4..262140, inside the kernel's 2..262144
}

uint32_t v2_cpu_weight(uint32_t weight) {
    const uint64_t w = std::clamp(weight, kMinCpuWeight, kMaxCpuWeight);
    return static_cast<uint32_t>(std::clamp<uint64_t>((w * 100 + 128) / 256, 1, 10000));
}

std::optional<uint64_t> cap_quota_us(uint32_t cap) {
    if (cap == 0) return std::nullopt;
    return uint64_t{std::min(cap, kMaxCap)} * kCfsPeriodUs / 100;
}

std::string v2_cpu_max(uint32_t cap) {
    const auto q = cap_quota_us(cap);
    return (q ? std::to_string(*q) : std::string("max")) + " " + std::to_string(kCfsPeriodUs);
}

uint64_t monitor_memory_limit_bytes(uint64_t guest_mib) {
    return (guest_mib + kMonitorOverheadMib) << 20;
}

std::vector<CgroupMount> parse_mountinfo(std::string_view text) {
    std::vector<CgroupMount> out;
    for (std::string_view line : split(text, '\n')) {
        // ID PARENT MAJ:MIN ROOT MOUNT-POINT OPTIONS [OPTIONAL...] - FSTYPE SOURCE SUPER-OPTIONS
        const size_t sep = line.find(" - ");
        if (sep == std::string_view::npos) continue;
        std::vector<std::string_view> head, tail;
        for (auto w : split(line.substr(0, sep), ' ')) {
            if (!w.empty()) head.push_back(w);
        }
        for (auto w : split(line.substr(sep + 3), ' ')) {
            if (!w.empty()) tail.push_back(w);
        }
        if (head.size() < 6 || tail.size() < 3) continue;
        CgroupMount m;
        if (tail[0] == "cgroup2") {
            m.v2 = true;
        } else if (tail[0] != "cgroup") {
            continue;
        }
        m.root = unescape_octal(head[3]);
        m.mount_point = unescape_octal(head[4]);
        if (m.mount_point.empty() || m.mount_point[0] != '/' || m.root.empty() || m.root[0] != '/')
            continue;
        if (!m.v2) {
            for (auto opt : split(tail[2], ',')) {
                if (opt == "cpu" || opt == "cpuacct" || opt == "cpuset" || opt == "memory" ||
                    opt == "pids") {
                    m.controllers.emplace_back(opt);
                }
            }
            if (m.controllers.empty()) continue;  // name=systemd, devices, freezer, ...
        }
        out.push_back(std::move(m));
    }
    return out;
}

std::optional<std::map<std::string, std::string>> parse_proc_cgroup(std::string_view text) {
    std::map<std::string, std::string> out;
    for (std::string_view line : split(text, '\n')) {
        if (line.empty()) continue;
        const size_t a = line.find(':');
        const size_t b = a == std::string_view::npos ? a : line.find(':', a + 1);
        if (b == std::string_view::npos) return std::nullopt;
        const std::string_view ids = line.substr(0, a), ctls = line.substr(a + 1, b - a - 1),
                               path = line.substr(b + 1);
        if (ids.empty() || path.empty() || path[0] != '/') return std::nullopt;
        for (char c : ids) {
            if (c < '0' || c > '9') return std::nullopt;
        }
        if (ctls.empty()) {
            if (ids != "0") return std::nullopt;
            out[""] = std::string(path);
            continue;
        }
        for (auto c : split(ctls, ',')) {
            if (c.empty()) return std::nullopt;
            if (c.starts_with("name=")) continue;
            out[std::string(c)] = std::string(path);
        }
    }
    return out;
}

std::vector<std::string> split_words(std::string_view text) {
    std::vector<std::string> out;
    size_t i = 0;
    while (i < text.size()) {
        while (i < text.size() && (text[i] == ' ' || text[i] == '\n' || text[i] == '\t')) ++i;
        size_t j = i;
        while (j < text.size() && text[j] != ' ' && text[j] != '\n' && text[j] != '\t') ++j;
        if (j > i) out.emplace_back(text.substr(i, j - i));
        i = j;
    }
    return out;
}

}  // namespace domus::control
