#include "telemetry/log_line.hpp"

#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <ctime>
#include <mutex>

namespace domus::telemetry {

namespace {

std::mutex g_mu;
LogContext g_context{"domus", "", -1};
LogFormat g_format = LogFormat::text;

void append_json_string(std::string& out, std::string_view s) {
    out += '"';
    for (unsigned char c : s) {
        switch (c) {
            case '"':
                out += "\\\"";
                break;
            case '\\':
                out += "\\\\";
                break;
            case '\n':
                out += "\\n";
                break;
            case '\r':
                out += "\\r";
                break;
            case '\t':
                out += "\\t";
                break;
            default:
                if (c < 0x20 || c == 0x7f) {
                    char buf[8];
                    std::snprintf(buf, sizeof buf, "\\u%04x", c);
                    out += buf;
                } else {
                    out += static_cast<char>(c);
                }
        }
    }
    out += '"';
}

int64_t now_unix_ms() {
    timespec ts{};
    ::clock_gettime(CLOCK_REALTIME, &ts);
    return static_cast<int64_t>(ts.tv_sec) * 1000 + ts.tv_nsec / 1000000;
}

void write_line(const std::string& line) {
    const char* p = line.data();
    size_t n = line.size();
    while (n > 0) {
        const ssize_t w = ::write(STDERR_FILENO, p, n);
        if (w < 0 && errno == EINTR) continue;
        if (w <= 0) return;
        p += w;
        n -= static_cast<size_t>(w);
    }
}

}  // namespace

const char* to_string(Level level) {
    switch (level) {
        case Level::debug:
            return "debug";
        case Level::info:
            return "info";
        case Level::warn:
            return "warn";
        case Level::error:
            return "error";
    }
    return "info";
}

std::string format_log_line(Level level, const LogContext& context, std::string_view message,
                            int64_t unix_ms) {
    const time_t secs = static_cast<time_t>(unix_ms / 1000);
    tm utc{};
    ::gmtime_r(&secs, &utc);
    char stamp[96];
    std::snprintf(stamp, sizeof stamp, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", utc.tm_year + 1900,
                  utc.tm_mon + 1, utc.tm_mday, utc.tm_hour, utc.tm_min, utc.tm_sec,
                  static_cast<int>(((unix_ms % 1000) + 1000) % 1000));
    std::string out = "{\"time\":\"";
    out += stamp;
    out += "\",\"level\":\"";
    out += to_string(level);
    out += "\",\"component\":";
    append_json_string(out, context.component);
    if (!context.domain.empty()) {
        out += ",\"domain\":";
        append_json_string(out, context.domain);
    }
    if (context.id >= 0) out += ",\"id\":" + std::to_string(context.id);
    out += ",\"msg\":";
    append_json_string(out, message);
    out += "}\n";
    return out;
}

std::optional<LogFormat> log_format_from_string(std::string_view text) {
    if (text == "text") return LogFormat::text;
    if (text == "json") return LogFormat::json;
    return std::nullopt;
}

const char* to_string(LogFormat format) {
    return format == LogFormat::json ? "json" : "text";
}

std::string format_text_line(Level level, const LogContext& context, std::string_view message) {
    std::string out = context.component + ": ";
    if (!context.domain.empty()) {
        out += context.domain;
        if (context.id >= 0) out += " (" + std::to_string(context.id) + ")";
        out += ": ";
    }
    if (level == Level::error) out += "error: ";
    if (level == Level::warn) out += "warning: ";
    for (unsigned char c : message) {
        if (c < 0x20 || c == 0x7f) {
            char buf[8];
            std::snprintf(buf, sizeof buf, "\\x%02X", c);
            out += buf;
        } else {
            out += static_cast<char>(c);
        }
    }
    out += '\n';
    return out;
}

void set_log_context(LogContext context) {
    std::lock_guard lock(g_mu);
    g_context = std::move(context);
}

LogContext log_context() {
    std::lock_guard lock(g_mu);
    return g_context;
}

std::string json_line_prefix(Level level, const LogContext& context) {
    std::string out = "{\"level\":\"";
    out += to_string(level);
    out += "\",\"component\":";
    append_json_string(out, context.component);
    if (!context.domain.empty()) {
        out += ",\"domain\":";
        append_json_string(out, context.domain);
    }
    if (context.id >= 0) out += ",\"id\":" + std::to_string(context.id);
    out += ",\"msg\":\"";
    return out;
}

void set_log_format(LogFormat format) {
    std::lock_guard lock(g_mu);
    g_format = format;
}

LogFormat log_format() {
    std::lock_guard lock(g_mu);
    return g_format;
}

void log(Level level, std::string_view message) {
    LogContext c;
    LogFormat f;
    {
        std::lock_guard lock(g_mu);
        c = g_context;
        f = g_format;
    }
    write_line(f == LogFormat::json ? format_log_line(level, c, message, now_unix_ms())
                                    : format_text_line(level, c, message));
}

void log_for(Level level, const std::string& domain, int64_t id, std::string_view message) {
    LogContext c;
    LogFormat f;
    {
        std::lock_guard lock(g_mu);
        c = g_context;
        f = g_format;
    }
    c.domain = domain;
    c.id = id;
    write_line(f == LogFormat::json ? format_log_line(level, c, message, now_unix_ms())
                                    : format_text_line(level, c, message));
}

}  // namespace domus::telemetry
