// Kernel clocks, from the TSC (its frequency from the boot-info page, checked against the
// monitor's clock at boot). Cheap: no exit to the monitor.
#pragma once

#include <stdint.h>

uint64_t time_monotonic_ns();  // since boot
uint64_t time_realtime_ns();   // since the Unix epoch

// Once on the BSP before the clocks are used.
void time_init();
