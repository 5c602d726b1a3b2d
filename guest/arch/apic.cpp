// Local APIC: enable, register access, EOI, IPIs. Each x2APIC access is a trapped wrmsr
// (~4 us on the PVM host), so callers keep them off hot paths.
#include "arch/apic.hpp"

#include "arch/cpu.hpp"
#include "arch/layout.h"
#include "arch/percpu.hpp"
#include "arch/vmem.hpp"

namespace apic {

namespace {

constexpr uint32_t kMsrApicBase = 0x1b;
constexpr uint64_t kApicBaseEnable = 1u << 11;
constexpr uint64_t kApicBaseX2 = 1u << 10;
constexpr uint64_t kMmioBase = 0xfee00000;

Mode g_mode = Mode::X2apic;

volatile uint32_t* mmio(uint32_t reg) {
    return vmem::from_gpa<volatile uint32_t>(kMmioBase + reg);  // physmap alias
}

}  // namespace

bool x2apic_supported() {
    return (cpu::cpuid(1).ecx & (1u << 21)) != 0;
}

void set_mode(Mode mode) {
    g_mode = mode;
}

const char* mode_name() {
    return g_mode == Mode::X2apic ? "x2APIC" : "xAPIC";
}

uint32_t read(uint32_t reg) {
    if (g_mode == Mode::X2apic) return uint32_t(cpu::rdmsr(0x800 + reg / 16));
    return *mmio(reg);
}

void write(uint32_t reg, uint32_t value) {
    if (g_mode == Mode::X2apic) {
        cpu::wrmsr(0x800 + reg / 16, value);
    } else {
        *mmio(reg) = value;
    }
}

void eoi() {
    write(kRegEoi, 0);
}

void init_cpu(PerCpu* cpu) {
    if (__atomic_load_n(&cpu->apic_ready, __ATOMIC_ACQUIRE)) return;
    const uint64_t wanted = kApicBaseEnable | (g_mode == Mode::X2apic ? kApicBaseX2 : 0);
    const uint64_t base = cpu::rdmsr(kMsrApicBase);
    if ((base & wanted) != wanted) cpu::wrmsr(kMsrApicBase, base | wanted);
    write(kRegSvr, 0x100 | VECTOR_SPURIOUS);  // software enable
    const uint32_t id = read(kRegId);
    cpu->apic_id = g_mode == Mode::X2apic ? id : id >> 24;
    // seq_cst: pairs with the waker's store of new work / load of apic_ready (smp.cpp).
    __atomic_store_n(&cpu->apic_ready, 1u, __ATOMIC_SEQ_CST);
}

void send_ipi(uint32_t apic_id, uint8_t vector) {
    constexpr uint32_t kAssert = 1u << 14;  // level assert, fixed delivery, physical dest
    if (g_mode == Mode::X2apic) {
        cpu::wrmsr(0x800 + kRegIcr / 16, (uint64_t(apic_id) << 32) | kAssert | vector);
        return;
    }
    *mmio(kRegIcr + 0x10) = apic_id << 24;
    *mmio(kRegIcr) = kAssert | vector;
    for (int i = 0; i < 100000 && (*mmio(kRegIcr) & (1u << 12)); ++i) cpu::pause();
}

}  // namespace apic
