// The boot paths converge here: both end in kernel_main() on the BSP.
#pragma once

#include <stdint.h>

struct PerCpu;

// Loads this vCPU's GDT/TSS and the shared IDT (built by the BSP with idt_build()).
void cpu_load_tables(PerCpu* cpu);

// BSP, after g_boot is valid and the IDT is built: parse the command line, wait for the APs,
// run the workload, park the APs, shut down.
[[noreturn]] void kernel_main();
