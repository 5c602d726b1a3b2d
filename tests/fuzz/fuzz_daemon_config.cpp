// libFuzzer target: domusd's `key = value` config file (apply_config_text) on arbitrary text.
// Invariants: no crash; an error names its line (one that exists) in a bounded message; an
// accepted file leaves every limit inside its documented range; the parse is deterministic.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "api/daemon_config.hpp"

namespace {

void require(bool ok) {
    if (!ok) std::abort();
}

bool same(const domus::api::DaemonConfig& a, const domus::api::DaemonConfig& b) {
    const auto &x = a.server, &y = b.server;
    return a.socket == b.socket && a.state_dir == b.state_dir && a.listen == b.listen &&
           a.vmm == b.vmm && a.events_kept == b.events_kept &&
           a.console_log_max_bytes == b.console_log_max_bytes &&
           a.stats_interval_ms == b.stats_interval_ms && x.max_body_bytes == y.max_body_bytes &&
           x.max_header_bytes == y.max_header_bytes && x.request_timeout == y.request_timeout &&
           x.idle_timeout == y.idle_timeout && x.write_timeout == y.write_timeout &&
           x.sse_keepalive == y.sse_keepalive && x.max_connections_unix == y.max_connections_unix &&
           x.max_connections_tcp == y.max_connections_tcp && x.tls_cert == y.tls_cert &&
           x.tls_key == y.tls_key && x.io_threads == y.io_threads &&
           x.worker_threads == y.worker_threads && x.verbose == y.verbose;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    using namespace domus::api;
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    DaemonConfig a, b;
    const domus::Status sa = apply_config_text(text, a);
    const domus::Status sb = apply_config_text(text, b);
    require(static_cast<bool>(sa) == static_cast<bool>(sb));
    if (!sa) {
        const std::string& m = sa.error().message;
        require(m == sb.error().message);
        require(m.rfind("line ", 0) == 0);
        const long line = std::strtol(m.c_str() + 5, nullptr, 10);
        size_t lines = 1;
        for (char c : text) lines += c == '\n';
        require(line >= 1 && static_cast<size_t>(line) <= lines);
        require(m.size() < 1024);  // quoted values are cut; the known-keys list is fixed
        return 0;
    }
    require(same(a, b));
    const auto& s = a.server;
    require(s.max_body_bytes >= 1 && s.max_body_bytes <= (1u << 30));
    require(s.max_header_bytes >= 1024 && s.max_header_bytes <= (1u << 20));
    require(s.max_connections_unix >= 1 && s.max_connections_unix <= 1000000);
    require(s.max_connections_tcp >= 1 && s.max_connections_tcp <= 1000000);
    require(a.console_log_max_bytes <= (1ull << 40));
    for (auto t : {s.request_timeout, s.idle_timeout, s.write_timeout}) {
        require(t.count() >= 1 && t.count() <= 3600000);
    }
    require(s.sse_keepalive.count() >= 100 && s.sse_keepalive.count() <= 3600000);
    require(s.io_threads >= 1 && s.io_threads <= 64);
    require(s.worker_threads >= 1 && s.worker_threads <= 256);
    require(a.events_kept >= 100 && a.events_kept <= 1000000000);
    require(a.stats_interval_ms >= 10 && a.stats_interval_ms <= 3600000);
    return 0;
}
