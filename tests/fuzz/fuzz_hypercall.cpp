// Fuzzes hypercall handling and the 16550 behind the port bus.
//
// Input layout: bytes [0, 48) are HypercallArgs (nr, a0..a4 as little-endian u64, zero-padded
// when short), run through handle_hypercall against a 1 MiB GuestMemory. Any bytes after that
// are a UART script of 2-byte steps (op, value) driven through an IoBus:
//   op bits 0-4: port 0x3f0 + n (so some steps miss the UART at 0x3f8)
//   op bits 5-6: access size 1, 2, 4 or 3 (the bus must reject 3)
//   op bit 7:    write (value repeated) / read; op 0xff enqueues `value` as input instead.
#include <array>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <limits>
#include <span>

#include "devices/hypercall.hpp"
#include "devices/io_bus.hpp"
#include "devices/uart16550.hpp"
#include "memory/guest_memory.hpp"

namespace {

using namespace domus;

constexpr uint64_t kRam = 1 << 20;

class InertHost : public HypercallHost {
  public:
    void console_write(std::span<const uint8_t> bytes) override {
        if (bytes.empty() || bytes.size() > DOMUS_CONSOLE_WRITE_MAX) __builtin_trap();
        for (uint8_t b : bytes) sum += b;  // touch every byte so ASan checks the span
    }
    void yield() override {}
    uint32_t block(uint64_t timeout_ns) override { return static_cast<uint32_t>(timeout_ns) & 7; }
    void shutdown(uint32_t reason, uint32_t code) override {
        if (reason > DOMUS_SHUTDOWN_EXIT) __builtin_trap();
        if (reason == DOMUS_SHUTDOWN_EXIT && !valid_exit_status(code)) __builtin_trap();
    }
    bool set_event_irq(uint32_t vector, uint32_t vcpu) override {
        if (vector != 0 && (vector < 32 || vector > 255)) __builtin_trap();
        return vcpu < 4;
    }
    uint64_t time_ns(uint32_t clock) override {
        if (clock > DOMUS_CLOCK_MONOTONIC) __builtin_trap();
        return clock == 0 ? std::numeric_limits<uint64_t>::max() : 12345;
    }
    domus_domain_info domain_info() override {
        domus_domain_info info{};
        std::memset(info.name, 'x', sizeof info.name);  // unterminated on purpose
        return info;
    }
    size_t console_read(std::span<uint8_t> out) override {
        if (out.empty() || out.size() > DOMUS_CONSOLE_WRITE_MAX) __builtin_trap();
        for (auto& b : out) b = static_cast<uint8_t>(sum);  // ASan checks every byte written
        return out.size() / 2;
    }
    uint64_t sum = 0;
};

GuestMemory& memory() {
    static GuestMemory mem = [] {
        auto m = GuestMemory::create(kRam);
        if (!m) __builtin_trap();
        return std::move(m).value();
    }();
    return mem;
}

void check_result(const HypercallArgs& args, int64_t r) {
    if (r >= 0) {
        if (args.nr == DOMUS_HC_CONSOLE_WRITE && static_cast<uint64_t>(r) != args.a1) {
            __builtin_trap();
        }
        if (args.nr == DOMUS_HC_DOMAIN_INFO && r != sizeof(domus_domain_info)) __builtin_trap();
        if (args.nr == DOMUS_HC_CONSOLE_READ && static_cast<uint64_t>(r) != args.a1 / 2) {
            __builtin_trap();
        }
        return;
    }
    if (r != -DOMUS_E2BIG && r != -DOMUS_EFAULT && r != -DOMUS_EINVAL && r != -DOMUS_ENOSYS) {
        __builtin_trap();
    }
}

void run_uart_script(const uint8_t* data, size_t size) {
    Uart16550 uart(
        [](std::span<const uint8_t> b) {
            if (b.size() != 1) __builtin_trap();
        },
        [] {});
    IoBus bus;
    if (!bus.add(Uart16550::kCom1Base, Uart16550::kPortCount, &uart, "com1")) __builtin_trap();
    for (size_t i = 0; i + 1 < size; i += 2) {
        const uint8_t op = data[i], value = data[i + 1];
        if (op == 0xff) {
            uart.enqueue_input(std::span<const uint8_t>(&value, 1));
            continue;
        }
        const auto port = static_cast<uint16_t>(0x3f0 + (op & 0x1f));
        static constexpr size_t kSizes[4] = {1, 2, 4, 3};
        const size_t n = kSizes[(op >> 5) & 3];
        std::array<uint8_t, 4> buf;
        buf.fill(value);
        if (op & 0x80) {
            bus.write(port, std::span<const uint8_t>(buf.data(), n));
        } else {
            bus.read(port, std::span<uint8_t>(buf.data(), n));
        }
    }
    if (uart.input_pending() > Uart16550::kInputCapacity) __builtin_trap();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    std::array<uint64_t, 6> regs{};
    const size_t n = size < sizeof regs ? size : sizeof regs;
    std::memcpy(regs.data(), data, n);
    const HypercallArgs args{regs[0], regs[1], regs[2], regs[3], regs[4], regs[5]};
    InertHost host;
    check_result(args, handle_hypercall(args, memory(), host));
    if (size > sizeof regs) run_uart_script(data + sizeof regs, size - sizeof regs);
    return 0;
}
