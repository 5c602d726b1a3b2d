// What the bench_guest_* benchmarks share: the programs and images of build_images.sh, a
// program run in a domain (`domus run --ramdisk`) or on the host, its `result key=value` line,
// and the time to a given output line.
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "bench_common.hpp"

namespace domus::bench::guest {

// Runs build_images.sh (it rebuilds only what is out of date); false, with the reason on
// stderr, when it fails (a missing tool: scripts/bootstrap installs them).
bool build_images(const std::string& label);

std::string images_dir();                      // <build>/bench/guest-images
std::string image(const std::string& name);    // images_dir()/<name>.cpio
std::string program(const std::string& name);  // images_dir()/bin/<name> (host copy)
std::string domus_bin();

struct GuestRun {
    int vcpus = 1;
    int memory_mib = 0;  // 0: domus run's default
    std::string ramdisk;
    std::string cmdline;
    std::vector<std::pair<std::string, std::string>> env;
    double timeout_s = 120;
    std::vector<std::string> disks;  // --disk values
    std::vector<std::string> nics;   // --net values
};
// A GuestRun without environment; memory_mib 0: domus run's default.
GuestRun spec(std::string ramdisk, std::string cmdline, int vcpus = 1, int memory_mib = 0);
std::vector<std::string> guest_argv(const GuestRun& g);
ChildResult run_guest(const GuestRun& g);

// The program's output without "\r" and without the kernel's "guest: " lines.
std::string program_output(const std::string& console);

// Field `key` of the program's last line that starts with "result ".
std::optional<double> result_field(const ChildResult& r, const std::string& key);

// True when r exited 0 and has a result line; else reports it (label) and returns false.
bool ok(const std::string& label, const ChildResult& r);

// Spawn to the first standard-output line that starts with `line` ('\r' ignored), and to exit.
struct LineTiming {
    bool ok = false;      // the line came and the process exited 0
    double first_ms = 0;  // spawn -> the line complete on our end of the pipe
    double exit_ms = 0;   // spawn -> wait4
    ChildResult child;    // exit_code, out, err
};
LineTiming time_to_line(const std::vector<std::string>& argv, const std::string& line,
                        double timeout_s = 60);

// "x.xx" or "n/a" for ratios whose denominator is 0.
std::string ratio(double num, double den, int decimals = 3);

}  // namespace domus::bench::guest
