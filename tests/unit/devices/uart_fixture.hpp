// Shared fixture for the UART tests: records transmitted bytes and interrupt edges.
#pragma once

#include <gtest/gtest.h>

#include <array>
#include <vector>

#include "devices/uart16550.hpp"

namespace domus::test {

class UartTest : public ::testing::Test {
  protected:
    using U = Uart16550;

    uint8_t rd(uint16_t off) {
        std::array<uint8_t, 1> b{};
        uart.pio_read(off, b);
        return b[0];
    }
    void wr(uint16_t off, uint8_t v) {
        const std::array<uint8_t, 1> b{v};
        uart.pio_write(off, b);
    }
    void input(std::initializer_list<uint8_t> bytes) {
        const std::vector<uint8_t> v(bytes);
        uart.enqueue_input(v);
    }
    uint8_t iir_id() { return rd(U::kIirFcr) & 0x0f; }

    std::vector<uint8_t> out;
    int irqs = 0;
    Uart16550 uart{
        [this](std::span<const uint8_t> b) { out.insert(out.end(), b.begin(), b.end()); },
        [this] { ++irqs; }};
};

}  // namespace domus::test
