// PIT channel 0 in mode 0 (interrupt on terminal count; the legacy PIC is masked on the PVH
// path, so the interrupt goes nowhere), read back with the latch command.
#include "arch/pit.hpp"

#include "arch/cpu.hpp"

namespace {

constexpr uint16_t kPortChannel0 = 0x40;
constexpr uint16_t kPortCommand = 0x43;
constexpr uint64_t kPitHz = 1193182;
constexpr uint32_t kWindowTicks = 11932;  // 10 ms

uint16_t read_count() {
    cpu::outb(kPortCommand, 0x00);  // latch channel 0
    const uint8_t lo = cpu::inb(kPortChannel0);
    const uint8_t hi = cpu::inb(kPortChannel0);
    return uint16_t(lo | (hi << 8));
}

}  // namespace

uint64_t pit_measure_tsc_khz() {
    cpu::outb(kPortCommand, 0x30);  // channel 0, lobyte/hibyte, mode 0, binary
    cpu::outb(kPortChannel0, 0xff);
    cpu::outb(kPortChannel0, 0xff);  // counts down from 65535: 55 ms before it wraps

    const uint16_t start = read_count();
    const uint64_t tsc_start = cpu::rdtsc();
    uint32_t elapsed = 0;
    for (uint32_t polls = 0; elapsed < kWindowTicks; ++polls) {
        if (polls > 50'000'000) return 0;  // not counting: no PIT
        elapsed = uint16_t(start - read_count());
    }
    const uint64_t cycles = cpu::rdtsc() - tsc_start;
    return cycles * kPitHz / (uint64_t(elapsed) * 1000);
}
