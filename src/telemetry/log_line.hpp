// Structured log lines: one JSON object per line, with a level, the component (domusd,
// domus-vmm) and, where there is one, the domain's name and id on every line, so a log
// collector (journald, Loki, jq) can select by domain:
//   {"time":"2026-11-30T12:00:00.123Z","level":"info","component":"domus-vmm",
//    "domain":"web1","id":3,"msg":"running, pid 4242"}
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace domus::telemetry {

enum class Level { debug, info, warn, error };
const char* to_string(Level level);

struct LogContext {
    std::string component;  // "domusd" | "domus-vmm" | ...
    std::string domain;     // empty: not about one domain
    int64_t id = -1;        // the domain's id; < 0: none
};

// Pure: the line, '\n' included; `unix_ms` is the time stamp. Every string is JSON-escaped
// (control characters as \u00XX), so a message cannot break the line or forge fields.
std::string format_log_line(Level level, const LogContext& context, std::string_view message,
                            int64_t unix_ms);

// The process's context (set once at start-up) and writing a line to stderr with one write(2),
// so lines from several threads never interleave.
void set_log_context(LogContext context);
void log(Level level, std::string_view message);
void log_for(Level level, const std::string& domain, int64_t id, std::string_view message);

}  // namespace domus::telemetry
