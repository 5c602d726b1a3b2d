// virtio-mmio transport and the virtio-rng back end with the test playing the driver: the
// register file, feature negotiation, queue set-up, requests filled from getrandom, interrupt
// suppression, and a driver that breaks the rules (features not offered, oversized or
// misplaced queues, a broken chain) finding the device in DEVICE_NEEDS_RESET until it resets.
#include <gtest/gtest.h>

#include <cstring>

#include "devices/virtio_rng.hpp"

namespace domus {
namespace {

using namespace virtio;

constexpr uint64_t kRam = 1 << 20;
constexpr uint64_t kDesc = 0x1000, kAvail = 0x2000, kUsed = 0x3000, kBuf = 0x10000;

class RngDriver : public ::testing::Test {
  protected:
    void SetUp() override {
        auto m = GuestMemory::create(kRam);
        ASSERT_TRUE(m.ok());
        mem_ = std::move(m.value());
    }
    uint32_t reg(uint32_t offset) {
        uint8_t b[4];
        rng_.transport().read(offset, b);
        uint32_t v;
        std::memcpy(&v, b, 4);
        return v;
    }
    void set(uint32_t offset, uint32_t value) {
        uint8_t b[4];
        std::memcpy(b, &value, 4);
        rng_.transport().write(offset, b);
    }
    // The Linux driver's sequence, up to DRIVER_OK, with `features` and a queue of `size`.
    void bring_up(uint64_t features, uint32_t size = 8) {
        set(kRegStatus, 0);
        set(kRegStatus, kStatusAcknowledge);
        set(kRegStatus, kStatusAcknowledge | kStatusDriver);
        set(kRegDriverFeaturesSel, 0);
        set(kRegDriverFeatures, uint32_t(features));
        set(kRegDriverFeaturesSel, 1);
        set(kRegDriverFeatures, uint32_t(features >> 32));
        set(kRegStatus, kStatusAcknowledge | kStatusDriver | kStatusFeaturesOk);
        set(kRegQueueSel, 0);
        set(kRegQueueNum, size);
        set(kRegQueueDescLow, uint32_t(kDesc));
        set(kRegQueueDescHigh, 0);
        set(kRegQueueDriverLow, uint32_t(kAvail));
        set(kRegQueueDeviceLow, uint32_t(kUsed));
        set(kRegQueueReady, 1);
        set(kRegStatus, kStatusAcknowledge | kStatusDriver | kStatusFeaturesOk | kStatusDriverOk);
    }
    void request(uint16_t slot, uint64_t buf, uint32_t len, uint16_t flags = kDescWrite) {
        uint8_t raw[16];
        std::memcpy(raw, &buf, 8);
        std::memcpy(raw + 8, &len, 4);
        std::memcpy(raw + 12, &flags, 2);
        std::memset(raw + 14, 0, 2);
        ASSERT_TRUE(mem_.write(kDesc + slot * 16ull, raw).ok());
        const uint16_t idx = mem_.read_obj<uint16_t>(kAvail + 2).value();
        ASSERT_TRUE(mem_.write_obj<uint16_t>(kAvail + 4 + 2 * (idx % 8), slot).ok());
        ASSERT_TRUE(mem_.write_obj<uint16_t>(kAvail + 2, uint16_t(idx + 1)).ok());
    }
    uint16_t used_idx() { return mem_.read_obj<uint16_t>(kUsed + 2).value(); }
    uint32_t used_len(uint16_t i) {
        return mem_.read_obj<uint32_t>(kUsed + 8 + 8 * (i % 8)).value();
    }

