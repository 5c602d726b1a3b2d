#include "arch/x86/boot_cpu.hpp"

#include <array>

#include "domus/abi/boot_info.h"

namespace domus::x86 {

namespace {

constexpr uint64_t kCr0 = 0x80050033;  // PG | AM | WP | NE | ET | MP | PE
constexpr uint64_t kCr4 = 0x20;        // PAE; no PCIDE (refused by the PVM host), no SMEP/SMAP
constexpr uint64_t kEfer = 0xd01;      // NXE | LMA | LME | SCE
constexpr uint64_t kCode64 = 0x00af9b000000ffffull;
constexpr uint64_t kData = 0x00cf93000000ffffull;
constexpr uint32_t kTssLimit = 0x67;

hv::Segment flat_data() {
    hv::Segment s{};
    s.limit = 0xfffff;
    s.selector = kBootDataSelector;
    s.type = 3;  // read/write, accessed
    s.present = 1;
    s.db = 1;
    s.s = 1;
    s.g = 1;
    return s;
}

}  // namespace

Status write_boot_descriptors(GuestMemory& mem) {
    // GDT: null, unused, code64 (0x10), data (0x18), 16-byte TSS descriptor (0x20).
    const uint64_t tss = DOMUS_GPA_BOOT_TSS;
    const uint64_t tss_low =
        kTssLimit | ((tss & 0xffffff) << 16) | (0x8bull << 40) | (((tss >> 24) & 0xff) << 56);
    const std::array<uint64_t, 6> gdt{0, 0, kCode64, kData, tss_low, tss >> 32};
    if (auto st = mem.fill(DOMUS_GPA_BOOT_GDT, 4096, 0); !st) return st;
    if (auto st = mem.write_obj(DOMUS_GPA_BOOT_GDT, gdt); !st) return st;
    // IDT: all gates absent. A fault before the guest installs its own IDT triple-faults, which
    // the monitor reports as a crash.
    if (auto st = mem.fill(DOMUS_GPA_BOOT_IDT, 4096, 0); !st) return st;
    // TSS: zero stacks, I/O bitmap offset past the limit (no bitmap).
    if (auto st = mem.fill(DOMUS_GPA_BOOT_TSS, 4096, 0); !st) return st;
    return mem.write_obj<uint16_t>(DOMUS_GPA_BOOT_TSS + 0x66, static_cast<uint16_t>(kTssLimit + 1));
}

hv::SpecialRegs boot_special_regs() {
    hv::SpecialRegs s{};
    s.cs.limit = 0xfffff;
    s.cs.selector = kBootCodeSelector;
    s.cs.type = 0xb;  // execute/read, accessed
    s.cs.present = 1;
    s.cs.s = 1;
    s.cs.l = 1;
    s.cs.g = 1;
    s.ds = s.es = s.fs = s.gs = s.ss = flat_data();
    s.tr.base = DOMUS_GPA_BOOT_TSS;
    s.tr.limit = kTssLimit;
    s.tr.selector = kBootTssSelector;
    s.tr.type = 11;  // busy 64-bit TSS
    s.tr.present = 1;
    s.ldt.unusable = 1;
    s.gdt = {DOMUS_GPA_BOOT_GDT, 6 * 8 - 1};
    s.idt = {DOMUS_GPA_BOOT_IDT, 256 * 16 - 1};
    s.cr0 = kCr0;
    s.cr3 = DOMUS_GPA_PML4;
    s.cr4 = kCr4;
    s.efer = kEfer;
    return s;
}

hv::Regs boot_regs(uint64_t entry, uint64_t boot_info_gpa, uint32_t vcpu_index,
                   uint64_t registration_page_gpa) {
    hv::Regs r{};
    r.rip = entry;
    r.rdi = boot_info_gpa;
    r.rsi = vcpu_index;
    r.rdx = registration_page_gpa;
    r.rflags = 0x2;
    return r;
}

}  // namespace domus::x86
