// The kernel command line: words separated by spaces. The first word that is not a
// key=value option selects the workload (default: hello); options configure it.
//   hello | selftest | bench | service | crash | triplefault | hostile-virtio |
//   hostile-net | net-reflect
//   (module parameters, a dot in the name, are the devices' and ignored here)
//   cpu_iters=N  hc_iters=N   (bench; N decimal or 0x hex)
#pragma once

#include <stdint.h>

enum class Workload : uint8_t {
    Hello,
    Selftest,
    Bench,
    Service,
    Crash,
    TripleFault,
    HostileVirtio,
    HostileNet,
    NetReflect
};

struct Options {
    Workload workload;
    uint64_t cpu_iters;
    uint64_t hc_iters;
};

// Parses `cmdline` (NUL-terminated). Unknown options are reported and ignored; an unknown
// workload or a malformed number is reported and makes this return false.
bool parse_cmdline(const char* cmdline, Options* options);
