// Polled transmit only: no interrupts, no receive. Every port access is a VM exit under
// KVM, so this is a slow console; the Domus path uses HC_CONSOLE_WRITE instead.
#include "arch/uart16550.hpp"

#include "arch/cpu.hpp"

namespace {

constexpr uint16_t kBase = 0x3f8;
constexpr uint16_t kThr = kBase + 0;  // transmit holding register
constexpr uint16_t kIer = kBase + 1;  // interrupt enable
constexpr uint16_t kLcr = kBase + 3;  // line control
constexpr uint16_t kLsr = kBase + 5;  // line status
constexpr uint8_t kLsrThrEmpty = 1u << 5;

void put(char c) {
    // Bounded: a missing UART reads 0xff or 0, and must not hang the kernel.
    for (int i = 0; i < 100000 && !(cpu::inb(kLsr) & kLsrThrEmpty); ++i) cpu::pause();
    cpu::outb(kThr, uint8_t(c));
}

}  // namespace

void uart_init() {
    cpu::outb(kIer, 0x00);  // no UART interrupts
    cpu::outb(kLcr, 0x03);  // 8N1, DLAB off (QEMU ignores the baud rate)
}

void uart_write(const char* text, size_t length) {
    for (size_t i = 0; i < length; ++i) {
        if (text[i] == '\n') put('\r');
        put(text[i]);
    }
}
