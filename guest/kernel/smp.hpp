// Multiprocessor support. The monitor starts every vCPU at the same entry at once; there is
// no INIT/SIPI. vCPU 0 (the BSP) runs the workload; the APs come online, then wait for work
// and finally park.
#pragma once

#include <stdint.h>

struct PerCpu;

// Counts the calling vCPU as online (BSP and APs).
void smp_mark_online();
uint32_t smp_online_count();

// BSP: waits until `expected` vCPUs are online or `timeout_ns` (clock_ns()) has passed.
bool smp_wait_online(uint32_t expected, uint64_t timeout_ns);

// BSP: runs fn(vcpu_index, arg) on every online vCPU, itself included, and waits for all of
// them (bounded by timeout_ns). Returns false on timeout.
using SmpWork = void (*)(uint32_t vcpu, void* arg);
bool smp_run_on_all(SmpWork fn, void* arg, uint64_t timeout_ns);

// AP: serve smp_run_on_all() requests until smp_park_aps(), then park for good.
[[noreturn]] void smp_ap_loop(PerCpu* cpu);

// Every online AP runs fn(index, arg) and never comes back (the scheduler's idle loop).
void smp_start_all(SmpWork fn, void* arg);

// BSP: make every AP mask interrupts and halt forever (before shutdown).
void smp_park_aps();

// Any vCPU: mask interrupts and halt forever.
[[noreturn]] void smp_park_self();
