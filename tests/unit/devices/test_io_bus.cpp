#include "devices/io_bus.hpp"

#include <gtest/gtest.h>

#include <array>
#include <atomic>
#include <thread>
#include <vector>

namespace domus {
namespace {

// Records every access; reads return offset-tagged bytes.
class FakeDevice : public PioDevice {
  public:
    void pio_read(uint16_t offset, std::span<uint8_t> data) override {
        ++reads;
        last_offset = offset;
        last_size = data.size();
        for (size_t i = 0; i < data.size(); ++i) data[i] = static_cast<uint8_t>(0x10 + offset + i);
    }
    void pio_write(uint16_t offset, std::span<const uint8_t> data) override {
        ++writes;
        last_offset = offset;
        last_size = data.size();
        written.assign(data.begin(), data.end());
    }
    int reads = 0;
    int writes = 0;
    uint16_t last_offset = 0;
    size_t last_size = 0;
    std::vector<uint8_t> written;
};

TEST(IoBus, DispatchesReadWithOffset) {
    IoBus bus;
    FakeDevice dev;
    ASSERT_TRUE(bus.add(0x3f8, 8, &dev, "com1").ok());
    std::array<uint8_t, 1> b{};
    EXPECT_TRUE(bus.read(0x3fd, b));
    EXPECT_EQ(dev.last_offset, 5);
    EXPECT_EQ(b[0], 0x15);
    std::array<uint8_t, 4> w{};
    EXPECT_TRUE(bus.read(0x3f8, w));
    EXPECT_EQ(dev.last_size, 4u);
    EXPECT_EQ(w[3], 0x13);
}

TEST(IoBus, DispatchesWrite) {
    IoBus bus;
    FakeDevice dev;
    ASSERT_TRUE(bus.add(0x70, 2, &dev, "cmos").ok());
    const std::array<uint8_t, 2> d{0xab, 0xcd};
    EXPECT_TRUE(bus.write(0x71, d));
    EXPECT_EQ(dev.last_offset, 1);
    EXPECT_EQ(dev.written, (std::vector<uint8_t>{0xab, 0xcd}));
}

TEST(IoBus, UnclaimedReadFillsOnesAndReturnsFalse) {
    IoBus bus;
    FakeDevice dev;
    ASSERT_TRUE(bus.add(0x3f8, 8, &dev, "com1").ok());
    std::array<uint8_t, 4> b{1, 2, 3, 4};
    EXPECT_FALSE(bus.read(0x3f7, b));
    EXPECT_EQ(b, (std::array<uint8_t, 4>{0xff, 0xff, 0xff, 0xff}));
    EXPECT_FALSE(bus.read(0x400, b));
    EXPECT_FALSE(bus.read(0, b));
    EXPECT_FALSE(bus.read(0xffff, b));
    EXPECT_EQ(dev.reads, 0);
}

TEST(IoBus, UnclaimedWriteReturnsFalse) {
    IoBus bus;
    const std::array<uint8_t, 1> d{1};
    EXPECT_FALSE(bus.write(0x80, d));
}

TEST(IoBus, RejectsBadSizes) {
    IoBus bus;
    FakeDevice dev;
    ASSERT_TRUE(bus.add(0, 0x100, &dev, "low").ok());
    std::array<uint8_t, 8> big{};
    EXPECT_FALSE(bus.read(0x10, std::span<uint8_t>(big.data(), 3)));
    EXPECT_FALSE(bus.read(0x10, std::span<uint8_t>(big.data(), 0)));
    EXPECT_FALSE(bus.read(0x10, big));
    EXPECT_EQ(big[0], 0xff);
    EXPECT_FALSE(bus.write(0x10, std::span<const uint8_t>(big.data(), 8)));
    EXPECT_EQ(dev.reads, 0);
    EXPECT_EQ(dev.writes, 0);
}

TEST(IoBus, RejectsZeroLength) {
    IoBus bus;
    FakeDevice dev;
    auto st = bus.add(0x80, 0, &dev, "zero");
    ASSERT_FALSE(st.ok());
    EXPECT_EQ(st.error().code, Errc::invalid_argument);
    EXPECT_NE(st.error().message.find("zero"), std::string::npos);
}

TEST(IoBus, RejectsNullDevice) {
    IoBus bus;
    EXPECT_FALSE(bus.add(0x80, 1, nullptr, "null").ok());
}

TEST(IoBus, RejectsRangePastTopOfPortSpace) {
    IoBus bus;
    FakeDevice dev;
    EXPECT_FALSE(bus.add(0xfff8, 9, &dev, "over").ok());
    EXPECT_FALSE(bus.add(0xffff, 0xffff, &dev, "over").ok());
    EXPECT_TRUE(bus.add(0xfff8, 8, &dev, "top").ok());
    std::array<uint8_t, 1> b{};
    EXPECT_TRUE(bus.read(0xffff, b));
    EXPECT_EQ(dev.last_offset, 7);
}

TEST(IoBus, FullPortSpaceMinusOne) {
    IoBus bus;
    FakeDevice dev;
    EXPECT_TRUE(bus.add(0, 0xffff, &dev, "all").ok());
    FakeDevice last;
    EXPECT_TRUE(bus.add(0xffff, 1, &last, "last").ok());
    std::array<uint8_t, 1> b{};
    EXPECT_TRUE(bus.read(0xffff, b));
    EXPECT_EQ(last.reads, 1);
}

TEST(IoBus, RejectsOverlapNamingBothRanges) {
    IoBus bus;
    FakeDevice a, b;
    ASSERT_TRUE(bus.add(0x3f8, 8, &a, "com1").ok());
    auto st = bus.add(0x3ff, 2, &b, "intruder");
    ASSERT_FALSE(st.ok());
    const std::string& m = st.error().message;
    EXPECT_NE(m.find("com1"), std::string::npos) << m;
    EXPECT_NE(m.find("intruder"), std::string::npos) << m;
    EXPECT_NE(m.find("0x3f8"), std::string::npos) << m;
    EXPECT_NE(m.find("0x3ff"), std::string::npos) << m;
}

TEST(IoBus, OverlapCases) {
    IoBus bus;
    FakeDevice d;
    ASSERT_TRUE(bus.add(0x100, 0x10, &d, "mid").ok());
    EXPECT_FALSE(bus.add(0x0f0, 0x11, &d, "tail-overlap").ok());
    EXPECT_FALSE(bus.add(0x10f, 1, &d, "last-port").ok());
    EXPECT_FALSE(bus.add(0x104, 2, &d, "inside").ok());
    EXPECT_FALSE(bus.add(0x000, 0x1000, &d, "covers").ok());
    EXPECT_FALSE(bus.add(0x100, 0x10, &d, "same").ok());
    EXPECT_TRUE(bus.add(0x0f0, 0x10, &d, "adjacent-below").ok());
    EXPECT_TRUE(bus.add(0x110, 0x10, &d, "adjacent-above").ok());
    EXPECT_EQ(bus.device_count(), 3u);
}

TEST(IoBus, ManyRangesAddedOutOfOrder) {
    IoBus bus;
    std::vector<FakeDevice> devs(16);
    for (int i = 15; i >= 0; --i) {
        ASSERT_TRUE(bus.add(static_cast<uint16_t>(i * 0x100), 4, &devs[i], "d").ok());
    }
    for (int i = 0; i < 16; ++i) {
        std::array<uint8_t, 1> b{};
        EXPECT_TRUE(bus.read(static_cast<uint16_t>(i * 0x100 + 3), b));
        EXPECT_FALSE(bus.read(static_cast<uint16_t>(i * 0x100 + 4), b));
        EXPECT_EQ(devs[i].reads, 1);
    }
}

// Touches only an atomic, so it is safe to share between threads.
class CountingDevice : public PioDevice {
  public:
    void pio_read(uint16_t, std::span<uint8_t> data) override {
        ++reads;
        for (auto& b : data) b = 0x42;
    }
    void pio_write(uint16_t, std::span<const uint8_t>) override {}
    std::atomic<int> reads{0};
};

TEST(IoBus, ConcurrentReadsNeedNoLock) {
    IoBus bus;
    CountingDevice dev;
    ASSERT_TRUE(bus.add(0x500, 4, &dev, "dev").ok());
    std::vector<std::thread> threads;
    for (int t = 0; t < 4; ++t) {
        threads.emplace_back([&bus] {
            std::array<uint8_t, 1> b{};
            for (int i = 0; i < 1000; ++i) {
                EXPECT_TRUE(bus.read(0x501, b));
                EXPECT_FALSE(bus.read(0x504, b));
            }
        });
    }
    for (auto& t : threads) t.join();
    EXPECT_EQ(dev.reads, 4000);
}

}  // namespace
}  // namespace domus
