// Thin wrappers around single x86-64 instructions. Nothing here knows about the host backend;
// PVM-specific behaviour (interrupt masking, registration) lives only in arch/pvm.*.
#pragma once

#include <stdint.h>

namespace cpu {

inline uint64_t rdmsr(uint32_t msr) {
    uint32_t lo, hi;
    asm volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(msr));
    return (uint64_t(hi) << 32) | lo;
}

inline void wrmsr(uint32_t msr, uint64_t value) {
    asm volatile("wrmsr" ::"c"(msr), "a"(uint32_t(value)), "d"(uint32_t(value >> 32)) : "memory");
}

inline uint64_t rdtsc() {
    uint32_t lo, hi;
    asm volatile("rdtsc" : "=a"(lo), "=d"(hi));
    return (uint64_t(hi) << 32) | lo;
}

struct CpuidResult {
    uint32_t eax, ebx, ecx, edx;
};

inline CpuidResult cpuid(uint32_t leaf, uint32_t subleaf = 0) {
    CpuidResult r;
    asm volatile("cpuid"
                 : "=a"(r.eax), "=b"(r.ebx), "=c"(r.ecx), "=d"(r.edx)
                 : "a"(leaf), "c"(subleaf));
    return r;
}

inline void outb(uint16_t port, uint8_t value) {
    asm volatile("outb %0, %1" ::"a"(value), "Nd"(port) : "memory");
}

inline void outl(uint16_t port, uint32_t value) {
    asm volatile("outl %0, %1" ::"a"(value), "Nd"(port) : "memory");
}

inline uint8_t inb(uint16_t port) {
    uint8_t value;
    asm volatile("inb %1, %0" : "=a"(value) : "Nd"(port) : "memory");
    return value;
}

inline uint64_t read_cr2() {
    uint64_t value;
    asm volatile("mov %%cr2, %0" : "=r"(value));
    return value;
}

inline void pause() {
    asm volatile("pause" ::: "memory");
}

// Halts until the next interrupt (or forever with interrupts masked). Use
// irq::idle_halt() to wait for an interrupt: it knows how to unmask on each backend.
inline void hlt() {
    asm volatile("hlt" ::: "memory");
}

inline void barrier() {
    asm volatile("" ::: "memory");
}

struct [[gnu::packed]] TablePointer {
    uint16_t limit;
    uint64_t base;
};

inline void lgdt(const TablePointer& p) {
    asm volatile("lgdt %0" ::"m"(p) : "memory");
}
inline void lidt(const TablePointer& p) {
    asm volatile("lidt %0" ::"m"(p) : "memory");
}
inline void ltr(uint16_t selector) {
    asm volatile("ltr %0" ::"r"(selector) : "memory");
}

}  // namespace cpu
