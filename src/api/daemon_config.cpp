// The `key = value` config file of domusd.
#include "api/daemon_config.hpp"

#include "api/socket_group.hpp"

#include <charconv>
#include <fstream>
#include <sstream>

#include "control/domain_config.hpp"
#include "vmm/jail_user.hpp"

namespace domus::api {
namespace {

using control::config_detail::quote;

std::string_view trim(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) {
        s.remove_suffix(1);
    }
    return s;
}

Error line_error(int line, const std::string& message) {
    return make_error(Errc::invalid_argument, "line " + std::to_string(line) + ": " + message);
}

bool parse_u64(std::string_view v, uint64_t min, uint64_t max, uint64_t& out) {
    uint64_t n = 0;
    const auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), n);
    if (v.empty() || ec != std::errc{} || end != v.data() + v.size() || n < min || n > max) {
        return false;
    }
    out = n;
    return true;
}

// `image-dirs = /a, /b`: absolute paths, no empty item, no repeats.
std::optional<std::string> set_image_dirs(std::string_view v, DaemonConfig& c) {
    std::vector<std::string> dirs;
    while (true) {
        const size_t comma = v.find(',');
        std::string_view item = trim(v.substr(0, comma));
        if (item.size() >= 2 && item.front() == '"' && item.back() == '"') {
            item = item.substr(1, item.size() - 2);
        }
        if (item.empty()) return "image-dirs has an empty entry (got " + quote(v) + ")";
        if (item.front() != '/') {
            return "image-dirs entry " + quote(item) + " is not an absolute path";
        }
        while (item.size() > 1 && item.back() == '/') item.remove_suffix(1);
        for (const auto& d : dirs) {
            if (d == item) return "image-dirs lists " + quote(item) + " twice";
        }
        dirs.emplace_back(item);
        if (comma == std::string_view::npos) break;
        v.remove_prefix(comma + 1);
    }
    c.image_dirs = std::move(dirs);
    return std::nullopt;
}

