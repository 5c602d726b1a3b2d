// Local APIC access in x2APIC mode (MSRs 0x800 + reg/16; always under Domus, whose monitor
// provides the in-kernel LAPIC) or, under QEMU TCG without x2APIC, in xAPIC mode through the
// MMIO page at 0xfee00000 (mapped by the PVH page tables on request).
#pragma once

#include <stdint.h>

struct PerCpu;

namespace apic {

enum class Mode : uint8_t { X2apic, Xapic };

// Register offsets (xAPIC MMIO offsets; the x2APIC MSR is 0x800 + offset / 16).
constexpr uint32_t kRegId = 0x20;
constexpr uint32_t kRegEoi = 0xb0;
constexpr uint32_t kRegSvr = 0xf0;
constexpr uint32_t kRegIcr = 0x300;
constexpr uint32_t kRegLvtTimer = 0x320;
constexpr uint32_t kRegTimerInitial = 0x380;
constexpr uint32_t kRegTimerCurrent = 0x390;
constexpr uint32_t kRegTimerDivide = 0x3e0;

bool x2apic_supported();   // CPUID.1:ECX[21]
void set_mode(Mode mode);  // once, by the BSP, before any init_cpu()
const char* mode_name();   // "x2APIC" or "xAPIC"

// Enables this vCPU's LAPIC (APIC_BASE, SVR = 0x1ff), records its APIC id, marks it ready
// for IPIs. Idempotent.
void init_cpu(PerCpu* cpu);

uint32_t read(uint32_t reg);
void write(uint32_t reg, uint32_t value);
void eoi();
// Fixed-delivery IPI to one APIC id.
void send_ipi(uint32_t apic_id, uint8_t vector);

}  // namespace apic
