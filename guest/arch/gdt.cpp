// GDT and per-vCPU TSS. Selector values are part of the boot contract (arch/layout.h):
// 0x10 = 64-bit kernel code, 0x18 = kernel data, like the monitor's boot GDT, so IDT gates
// use 0x10 and the CS/SS already loaded stay consistent after lgdt; 0x23/0x2b/0x33 are the
// user segments sysretq loads (STAR). The GDT, the TSSs and the IDT live in the entry section
// (linker.ld): every user page table maps it read-only, because the host reads them while the
// user's page table is loaded (../shared/docs/pvm-ring3.md, Q5).
#include "arch/cpu.hpp"
#include "arch/descriptors.hpp"
#include "arch/percpu.hpp"

extern "C" uint64_t gdt_table[];

namespace {

constexpr uint32_t kGdtEntries = GDT_TSS_BASE / 8 + 2 * GUEST_MAX_VCPUS;

// Accessed bits preset: the CPU never has to write the GDT when it loads a segment.
constexpr uint64_t kCode64 = 0x00af9b000000ffffull;      // P, DPL0, code RX, L=1, G
constexpr uint64_t kData = 0x00cf93000000ffffull;        // P, DPL0, data RW, D/B, G
constexpr uint64_t kUserCode32 = 0x00cffb000000ffffull;  // P, DPL3, code RX, D=1, G
constexpr uint64_t kUserData = 0x00cff3000000ffffull;    // P, DPL3, data RW, D/B, G
constexpr uint64_t kUserCode64 = 0x00affb000000ffffull;  // P, DPL3, code RX, L=1, G

[[gnu::section(".entry.data")]] alignas(64) Tss g_tss[GUEST_MAX_VCPUS];

uint32_t tss_slot(const PerCpu* cpu) {
    return GDT_TSS_BASE / 8 + 2 * cpu->index;
}

void write_tss_descriptor(const PerCpu* cpu) {
    const uint64_t base = reinterpret_cast<uint64_t>(&g_tss[cpu->index]);
    const uint64_t limit = sizeof(Tss) - 1;
    const uint32_t slot = tss_slot(cpu);
    // Written whole each time: also clears the busy bit, so ltr can load it again.
    gdt_table[slot] = (limit & 0xffff) | ((base & 0xffffff) << 16) |
                      (uint64_t(0x89) << 40) |  // P, DPL0, available 64-bit TSS
                      (((limit >> 16) & 0xf) << 48) | (((base >> 24) & 0xff) << 56);
    gdt_table[slot + 1] = base >> 32;
}

}  // namespace

// Statically initialised (also used by pvh.S for the switch to long mode). The TSS slots
// are filled by each vCPU for itself, so vCPUs never write each other's entries.
extern "C" {
[[gnu::section(".entry.data")]] alignas(16) uint64_t gdt_table[kGdtEntries] = {
    0, 0, kCode64, kData, kUserCode32, kUserData, kUserCode64, 0};
}

void gdt_load_for_cpu(PerCpu* cpu) {
    CpuBlock* block = reinterpret_cast<CpuBlock*>(cpu);
    Tss& tss = g_tss[cpu->index];
    // Until the entry area is mapped (entry_area_activate), every IST stack is in the block.
    tss.ist[IST_DOUBLE_FAULT - 1] =
        reinterpret_cast<uint64_t>(block->ist_double_fault + CPU_IST_SIZE);
    tss.ist[IST_NMI - 1] = reinterpret_cast<uint64_t>(block->ist_nmi + CPU_IST_SIZE);
    tss.ist[IST_IRQ - 1] = reinterpret_cast<uint64_t>(block->ist_nmi + CPU_IST_SIZE);
    tss.iomap_base = sizeof(Tss);  // no I/O permission bitmap
    write_tss_descriptor(cpu);

    const cpu::TablePointer pointer{uint16_t(sizeof(gdt_table) - 1),
                                    reinterpret_cast<uint64_t>(gdt_table)};
    cpu::lgdt(pointer);
    cpu::ltr(uint16_t(GDT_TSS_BASE + 16 * cpu->index));
}

void tss_use_entry_area(PerCpu* cpu) {
    Tss& tss = g_tss[cpu->index];
    tss.rsp[0] = ENTRY_RSP0_TOP;
    tss.ist[IST_DOUBLE_FAULT - 1] = ENTRY_DF_STACK_TOP;
    tss.ist[IST_IRQ - 1] = ENTRY_IRQ_STACK_TOP;
    write_tss_descriptor(cpu);  // not busy again: the host may cache the TSS at ltr time
    cpu::ltr(uint16_t(GDT_TSS_BASE + 16 * cpu->index));
}
