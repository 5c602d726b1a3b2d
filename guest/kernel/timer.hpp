// The LAPIC timer as a periodic tick on the BSP, for sleep_ms(). Off unless a workload turns
// it on: every tick costs ~20 us on the PVM host (delivery + EOI wrmsr + iretq).
#pragma once

#include <stdint.h>

// Measures the APIC timer frequency against clock_ns() (HC_TIME on Domus; never assumed to
// be 1 GHz). ~20 ms. Returns 0 on failure, else the frequency in Hz. Cached after success.
uint64_t timer_calibrate();

// Starts the periodic tick at `hz` on this vCPU (the BSP) and unmasks interrupts.
bool timer_start(uint32_t hz);
// Masks interrupts and stops the tick.
void timer_stop();

uint64_t timer_ticks();

// Sleeps with hlt until `ms` milliseconds of ticks have passed. Needs timer_start().
void sleep_ms(uint64_t ms);
