// The IDT: 64-bit interrupt gates (IF cleared on entry) with selector 0x10 for the 32
// exceptions and the few interrupt vectors the kernel uses. #DF and NMI run on their own
// IST stacks so a broken kernel stack still gets a crash report; every external interrupt
// runs on the entry area's IST_IRQ stack, which is mapped in every page table (an interrupt
// can arrive in the last instructions of the PVM return to user mode, arch/pvm_user.S).
// int3 has a DPL3 gate so a user breakpoint becomes SIGTRAP rather than #GP.
#include "arch/cpu.hpp"
#include "arch/descriptors.hpp"
#include "arch/layout.h"

namespace {

struct IdtGate {
    uint16_t offset_low;
    uint16_t selector;
    uint8_t ist;
    uint8_t type;  // 0x8e: present, DPL0, 64-bit interrupt gate; 0xee: DPL3
    uint16_t offset_mid;
    uint32_t offset_high;
    uint32_t reserved;
};
static_assert(sizeof(IdtGate) == 16, "gate layout");

[[gnu::section(".entry.data")]] alignas(16) IdtGate idt[256];

void set_gate(uint8_t vector, uint64_t handler, uint8_t ist, uint8_t type = 0x8e) {
    idt[vector] = IdtGate{uint16_t(handler),       GDT_KERNEL_CS,           ist, type,
                          uint16_t(handler >> 16), uint32_t(handler >> 32), 0};
}

}  // namespace

// arch/isr.S: stubs for vectors 0..31, then timer, wake, TLB, reschedule, event, spurious,
// and the device vectors.
extern "C" const uint64_t isr_stub_table[38 + VECTOR_DEVICE_COUNT];

void idt_build() {
    for (uint8_t v = 0; v < 32; ++v) {
        const uint8_t ist = v == 8 ? IST_DOUBLE_FAULT : v == 2 ? IST_NMI : 0;
        set_gate(v, isr_stub_table[v], ist, v == 3 ? 0xee : 0x8e);
    }
    set_gate(VECTOR_TIMER, isr_stub_table[32], IST_IRQ);
    set_gate(VECTOR_WAKE, isr_stub_table[33], IST_IRQ);
    set_gate(VECTOR_TLB, isr_stub_table[34], IST_IRQ);
    set_gate(VECTOR_RESCHED, isr_stub_table[35], IST_IRQ);
    set_gate(VECTOR_EVENT, isr_stub_table[36], IST_IRQ);
    set_gate(VECTOR_SPURIOUS, isr_stub_table[37], IST_IRQ);
    for (uint8_t d = 0; d < VECTOR_DEVICE_COUNT; ++d) {
        set_gate(uint8_t(VECTOR_DEVICE_BASE + d), isr_stub_table[38 + d], IST_IRQ);
    }
}

void idt_build_gp_only() {
    set_gate(13, isr_stub_table[13], 0);
}

void idt_load() {
    const cpu::TablePointer pointer{uint16_t(sizeof(idt) - 1), reinterpret_cast<uint64_t>(idt)};
    cpu::lidt(pointer);
}

void idt_load_empty_and_fault() {
    // Limit 0: every vector is outside the IDT, so int3 raises #GP, whose delivery raises
    // #DF, whose delivery shuts the vCPU down (triple fault).
    const cpu::TablePointer empty{0, 0};
    cpu::lidt(empty);
    asm volatile("int3\n\tud2" ::: "memory");
    for (;;) cpu::hlt();
}
