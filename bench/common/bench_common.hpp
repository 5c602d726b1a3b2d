// What every benchmark needs: run a child process and measure it (wall time from spawn to exit,
// peak RSS from wait4), order statistics, and `key=value` fields parsed from its output.
//
// These machines are shared and noisy, so no benchmark asserts on a time: each one prints its
// figure beside a baseline measured in the same run, and the ratio of the two.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace domus::bench {

struct ChildResult {
    bool spawned = false;
    bool timed_out = false;
    int exit_code = -1;   // the exit status, or 128 + signal when killed by one
    double ms = 0;        // wall time from just before posix_spawn to wait4's return
    long maxrss_kib = 0;  // ru_maxrss of the child
    std::string out;
    std::string err;
    // Spawn -> the first complete standard-output line starting with the `mark` run_child was
    // given ('\r' ignored), on our end of the pipe; empty when none came or no mark was given.
    std::optional<double> mark_ms;
};

// Runs argv[0] (a path) with argv, standard input /dev/null, standard output and error
// captured, `env` added to this process's environment. Killed after timeout_s. A non-empty
// `mark` times the first output line that starts with it (ChildResult::mark_ms).
ChildResult run_child(const std::vector<std::string>& argv,
                      const std::vector<std::pair<std::string, std::string>>& env = {},
                      double timeout_s = 120, const std::string& mark = {});

uint64_t now_ns();  // CLOCK_MONOTONIC

// The q-quantile (0..1) with linear interpolation between order statistics; 0 when empty.
double quantile(std::vector<double> values, double q);
inline double median(std::vector<double> values) {
    return quantile(std::move(values), 0.5);
}

// The value of the first `key=` in `text` (up to the next whitespace), if any.
std::optional<std::string> field(const std::string& text, const std::string& key);
std::optional<uint64_t> field_u64(const std::string& text, const std::string& key);

// "<label>: <the child's exit status and its output>" on stderr, for a run that went wrong.
void report_failure(const std::string& label, const ChildResult& r);

// Integer option `--name=value` from argv, else `fallback`.
uint64_t option_u64(int argc, char** argv, const std::string& name, uint64_t fallback);

bool have_kvm();
bool is_executable(const std::string& path);

}  // namespace domus::bench
