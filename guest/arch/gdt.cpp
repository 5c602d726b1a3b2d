// GDT and per-vCPU TSS. Selector values are part of the boot contract (arch/layout.h):
// 0x10 = 64-bit kernel code, 0x18 = kernel data, like the monitor's boot GDT, so IDT gates
// use 0x10 and the CS/SS already loaded stay consistent after lgdt.
#include "arch/cpu.hpp"
#include "arch/descriptors.hpp"
#include "arch/percpu.hpp"

namespace {

constexpr uint32_t kGdtEntries = GDT_TSS_BASE / 8 + 2 * GUEST_MAX_VCPUS;

// Accessed bits preset: the CPU never has to write the GDT when it loads a segment.
constexpr uint64_t kCode64 = 0x00af9b000000ffffull;  // P, DPL0, code RX, L=1, G
constexpr uint64_t kData = 0x00cf93000000ffffull;    // P, DPL0, data RW, D/B, G

}  // namespace

// Statically initialised (also used by pvh.S for the switch to long mode). The TSS slots
// are filled by each vCPU for itself, so vCPUs never write each other's entries.
extern "C" {
alignas(16) uint64_t gdt_table[kGdtEntries] = {0, 0, kCode64, kData};
}

void gdt_load_for_cpu(PerCpu* cpu) {
    CpuBlock* block = reinterpret_cast<CpuBlock*>(cpu);
    Tss& tss = cpu->tss;
    tss.ist[0] = reinterpret_cast<uint64_t>(block->ist_double_fault + CPU_IST_SIZE);
    tss.ist[1] = reinterpret_cast<uint64_t>(block->ist_nmi + CPU_IST_SIZE);
    tss.iomap_base = sizeof(Tss);  // no I/O permission bitmap

    const uint64_t base = reinterpret_cast<uint64_t>(&tss);
    const uint64_t limit = sizeof(Tss) - 1;
    const uint32_t slot = GDT_TSS_BASE / 8 + 2 * cpu->index;
    gdt_table[slot] = (limit & 0xffff) | ((base & 0xffffff) << 16) |
                      (uint64_t(0x89) << 40) |  // P, DPL0, available 64-bit TSS
                      (((limit >> 16) & 0xf) << 48) | (((base >> 24) & 0xff) << 56);
    gdt_table[slot + 1] = base >> 32;

    const cpu::TablePointer pointer{uint16_t(sizeof(gdt_table) - 1),
                                    reinterpret_cast<uint64_t>(gdt_table)};
    cpu::lgdt(pointer);
    cpu::ltr(uint16_t(GDT_TSS_BASE + 16 * cpu->index));
}
