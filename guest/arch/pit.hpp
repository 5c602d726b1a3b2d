// The legacy i8254 PIT as a reference clock, used only on the PVH path (QEMU), where no
// HC_TIME exists, to measure the TSC frequency once.
#pragma once

#include <stdint.h>

// Busy-waits ~10 ms of PIT time; returns the TSC frequency in kHz, or 0 if the PIT does not
// count (absent device).
uint64_t pit_measure_tsc_khz();
