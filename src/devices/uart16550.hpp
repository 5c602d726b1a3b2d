// A 16550A UART behind 8 I/O ports (COM1 is 0x3f8). Faithful enough for guest serial drivers:
// divisor latch, FIFO control bits, loopback, scratch register, line/modem status and the
// interrupt identification priorities. Transmission is instantaneous, so THR is always empty.
//
// Callbacks are never invoked with the internal mutex held, so they may call back into the UART
// (e.g. `output` may call enqueue_input() to echo):
//   output(bytes)  once per byte the guest transmits (a span of size 1), in transmission order.
//                  Not called in loopback mode, where transmitted bytes are received instead.
//   raise_irq()    on each rising edge of the UART's interrupt output, i.e. when IIR goes from
//                  "no interrupt" to some enabled pending condition, as an ISA 8250 drives an
//                  edge-triggered IRQ line. Guest drivers must service until IIR reads 0x01.
//                  MCR.OUT2 does not gate it. May be empty.
#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <mutex>
#include <span>

#include "devices/io_bus.hpp"

namespace domus {

class Uart16550 final : public PioDevice {
  public:
    static constexpr uint16_t kCom1Base = 0x3f8;
    static constexpr uint16_t kPortCount = 8;
    static constexpr size_t kInputCapacity = 4096;  // bytes of receive buffer

    // Register offsets.
    static constexpr uint16_t kRbrThrDll = 0, kIerDlm = 1, kIirFcr = 2, kLcr = 3, kMcr = 4,
                              kLsr = 5, kMsr = 6, kScr = 7;
    // Register bits.
    static constexpr uint8_t kIerRda = 0x01, kIerThre = 0x02, kIerRls = 0x04, kIerMs = 0x08;
    static constexpr uint8_t kIirNone = 0x01, kIirRls = 0x06, kIirRda = 0x04, kIirThre = 0x02,
                             kIirFifo = 0xc0;
    static constexpr uint8_t kFcrEnable = 0x01, kFcrClearRx = 0x02, kFcrClearTx = 0x04;
    static constexpr uint8_t kLcrDlab = 0x80;
    static constexpr uint8_t kMcrDtr = 0x01, kMcrRts = 0x02, kMcrOut1 = 0x04, kMcrOut2 = 0x08,
                             kMcrLoop = 0x10;
    static constexpr uint8_t kLsrDr = 0x01, kLsrOe = 0x02, kLsrThre = 0x20, kLsrTemt = 0x40;
    static constexpr uint8_t kMsrCts = 0x10, kMsrDsr = 0x20, kMsrRi = 0x40, kMsrDcd = 0x80;

    using OutputFn = std::function<void(std::span<const uint8_t>)>;
    using IrqFn = std::function<void()>;

    Uart16550(OutputFn output, IrqFn raise_irq);

    // Accesses wider than one byte act as consecutive byte accesses (offset, offset + 1, ...),
    // as the ISA bus splits them. Bytes at offsets >= 8 read 0xff and ignore writes.
    void pio_read(uint16_t offset, std::span<uint8_t> data) override;
    void pio_write(uint16_t offset, std::span<const uint8_t> data) override;

    // Queues bytes received from the outside world. Bytes beyond kInputCapacity are dropped,
    // counted, and flagged to the guest as an overrun (LSR.OE). Accepted in loopback mode too.
    // The buffer is used whether or not the guest enabled the FIFO (FCR bit 0), which only
    // changes the IIR FIFO bits; enabling/disabling the FIFO or FCR bit 1 empties it.
    void enqueue_input(std::span<const uint8_t> bytes);

    uint64_t overrun_count() const;
    size_t input_pending() const;

  private:
    struct Effects {  // what to do once the mutex is released
        bool has_output = false;
        uint8_t output = 0;
        bool raise = false;
    };

    uint8_t read_reg(uint16_t offset, Effects& fx);
    void write_reg(uint16_t offset, uint8_t value, Effects& fx);
    void receive(uint8_t byte, Effects& fx);
    uint8_t iir() const;
    void update_irq(Effects& fx);
    void run(const Effects& fx) const;

    OutputFn output_;
    IrqFn raise_irq_;

    mutable std::mutex mu_;
    std::deque<uint8_t> rx_;
    uint64_t overruns_ = 0;
    uint8_t rbr_ = 0;  // last byte read, returned again when the queue is empty
    uint8_t ier_ = 0;
    uint8_t fcr_ = 0;
    uint8_t lcr_ = 0;
    uint8_t mcr_ = 0;
    uint8_t scr_ = 0;
    uint8_t dll_ = 0x0c;  // 9600 baud
    uint8_t dlm_ = 0;
    bool overrun_ = false;       // LSR.OE, cleared by reading LSR
    bool thre_pending_ = false;  // THRE interrupt latch: set when THR empties or IER.THRE is
                                 // enabled; cleared by reading it from IIR or writing THR
    bool irq_line_ = false;      // the interrupt output as last computed
};

}  // namespace domus