// Sets one key; an error message (without the line) when the key or value is bad.
std::optional<std::string> set_key(std::string key, std::string_view v, DaemonConfig& c) {
    for (char& ch : key) ch = ch == '_' ? '-' : ch;  // state_dir == state-dir
    ServerOptions& s = c.server;
    std::string* text = key == "socket"      ? &c.socket
                        : key == "state-dir" ? &c.state_dir
                        : key == "listen"    ? &c.listen
                        : key == "vmm"       ? &c.vmm
                        : key == "vmm-user"  ? &c.vmm_user
                        : key == "tls-cert"  ? &s.tls_cert
                        : key == "tls-key"   ? &s.tls_key
                                             : nullptr;
    if (text) {
        *text = std::string(v);
        return std::nullopt;
    }
    if (key == "image-dirs") return set_image_dirs(v, c);
    if (key == "vmm-uid-range") {
        auto range = vmm::parse_jail_uid_range(v);
        if (!range) return range.error().message;
        c.vmm_uid_range = vmm::format_jail_uid_range(*range);
        return std::nullopt;
    }
    if (key == "socket-group") {
        if (auto st = check_group_name(v); !st) return st.error().message;
        c.socket_group = std::string(v);
        return std::nullopt;
    }
    if (key == "bridge") {
        if (auto e = hostnet::interface_name_error("bridge", v); !e.empty()) return e;
        c.network.bridge = std::string(v);
        return std::nullopt;
    }
    if (key == "subnet") {
        auto s = hostnet::parse_subnet(v);
        if (!s.ok()) return s.error;
        c.network.subnet = *s.value;
        if (!c.gateway_set) c.network.gateway = hostnet::Ipv4{s.value->network.value + 1};
        return std::nullopt;
    }
    if (key == "gateway") {
        auto a = hostnet::parse_ipv4(v);
        if (!a.ok()) return "gateway: " + a.error;
        c.network.gateway = *a.value;
        c.gateway_set = true;
        return std::nullopt;
    }
    if (key == "nat") {
        if (v != "true" && v != "false") return "nat must be true or false (got " + quote(v) + ")";
        c.network.nat = v == "true";
        return std::nullopt;
    }
    if (key == "overcommit") {
        if (v != "true" && v != "false")
            return "overcommit must be true or false (got " + quote(v) + ")";
        c.resources.overcommit = v == "true";
        return std::nullopt;
    }
    if (key == "log-format") {
        auto format = telemetry::log_format_from_string(v);
        if (!format) return "log-format must be text or json (got " + quote(v) + ")";
        c.log_format = *format;
        return std::nullopt;
    }
    if (key == "verbose") {
        if (v != "true" && v != "false")
            return "verbose must be true or false (got " + quote(v) + ")";
        s.verbose = v == "true";
        return std::nullopt;
    }
    struct Limit {
        const char* key;
        uint64_t min, max;
        void (*set)(DaemonConfig&, uint64_t);
    };
    static constexpr Limit kLimits[] = {
        {"max-body-bytes", 1, 1u << 30,
         [](DaemonConfig& c, uint64_t n) { c.server.max_body_bytes = n; }},
        {"max-header-bytes", 1024, 1u << 20,
         [](DaemonConfig& c, uint64_t n) { c.server.max_header_bytes = n; }},
        {"max-connections", 1, 1000000,
         [](DaemonConfig& c, uint64_t n) {
             c.server.max_connections_unix = n;
             c.server.max_connections_tcp = n;
         }},
        {"max-connections-unix", 1, 1000000,
         [](DaemonConfig& c, uint64_t n) { c.server.max_connections_unix = n; }},
        {"max-connections-tcp", 1, 1000000,
         [](DaemonConfig& c, uint64_t n) { c.server.max_connections_tcp = n; }},
        {"request-timeout-ms", 1, 3600000,
         [](DaemonConfig& c, uint64_t n) {
             c.server.request_timeout = std::chrono::milliseconds(n);
         }},
        {"idle-timeout-ms", 1, 3600000,
         [](DaemonConfig& c, uint64_t n) { c.server.idle_timeout = std::chrono::milliseconds(n); }},
        {"write-timeout-ms", 1, 3600000,
         [](DaemonConfig& c, uint64_t n) {
             c.server.write_timeout = std::chrono::milliseconds(n);
         }},
        {"sse-keepalive-ms", 100, 3600000,
         [](DaemonConfig& c, uint64_t n) {
             c.server.sse_keepalive = std::chrono::milliseconds(n);
         }},
        {"session-lifetime-s", 60, 31 * 24 * 3600,
         [](DaemonConfig& c, uint64_t n) { c.server.session_lifetime = std::chrono::seconds(n); }},
        {"max-sessions", 1, 100000, [](DaemonConfig& c, uint64_t n) { c.server.max_sessions = n; }},
        {"io-threads", 1, 64,
         [](DaemonConfig& c, uint64_t n) { c.server.io_threads = static_cast<unsigned>(n); }},
        {"worker-threads", 1, 256,
         [](DaemonConfig& c, uint64_t n) { c.server.worker_threads = static_cast<unsigned>(n); }},
        {"events-kept", 100, 1000000000,
         [](DaemonConfig& c, uint64_t n) { c.events_kept = static_cast<int64_t>(n); }},
        {"console-log-max-bytes", 0, 1ull << 40,
         [](DaemonConfig& c, uint64_t n) { c.console_log_max_bytes = n; }},
        {"stats-interval-ms", 10, 3600000,
         [](DaemonConfig& c, uint64_t n) { c.stats_interval_ms = static_cast<int>(n); }},
        {"memory-reserve-mib", 0, 1u << 30,
         [](DaemonConfig& c, uint64_t n) { c.resources.memory_reserve_mib = n; }},
        {"max-domains", 1, 1000000,
         [](DaemonConfig& c, uint64_t n) { c.resources.max_domains = static_cast<uint32_t>(n); }},
    };
    for (const Limit& l : kLimits) {
        if (key != l.key) continue;
        uint64_t n = 0;
        if (!parse_u64(v, l.min, l.max, n)) {
            return key + " must be an integer between " + std::to_string(l.min) + " and " +
                   std::to_string(l.max) + " (got " + quote(v) + ")";
        }
        l.set(c, n);
        return std::nullopt;
    }
    std::string known =
        "socket, socket-group, state-dir, listen, vmm, vmm-user, vmm-uid-range, tls-cert, tls-key, "
        "verbose, log-format, image-dirs, bridge, subnet, gateway, nat, overcommit";
    for (const Limit& l : kLimits) known += std::string(", ") + l.key;
    return "unknown key " + quote(key) + " (known: " + known + ")";
}

}  // namespace

Status apply_config_text(std::string_view text, DaemonConfig& config) {
    int line_no = 0;
    int network_line = 0;  // the last bridge/subnet/gateway/nat line: their joint check names it
    while (!text.empty()) {
        ++line_no;
        const size_t nl = text.find('\n');
        std::string_view line = text.substr(0, nl);
        text = nl == std::string_view::npos ? std::string_view{} : text.substr(nl + 1);
        line = trim(line);
        if (line.empty() || line.front() == '#') continue;
        const size_t eq = line.find('=');
        if (eq == std::string_view::npos) {
            return line_error(line_no, "expected key = value (got " + quote(line) + ")");
        }
        const std::string_view key = trim(line.substr(0, eq));
        std::string_view value = trim(line.substr(eq + 1));
        if (value.size() >= 2 && value.front() == '"' && value.back() == '"') {
            value = value.substr(1, value.size() - 2);
        }
        if (key.empty()) return line_error(line_no, "missing key before '='");
        if (auto err = set_key(std::string(key), value, config)) return line_error(line_no, *err);
        if (key == "bridge" || key == "subnet" || key == "gateway" || key == "nat") {
            network_line = line_no;
        }
    }
    if (auto e = control::network_options_error(config.network); !e.empty()) {
        return line_error(network_line > 0 ? network_line : 1, e);
    }
    return {};
}

Status apply_config_file(const std::string& path, DaemonConfig& config) {
    std::ifstream in(path);
    if (!in) return make_error(Errc::not_found, "cannot read config file " + path);
    std::ostringstream text;
    text << in.rdbuf();
    Status st = apply_config_text(text.str(), config);
    if (!st) return make_error(st.error().code, path + ": " + st.error().message);
    return {};
}

}  // namespace domus::api
