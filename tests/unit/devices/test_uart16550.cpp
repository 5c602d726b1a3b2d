// Register semantics of the 16550 model: data path, divisor latch, loopback, status registers.
#include <mutex>
#include <thread>

#include "uart_fixture.hpp"

namespace domus::test {
namespace {

TEST_F(UartTest, ResetState) {
    EXPECT_EQ(rd(U::kIerDlm), 0);
    EXPECT_EQ(rd(U::kIirFcr), U::kIirNone);
    EXPECT_EQ(rd(U::kLcr), 0);
    EXPECT_EQ(rd(U::kMcr), 0);
    EXPECT_EQ(rd(U::kLsr), U::kLsrThre | U::kLsrTemt);
    EXPECT_EQ(rd(U::kMsr), U::kMsrDcd | U::kMsrDsr | U::kMsrCts);
    EXPECT_EQ(rd(U::kScr), 0);
    EXPECT_EQ(irqs, 0);
}

TEST_F(UartTest, TransmitCallsOutputPerByte) {
    for (uint8_t c : {'h', 'i', '\n'}) wr(U::kRbrThrDll, c);
    EXPECT_EQ(out, (std::vector<uint8_t>{'h', 'i', '\n'}));
    EXPECT_EQ(rd(U::kLsr) & (U::kLsrThre | U::kLsrTemt), U::kLsrThre | U::kLsrTemt);
}

TEST_F(UartTest, ScratchRegisterHoldsAnyValue) {
    for (int v : {0x00, 0x55, 0xaa, 0xff}) {
        wr(U::kScr, static_cast<uint8_t>(v));
        EXPECT_EQ(rd(U::kScr), v);
    }
}

TEST_F(UartTest, IerKeepsLowNibbleOnly) {
    wr(U::kIerDlm, 0xff);
    EXPECT_EQ(rd(U::kIerDlm), 0x0f);
}

TEST_F(UartTest, McrKeepsFiveBits) {
    wr(U::kMcr, 0xff);
    EXPECT_EQ(rd(U::kMcr), 0x1f);
}

TEST_F(UartTest, LcrReadsBack) {
    wr(U::kLcr, 0x1b);
    EXPECT_EQ(rd(U::kLcr), 0x1b);
}

TEST_F(UartTest, DlabSwitchesDivisorLatch) {
    wr(U::kIerDlm, 0x05);
    wr(U::kLcr, U::kLcrDlab | 0x03);
    EXPECT_EQ(rd(U::kRbrThrDll), 0x0c);  // 9600 baud at reset
    EXPECT_EQ(rd(U::kIerDlm), 0x00);
    wr(U::kRbrThrDll, 0x01);  // 115200 baud: not transmitted
    wr(U::kIerDlm, 0x02);
    EXPECT_EQ(rd(U::kRbrThrDll), 0x01);
    EXPECT_EQ(rd(U::kIerDlm), 0x02);
    EXPECT_TRUE(out.empty());
    wr(U::kLcr, 0x03);
    EXPECT_EQ(rd(U::kIerDlm), 0x05);  // IER untouched by the DLM write
    wr(U::kRbrThrDll, 'x');
    EXPECT_EQ(out, (std::vector<uint8_t>{'x'}));
    wr(U::kLcr, U::kLcrDlab);
    EXPECT_EQ(rd(U::kRbrThrDll), 0x01);  // DLL untouched by the THR write
}

TEST_F(UartTest, DlabDoesNotConsumeInput) {
    input({'a'});
    wr(U::kLcr, U::kLcrDlab);
    EXPECT_EQ(rd(U::kRbrThrDll), 0x0c);
    wr(U::kLcr, 0);
    EXPECT_EQ(rd(U::kRbrThrDll), 'a');
}

TEST_F(UartTest, InputQueueAndDataReady) {
    EXPECT_EQ(rd(U::kLsr) & U::kLsrDr, 0);
    input({'o', 'k'});
    EXPECT_EQ(uart.input_pending(), 2u);
    EXPECT_EQ(rd(U::kLsr) & U::kLsrDr, U::kLsrDr);
    EXPECT_EQ(rd(U::kRbrThrDll), 'o');
    EXPECT_EQ(rd(U::kLsr) & U::kLsrDr, U::kLsrDr);
    EXPECT_EQ(rd(U::kRbrThrDll), 'k');
    EXPECT_EQ(rd(U::kLsr) & U::kLsrDr, 0);
    EXPECT_EQ(rd(U::kRbrThrDll), 'k');  // empty: the last byte again
    EXPECT_EQ(uart.input_pending(), 0u);
}

TEST_F(UartTest, OverrunDropsAndCounts) {
    std::vector<uint8_t> big(U::kInputCapacity + 10, 'z');
    big[0] = 'a';
    uart.enqueue_input(big);
    EXPECT_EQ(uart.input_pending(), U::kInputCapacity);
    EXPECT_EQ(uart.overrun_count(), 10u);
    const uint8_t lsr = rd(U::kLsr);
    EXPECT_EQ(lsr & U::kLsrOe, U::kLsrOe);
    EXPECT_EQ(lsr & U::kLsrDr, U::kLsrDr);
    EXPECT_EQ(rd(U::kLsr) & U::kLsrOe, 0);  // cleared by the read
    EXPECT_EQ(rd(U::kRbrThrDll), 'a');      // oldest bytes kept
    input({'b'});
    EXPECT_EQ(uart.overrun_count(), 10u);
}

TEST_F(UartTest, LoopbackEchoesThrIntoRbr) {
    wr(U::kMcr, U::kMcrLoop);
    wr(U::kRbrThrDll, 0x5a);
    EXPECT_TRUE(out.empty());
    EXPECT_EQ(rd(U::kLsr) & U::kLsrDr, U::kLsrDr);
    EXPECT_EQ(rd(U::kRbrThrDll), 0x5a);
    wr(U::kMcr, 0);
    wr(U::kRbrThrDll, 0x5b);
    EXPECT_EQ(out, (std::vector<uint8_t>{0x5b}));
    EXPECT_EQ(rd(U::kLsr) & U::kLsrDr, 0);
}

TEST_F(UartTest, LoopbackMsrMirrorsMcr) {
    wr(U::kMcr, U::kMcrLoop);
    EXPECT_EQ(rd(U::kMsr) & 0xf0, 0);
    wr(U::kMcr, U::kMcrLoop | U::kMcrRts);
    EXPECT_EQ(rd(U::kMsr) & 0xf0, U::kMsrCts);
    wr(U::kMcr, U::kMcrLoop | U::kMcrDtr | U::kMcrOut1 | U::kMcrOut2);
    EXPECT_EQ(rd(U::kMsr) & 0xf0, U::kMsrDsr | U::kMsrRi | U::kMsrDcd);
    wr(U::kMcr, U::kMcrOut2);
    EXPECT_EQ(rd(U::kMsr), U::kMsrDcd | U::kMsrDsr | U::kMsrCts);
}

TEST_F(UartTest, FcrEnablesFifoBitsInIir) {
    wr(U::kIirFcr, U::kFcrEnable | U::kFcrClearRx | U::kFcrClearTx);
    EXPECT_EQ(rd(U::kIirFcr), U::kIirFifo | U::kIirNone);
    wr(U::kIirFcr, 0);
    EXPECT_EQ(rd(U::kIirFcr), U::kIirNone);
}

TEST_F(UartTest, FcrClearsReceiveBuffer) {
    input({1, 2, 3});
    wr(U::kIirFcr, U::kFcrEnable);  // enabling clears
    EXPECT_EQ(uart.input_pending(), 0u);
    input({4});
    wr(U::kIirFcr, U::kFcrEnable);  // no change, no clear bit: kept
    EXPECT_EQ(uart.input_pending(), 1u);
    wr(U::kIirFcr, U::kFcrEnable | U::kFcrClearRx);
    EXPECT_EQ(uart.input_pending(), 0u);
    EXPECT_EQ(rd(U::kLsr) & U::kLsrDr, 0);
}

TEST_F(UartTest, StatusRegistersIgnoreWrites) {
    wr(U::kLsr, 0x00);
    wr(U::kMsr, 0x00);
    EXPECT_EQ(rd(U::kLsr), U::kLsrThre | U::kLsrTemt);
    EXPECT_EQ(rd(U::kMsr), U::kMsrDcd | U::kMsrDsr | U::kMsrCts);
}

TEST_F(UartTest, HostileOffsetsAreHarmless) {
    for (uint16_t off : {uint16_t{8}, uint16_t{9}, uint16_t{0x100}, uint16_t{0xffff}}) {
        EXPECT_EQ(rd(off), 0xff);
        wr(off, 0x41);
    }
    EXPECT_TRUE(out.empty());
    EXPECT_EQ(rd(U::kScr), 0);
}

TEST_F(UartTest, WideAccessesActAsConsecutiveBytes) {
    wr(U::kScr, 0x77);
    std::array<uint8_t, 4> b{};
    uart.pio_read(U::kMcr, b);  // MCR, LSR, MSR, SCR
    EXPECT_EQ(b[0], 0);
    EXPECT_EQ(b[1], U::kLsrThre | U::kLsrTemt);
    EXPECT_EQ(b[3], 0x77);
    uart.pio_read(6, b);  // MSR, SCR, then past the end
    EXPECT_EQ(b[1], 0x77);
    EXPECT_EQ(b[2], 0xff);
    EXPECT_EQ(b[3], 0xff);
    const std::array<uint8_t, 2> w{'A', 0x03};  // THR then IER
    uart.pio_write(U::kRbrThrDll, w);
    EXPECT_EQ(out, (std::vector<uint8_t>{'A'}));
    EXPECT_EQ(rd(U::kIerDlm), 0x03);
    const std::array<uint8_t, 4> tail{1, 2, 3, 4};
    uart.pio_write(U::kScr, tail);  // only SCR is written
    EXPECT_EQ(rd(U::kScr), 1);
    uart.pio_read(0, std::span<uint8_t>());  // empty access
    uart.pio_write(0, std::span<const uint8_t>());
    EXPECT_EQ(out.size(), 1u);
}

TEST_F(UartTest, ConcurrentWritersAndInput) {
    std::vector<uint8_t> sink;
    std::mutex sink_mu;
    Uart16550 u(
        [&](std::span<const uint8_t> b) {
            std::lock_guard lock(sink_mu);
            sink.insert(sink.end(), b.begin(), b.end());
        },
        {});
    std::vector<std::thread> ts;
    for (int t = 0; t < 4; ++t) {
        ts.emplace_back([&u] {
            std::array<uint8_t, 1> b{'x'};
            for (int i = 0; i < 500; ++i) {
                u.pio_write(0, b);
                u.pio_read(5, b);
                b[0] = 'x';
            }
        });
    }
    ts.emplace_back([&u] {
        const std::array<uint8_t, 3> in{1, 2, 3};
        for (int i = 0; i < 500; ++i) u.enqueue_input(in);
    });
    for (auto& t : ts) t.join();
    EXPECT_EQ(sink.size(), 2000u);
    EXPECT_EQ(u.input_pending() + u.overrun_count(), 1500u);
}

TEST_F(UartTest, OutputCallbackMayReenterUart) {
    Uart16550* self = nullptr;
    Uart16550 echo([&](std::span<const uint8_t> b) { self->enqueue_input(b); }, {});
    self = &echo;
    const std::array<uint8_t, 1> b{'e'};
    echo.pio_write(0, b);
    std::array<uint8_t, 1> r{};
    echo.pio_read(0, r);
    EXPECT_EQ(r[0], 'e');
}

}  // namespace
}  // namespace domus::test
