// The architectural register state the monitor sets and reads, independent of <linux/kvm.h>.
#pragma once

#include <cstdint>

namespace domus::hv {

struct Regs {
    uint64_t rax, rbx, rcx, rdx, rsi, rdi, rsp, rbp;
    uint64_t r8, r9, r10, r11, r12, r13, r14, r15;
    uint64_t rip, rflags;
};

struct Segment {
    uint64_t base;
    uint32_t limit;
    uint16_t selector;
    uint8_t type, present, dpl, db, s, l, g, avl;
    uint8_t unusable;
};

struct DescriptorTable {
    uint64_t base;
    uint16_t limit;
};

struct SpecialRegs {
    Segment cs, ds, es, fs, gs, ss, tr, ldt;
    DescriptorTable gdt, idt;
    uint64_t cr0, cr2, cr3, cr4, cr8, efer, apic_base;
};

}  // namespace domus::hv
