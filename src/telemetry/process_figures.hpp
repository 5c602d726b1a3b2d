// The process's own figures for /metrics (process_cpu_seconds_total, process_resident_memory_bytes,
// process_open_fds, ... as Prometheus client libraries name them), read from /proc.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace domus::telemetry {

struct StatFields {
    uint64_t utime_ticks = 0;
    uint64_t stime_ticks = 0;
    uint64_t num_threads = 0;
    uint64_t starttime_ticks = 0;  // since boot
    uint64_t vsize_bytes = 0;
    uint64_t rss_pages = 0;
};

// Pure: /proc/<pid>/stat text. The command name is in parentheses and may itself contain
// spaces and ')': fields are counted from the last ')'. Nothing on malformed text.
std::optional<StatFields> parse_proc_stat(std::string_view text);

struct ProcessFigures {
    double cpu_seconds = 0;
    double resident_bytes = 0;
    double virtual_bytes = 0;
    double open_fds = 0;
    double max_fds = 0;
    double threads = 0;
    double start_time_seconds = 0;  // unix time
};

// The calling process's figures (zeros for what cannot be read).
ProcessFigures read_process_figures();

}  // namespace domus::telemetry
