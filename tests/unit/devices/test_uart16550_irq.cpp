// Interrupt identification priorities and raise_irq edges of the 16550 model.
#include "uart_fixture.hpp"

namespace domus::test {
namespace {

TEST_F(UartTest, NoInterruptsWhileIerIsZero) {
    input({'a'});
    wr(U::kRbrThrDll, 'b');
    EXPECT_EQ(irqs, 0);
    EXPECT_EQ(iir_id(), U::kIirNone);
}

TEST_F(UartTest, EnablingThreRaisesAtOnce) {
    wr(U::kIerDlm, U::kIerThre);
    EXPECT_EQ(irqs, 1);
    EXPECT_EQ(iir_id(), U::kIirThre);
    EXPECT_EQ(iir_id(), U::kIirNone);  // acknowledged by the IIR read
    EXPECT_EQ(irqs, 1);
}

TEST_F(UartTest, EachTransmitRaisesThreAgain) {
    wr(U::kIerDlm, U::kIerThre);
    EXPECT_EQ(iir_id(), U::kIirThre);
    wr(U::kRbrThrDll, 'a');
    EXPECT_EQ(irqs, 2);
    wr(U::kRbrThrDll, 'b');  // THR write drops and re-raises the line
    EXPECT_EQ(irqs, 3);
    EXPECT_EQ(iir_id(), U::kIirThre);
    EXPECT_EQ(iir_id(), U::kIirNone);
}

TEST_F(UartTest, DisablingThreClearsIt) {
    wr(U::kIerDlm, U::kIerThre);
    wr(U::kIerDlm, 0);
    EXPECT_EQ(iir_id(), U::kIirNone);
    wr(U::kIerDlm, U::kIerThre);
    EXPECT_EQ(irqs, 2);
}

TEST_F(UartTest, DataReadyRaisesOnArrival) {
    wr(U::kIerDlm, U::kIerRda);
    EXPECT_EQ(irqs, 0);
    input({'x', 'y'});
    EXPECT_EQ(irqs, 1);  // one edge for the burst
    EXPECT_EQ(iir_id(), U::kIirRda);
    EXPECT_EQ(iir_id(), U::kIirRda);  // level: stays until drained
    EXPECT_EQ(rd(U::kRbrThrDll), 'x');
    EXPECT_EQ(iir_id(), U::kIirRda);
    EXPECT_EQ(rd(U::kRbrThrDll), 'y');
    EXPECT_EQ(iir_id(), U::kIirNone);
    input({'z'});
    EXPECT_EQ(irqs, 2);
}

TEST_F(UartTest, EnablingRdaWithPendingDataRaises) {
    input({'q'});
    EXPECT_EQ(irqs, 0);
    wr(U::kIerDlm, U::kIerRda);
    EXPECT_EQ(irqs, 1);
    EXPECT_EQ(iir_id(), U::kIirRda);
}

TEST_F(UartTest, DataReadyOutranksThre) {
    wr(U::kIerDlm, U::kIerRda | U::kIerThre);
    EXPECT_EQ(irqs, 1);
    input({'d'});
    EXPECT_EQ(irqs, 1);  // the line was already up
    EXPECT_EQ(iir_id(), U::kIirRda);
    rd(U::kRbrThrDll);
    EXPECT_EQ(iir_id(), U::kIirThre);
    EXPECT_EQ(iir_id(), U::kIirNone);
}

TEST_F(UartTest, LineStatusOutranksDataReady) {
    wr(U::kIerDlm, U::kIerRls | U::kIerRda | U::kIerThre);
    std::vector<uint8_t> flood(U::kInputCapacity + 1, 'f');
    uart.enqueue_input(flood);
    EXPECT_EQ(iir_id(), U::kIirRls);
    EXPECT_EQ(iir_id(), U::kIirRls);        // IIR read does not clear it
    EXPECT_NE(rd(U::kLsr) & U::kLsrOe, 0);  // LSR read does
    EXPECT_EQ(iir_id(), U::kIirRda);
}

TEST_F(UartTest, OverrunWithoutRlsEnableDoesNotInterrupt) {
    wr(U::kIerDlm, U::kIerThre);
    EXPECT_EQ(iir_id(), U::kIirThre);
    std::vector<uint8_t> flood(U::kInputCapacity + 1, 'f');
    uart.enqueue_input(flood);
    EXPECT_EQ(iir_id(), U::kIirNone);
    EXPECT_EQ(irqs, 1);
}

TEST_F(UartTest, LoopbackRaisesDataReady) {
    wr(U::kMcr, U::kMcrLoop);
    wr(U::kIerDlm, U::kIerRda);
    wr(U::kRbrThrDll, 'L');
    EXPECT_EQ(irqs, 1);
    EXPECT_EQ(iir_id(), U::kIirRda);
    EXPECT_EQ(rd(U::kRbrThrDll), 'L');
}

TEST_F(UartTest, FifoBitsAccompanyInterruptIds) {
    wr(U::kIirFcr, U::kFcrEnable);
    wr(U::kIerDlm, U::kIerThre);
    EXPECT_EQ(rd(U::kIirFcr), U::kIirFifo | U::kIirThre);
}

TEST_F(UartTest, DlabWritesDoNotTouchInterrupts) {
    wr(U::kLcr, U::kLcrDlab);
    wr(U::kIerDlm, 0xff);  // DLM, not IER
    wr(U::kRbrThrDll, 0x01);
    EXPECT_EQ(irqs, 0);
    EXPECT_TRUE(out.empty());
}

TEST_F(UartTest, EmptyIrqCallbackIsAllowed) {
    Uart16550 quiet([](std::span<const uint8_t>) {}, {});
    const std::array<uint8_t, 1> ier{U::kIerThre | U::kIerRda};
    quiet.pio_write(U::kIerDlm, ier);
    const std::array<uint8_t, 1> in{'i'};
    quiet.enqueue_input(in);
    std::array<uint8_t, 1> b{};
    quiet.pio_read(U::kIirFcr, b);
    EXPECT_EQ(b[0] & 0x0f, U::kIirRda);
}

TEST_F(UartTest, EmptyOutputCallbackIsAllowed) {
    Uart16550 mute({}, {});
    const std::array<uint8_t, 1> c{'c'};
    mute.pio_write(0, c);
    std::array<uint8_t, 1> b{};
    mute.pio_read(U::kLsr, b);
    EXPECT_EQ(b[0], U::kLsrThre | U::kLsrTemt);
}

}  // namespace
}  // namespace domus::test