    GuestMemory mem_;
    VirtioRng rng_{kRam};
};

TEST_F(RngDriver, IdentifiesItself) {
    EXPECT_EQ(reg(kRegMagic), kMagic);
    EXPECT_EQ(reg(kRegVersion), 2u);
    EXPECT_EQ(reg(kRegDeviceId), 4u);
    set(kRegDeviceFeaturesSel, 1);
    EXPECT_EQ(reg(kRegDeviceFeatures), 1u);  // VERSION_1 (bit 32)
    set(kRegDeviceFeaturesSel, 0);
    EXPECT_EQ(reg(kRegDeviceFeatures), uint32_t(kFeatureIndirectDesc | kFeatureEventIdx));
    set(kRegQueueSel, 0);
    EXPECT_EQ(reg(kRegQueueNumMax), 256u);
    set(kRegQueueSel, 1);
    EXPECT_EQ(reg(kRegQueueNumMax), 0u);  // no such queue
    // Narrow or misaligned register accesses read zero.
    uint8_t two[2] = {0xff, 0xff};
    rng_.transport().read(kRegMagic, two);
    EXPECT_EQ(two[0] | two[1], 0);
    uint8_t four[4] = {};
    rng_.transport().read(kRegMagic + 1, four);
    EXPECT_EQ(four[0] | four[1] | four[2] | four[3], 0);
}

TEST_F(RngDriver, FillsRequestsFromTheHost) {
    bring_up(kFeatureVersion1);
    ASSERT_EQ(rng_.transport().status() & kStatusDriverOk, kStatusDriverOk);
    request(0, kBuf, 64);
    request(1, kBuf + 4096, 100000);  // capped at 64 KiB
    EXPECT_TRUE(rng_.process(mem_));
    EXPECT_EQ(used_idx(), 2);
    EXPECT_EQ(used_len(0), 64u);
    EXPECT_EQ(used_len(1), VirtioRng::kMaxBytesPerRequest);
    std::string first(64, '\0');
    ASSERT_TRUE(mem_.read(kBuf, {reinterpret_cast<uint8_t*>(first.data()), 64}).ok());
    EXPECT_NE(first, std::string(64, '\0'));
    EXPECT_EQ(reg(kRegInterruptStatus) & kInterruptUsedRing, kInterruptUsedRing);
    set(kRegInterruptAck, kInterruptUsedRing);
    EXPECT_EQ(reg(kRegInterruptStatus), 0u);
    EXPECT_FALSE(rng_.process(mem_));  // nothing new
    EXPECT_EQ(rng_.requests_served(), 2u);
    // A readable-only chain gets nothing written.
    request(2, kBuf, 16, 0);
    EXPECT_TRUE(rng_.process(mem_));
    EXPECT_EQ(used_len(2), 0u);
}

TEST_F(RngDriver, NegotiationRules) {
    // A feature the device does not offer: FEATURES_OK does not stick.
    set(kRegStatus, kStatusAcknowledge | kStatusDriver);
    set(kRegDriverFeaturesSel, 0);
    set(kRegDriverFeatures, 1u << 5);
    set(kRegDriverFeaturesSel, 1);
    set(kRegDriverFeatures, 1);
    set(kRegStatus, kStatusAcknowledge | kStatusDriver | kStatusFeaturesOk);
    EXPECT_EQ(reg(kRegStatus) & kStatusFeaturesOk, 0u);
    // Without VERSION_1 (a legacy driver): refused too.
    bring_up(kFeatureEventIdx);
    EXPECT_EQ(reg(kRegStatus) & (kStatusFeaturesOk | kStatusDriverOk), 0u);
    EXPECT_FALSE(rng_.process(mem_));
    // Queue registers are frozen once the queue is enabled.
    bring_up(kFeatureVersion1);
    set(kRegQueueDescLow, 0x5000);
    EXPECT_EQ(reg(kRegQueueDescLow), kDesc);
}

TEST_F(RngDriver, BrokenDriversGetNeedsResetUntilTheyReset) {
    bring_up(kFeatureVersion1, 512);  // beyond QueueNumMax
    EXPECT_TRUE(rng_.transport().status() & kStatusNeedsReset);
    EXPECT_FALSE(rng_.transport().driver_ok());
    bring_up(kFeatureVersion1, 6);  // not a power of two
    EXPECT_TRUE(rng_.transport().status() & kStatusNeedsReset);
    // A chain outside RAM: the device stops serving and says so.
    bring_up(kFeatureVersion1);
    ASSERT_TRUE(rng_.transport().driver_ok());
    request(0, kRam - 8, 64);
    EXPECT_TRUE(rng_.process(mem_));
    EXPECT_TRUE(rng_.transport().status() & kStatusNeedsReset);
    EXPECT_TRUE(reg(kRegInterruptStatus) & kInterruptConfig);
    request(1, kBuf, 64);
    EXPECT_FALSE(rng_.process(mem_));  // not live any more
    EXPECT_EQ(used_idx(), 0);
    // A reset and a fresh start serve again.
    ASSERT_TRUE(mem_.fill(0, 0x4000, 0).ok());
    bring_up(kFeatureVersion1);
    EXPECT_FALSE(rng_.transport().status() & kStatusNeedsReset);
    request(0, kBuf, 32);
    EXPECT_TRUE(rng_.process(mem_));
    EXPECT_EQ(used_len(0), 32u);
}

TEST_F(RngDriver, EventIdxSuppressesInterruptsTheDriverDidNotAskFor) {
    bring_up(kFeatureVersion1 | kFeatureEventIdx);
    ASSERT_TRUE(mem_.write_obj<uint16_t>(kAvail + 4 + 2 * 8, 1).ok());  // used_event: 1
    request(0, kBuf, 8);
    EXPECT_FALSE(rng_.process(mem_));  // used idx 1: not past used_event yet
    request(1, kBuf, 8);
    EXPECT_TRUE(rng_.process(mem_));                                   // idx 2 crosses it
    EXPECT_EQ(mem_.read_obj<uint16_t>(kUsed + 4 + 8 * 8).value(), 2);  // avail_event re-armed
}

}  // namespace
}  // namespace domus
