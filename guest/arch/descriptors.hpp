// The kernel's own descriptor tables: one GDT shared by all vCPUs (code/data plus one TSS
// descriptor per vCPU), one TSS per vCPU (in its PerCpu) and one IDT shared by all vCPUs.
#pragma once

#include <stdint.h>

struct PerCpu;

// Fills this vCPU's TSS (IST1 = #DF stack, IST2 = NMI stack) and its GDT slot, then loads
// the GDT and the task register. CS/SS keep the selectors the monitor (or pvh.S) loaded,
// which name identical descriptors in this GDT, so no segment reload is needed.
void gdt_load_for_cpu(PerCpu* cpu);

// Points this vCPU's RSP0, #DF and interrupt stacks at its entry area (arch/entry_area.hpp)
// and reloads the task register. Once the vCPU runs on the kernel's own page tables.
void tss_use_entry_area(PerCpu* cpu);

// Fills all IDT gates (exceptions; timer, wake, TLB and reschedule IPIs, spurious: the
// interrupts on the IST_IRQ stack). Done once by the BSP before the APs load it.
void idt_build();
// Only the #GP gate: the PVH path uses it to probe MSRs while everything else is emulated.
void idt_build_gp_only();
void idt_load();

// Makes every following interrupt or exception a triple fault (the "triplefault" workload).
[[noreturn]] void idt_load_empty_and_fault();
