#include "devices/uart16550.hpp"

#include <utility>

namespace domus {

Uart16550::Uart16550(OutputFn output, IrqFn raise_irq)
    : output_(std::move(output)), raise_irq_(std::move(raise_irq)) {}

void Uart16550::pio_read(uint16_t offset, std::span<uint8_t> data) {
    Effects fx;
    {
        std::lock_guard lock(mu_);
        for (size_t i = 0; i < data.size(); ++i) {
            const uint32_t off = uint32_t{offset} + i;
            data[i] = off < kPortCount ? read_reg(static_cast<uint16_t>(off), fx) : 0xff;
        }
    }
    run(fx);
}

void Uart16550::pio_write(uint16_t offset, std::span<const uint8_t> data) {
    // A multi-byte write could transmit several bytes and raise several edges; run the effects
    // after each byte so that none is lost and the order is kept.
    for (size_t i = 0; i < data.size(); ++i) {
        const uint32_t off = uint32_t{offset} + i;
        if (off >= kPortCount) break;
        Effects fx;
        {
            std::lock_guard lock(mu_);
            write_reg(static_cast<uint16_t>(off), data[i], fx);
        }
        run(fx);
    }
}

void Uart16550::enqueue_input(std::span<const uint8_t> bytes) {
    Effects fx;
    {
        std::lock_guard lock(mu_);
        for (uint8_t b : bytes) receive(b, fx);
    }
    run(fx);
}

uint64_t Uart16550::overrun_count() const {
    std::lock_guard lock(mu_);
    return overruns_;
}

size_t Uart16550::input_pending() const {
    std::lock_guard lock(mu_);
    return rx_.size();
}

void Uart16550::receive(uint8_t byte, Effects& fx) {
    if (rx_.size() >= kInputCapacity) {
        ++overruns_;
        overrun_ = true;
    } else {
        rx_.push_back(byte);
    }
    update_irq(fx);
}

uint8_t Uart16550::iir() const {
    const uint8_t fifo = (fcr_ & kFcrEnable) ? kIirFifo : 0;
    if ((ier_ & kIerRls) && overrun_) return fifo | kIirRls;
    if ((ier_ & kIerRda) && !rx_.empty()) return fifo | kIirRda;
    if ((ier_ & kIerThre) && thre_pending_) return fifo | kIirThre;
    // Modem status never changes (no delta bits), so it never interrupts.
    return fifo | kIirNone;
}

void Uart16550::update_irq(Effects& fx) {
    const bool line = (iir() & kIirNone) == 0;
    if (line && !irq_line_) fx.raise = true;
    irq_line_ = line;
}

uint8_t Uart16550::read_reg(uint16_t offset, Effects& fx) {
    const bool dlab = (lcr_ & kLcrDlab) != 0;
    switch (offset) {
        case kRbrThrDll:
            if (dlab) return dll_;
            if (!rx_.empty()) {
                rbr_ = rx_.front();
                rx_.pop_front();
                update_irq(fx);
            }
            return rbr_;
        case kIerDlm:
            return dlab ? dlm_ : ier_;
        case kIirFcr: {
            const uint8_t v = iir();
            if ((v & 0x0f) == kIirThre) {  // reading IIR acknowledges a THRE interrupt
                thre_pending_ = false;
                update_irq(fx);
            }
            return v;
        }
        case kLcr:
            return lcr_;
        case kMcr:
            return mcr_;
        case kLsr: {
            uint8_t v = kLsrThre | kLsrTemt;
            if (!rx_.empty()) v |= kLsrDr;
            if (overrun_) v |= kLsrOe;
            overrun_ = false;  // reading LSR clears the error bits
            update_irq(fx);
            return v;
        }
        case kMsr:
            if (mcr_ & kMcrLoop) {  // outputs looped back onto the inputs
                uint8_t v = 0;
                if (mcr_ & kMcrRts) v |= kMsrCts;
                if (mcr_ & kMcrDtr) v |= kMsrDsr;
                if (mcr_ & kMcrOut1) v |= kMsrRi;
                if (mcr_ & kMcrOut2) v |= kMsrDcd;
                return v;
            }
            return kMsrDcd | kMsrDsr | kMsrCts;  // a peer is always there
        case kScr:
            return scr_;
        default:
            return 0xff;
    }
}

void Uart16550::write_reg(uint16_t offset, uint8_t value, Effects& fx) {
    const bool dlab = (lcr_ & kLcrDlab) != 0;
    switch (offset) {
        case kRbrThrDll:
            if (dlab) {
                dll_ = value;
                return;
            }
            // THR fills, which drops the THRE latch, then empties at once.
            thre_pending_ = false;
            update_irq(fx);
            if (mcr_ & kMcrLoop) {
                receive(value, fx);
            } else {
                fx.has_output = true;
                fx.output = value;
            }
            thre_pending_ = true;
            update_irq(fx);
            return;
        case kIerDlm: {
            if (dlab) {
                dlm_ = value;
                return;
            }
            const uint8_t changed = (ier_ ^ value) & 0x0f;
            ier_ = value & 0x0f;
            // Enabling the THRE interrupt while THR is empty (always) makes it pending at once.
            if (changed & kIerThre) thre_pending_ = (ier_ & kIerThre) != 0;
            update_irq(fx);
            return;
        }
        case kIirFcr:
            // Changing the FIFO enable bit clears both FIFOs, as does the clear bit.
            if (((fcr_ ^ value) & kFcrEnable) || (value & kFcrClearRx)) rx_.clear();
            fcr_ = value & static_cast<uint8_t>(~(kFcrClearRx | kFcrClearTx));
            update_irq(fx);
            return;
        case kLcr:
            lcr_ = value;
            return;
        case kMcr:
            mcr_ = value & 0x1f;
            return;
        case kScr:
            scr_ = value;
            return;
        default:  // LSR and MSR are read-only
            return;
    }
}

void Uart16550::run(const Effects& fx) const {
    if (fx.has_output && output_) output_(std::span<const uint8_t>(&fx.output, 1));
    if (fx.raise && raise_irq_) raise_irq_();
}

}  // namespace domus
