// Structured log lines: one JSON object per line, with a level, the component (domusd,
// domus-vmm) and, where there is one, the domain's name and id on every line, so a log
// collector (journald, Loki, jq) can select by domain:
//   {"time":"2026-11-30T12:00:00.123Z","level":"info","component":"domus-vmm",
//    "domain":"web1","id":3,"msg":"running, pid 4242"}
// Or, the default (`log-format = text`), plain lines as the programs always wrote them, the
// domain first when there is one:
//   domus-vmm: web1 (3): error: cannot open ...   (warn: "warning: "; info, debug: no prefix)
#pragma once

#include <cstdint>
#include <optional>
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

enum class LogFormat { text, json };
// Pure: "text" | "json"; nothing otherwise.
std::optional<LogFormat> log_format_from_string(std::string_view text);
const char* to_string(LogFormat format);

// Pure: the text line, '\n' included: "<component>: [<domain> (<id>): ][error: |warning: ]
// <message>". Control characters of the message (a newline from a guest or a client) become
// "\xNN".
std::string format_text_line(Level level, const LogContext& context, std::string_view message);

// The process's context and format (set once at start-up; text by default) and writing a line
// to stderr with one write(2), so lines from several threads never interleave.
void set_log_context(LogContext context);
LogContext log_context();
void set_log_format(LogFormat format);
LogFormat log_format();

// Pure: a JSON line up to its message's opening quote, without "time":
//   {"level":"error","component":"domus-vmm","domain":"web1","id":3,"msg":"
// for code that cannot format a line itself (a signal handler appends the message, '"}' and
// '\n').
std::string json_line_prefix(Level level, const LogContext& context);
void log(Level level, std::string_view message);
void log_for(Level level, const std::string& domain, int64_t id, std::string_view message);

}  // namespace domus::telemetry
