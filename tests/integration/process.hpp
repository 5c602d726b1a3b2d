// Runs a child process with a deadline and captures its output: how integration tests drive
// the real `domus` binary.
#pragma once

#include <string>
#include <vector>

namespace domus::test {

struct ProcessResult {
    int exit_code = -1;  // the exit status, or 128 + signal when killed by one
    bool timed_out = false;
    std::string out;     // standard output
    std::string err;     // standard error
    double seconds = 0;  // wall time from spawn to exit
};

struct RunOptions {
    double timeout_s = 60;
    int signal = 0;  // sent after signal_after_s when non-zero
    double signal_after_s = 0;
    std::string input;               // written to the child's stdin (then closed) when non-empty
    double input_after_s = 0;        // delay before writing the input
    double close_input_after_s = 0;  // keep stdin open this long after writing
    // When set, the input is written only once standard output contains this text (and
    // input_after_s has passed): synchronisation on what the child says, not on a sleep.
    std::string input_after_output;
    // When set, stdin is closed once standard output contains this text (close_input_after_s
    // is then the longest it stays open).
    std::string close_input_after_output;
};

inline RunOptions timeout_after(double seconds) {
    RunOptions o;
    o.timeout_s = seconds;
    return o;
}

inline RunOptions signal_after(double seconds, int signal, double timeout_s = 30) {
    RunOptions o;
    o.timeout_s = timeout_s;
    o.signal = signal;
    o.signal_after_s = seconds;
    return o;
}

ProcessResult run_process(const std::vector<std::string>& argv, const RunOptions& opts = {});

// `domus` with the given arguments.
ProcessResult run_domus(const std::vector<std::string>& args, const RunOptions& opts = {});

bool have_kvm();

#define DOMUS_REQUIRE_KVM()                                                          \
    do {                                                                             \
        if (!::domus::test::have_kvm()) GTEST_SKIP() << "/dev/kvm is not available"; \
    } while (0)

}  // namespace domus::test
