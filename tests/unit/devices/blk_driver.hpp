// A test playing the virtio-blk driver against VirtioBlk over a GuestMemory: the Linux
// driver's bring-up, three-descriptor requests (header, data, status) and waiting for the
// io_uring completions the back end's thread would wait for.
#pragma once

#include <gtest/gtest.h>
#include <poll.h>

#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "devices/virtio_blk.hpp"

namespace domus::blk_test {

using namespace virtio;

inline constexpr uint64_t kRam = 8 << 20;
inline constexpr uint32_t kSize = 64;  // queue entries
inline constexpr uint64_t kDesc = 0x1000, kAvail = 0x2000, kUsed = 0x3000;
inline constexpr uint64_t kHeaders = 0x4000;  // 16 bytes per request
inline constexpr uint64_t kStatus = 0x5000;   // one byte per request
inline constexpr uint64_t kData = 0x100000;   // 64 KiB per request

class BlkDriver {
  public:
    explicit BlkDriver(std::unique_ptr<VirtioBlk> blk) : blk_(std::move(blk)) {
        auto m = GuestMemory::create(kRam);
        EXPECT_TRUE(m.ok());
        mem_ = std::move(m.value());
    }
    VirtioBlk& dev() { return *blk_; }
    GuestMemory& mem() { return mem_; }

    uint32_t reg(uint32_t offset) {
        uint8_t b[4];
        blk_->transport().read(offset, b);
        uint32_t v;
        std::memcpy(&v, b, 4);
        return v;
    }
    void set(uint32_t offset, uint32_t value) {
        uint8_t b[4];
        std::memcpy(b, &value, 4);
        blk_->transport().write(offset, b);
    }
    // A driver (re)starting: the device reset, then fresh rings.
    void bring_up(uint64_t features = kFeatureVersion1) {
        set(kRegStatus, 0);
        const std::vector<uint8_t> zeros(0x1000, 0);
        EXPECT_TRUE(mem_.write(kAvail, zeros).ok());
        EXPECT_TRUE(mem_.write(kUsed, zeros).ok());
        set(kRegStatus, kStatusAcknowledge | kStatusDriver);
        set(kRegDriverFeaturesSel, 0);
        set(kRegDriverFeatures, uint32_t(features));
        set(kRegDriverFeaturesSel, 1);
        set(kRegDriverFeatures, uint32_t(features >> 32));
        set(kRegStatus, kStatusAcknowledge | kStatusDriver | kStatusFeaturesOk);
        set(kRegQueueSel, 0);
        set(kRegQueueNum, kSize);
        set(kRegQueueDescLow, uint32_t(kDesc));
        set(kRegQueueDriverLow, uint32_t(kAvail));
        set(kRegQueueDeviceLow, uint32_t(kUsed));
        set(kRegQueueReady, 1);
        set(kRegStatus, kStatusAcknowledge | kStatusDriver | kStatusFeaturesOk | kStatusDriverOk);
    }
    void desc(uint16_t i, uint64_t gpa, uint32_t len, uint16_t flags, uint16_t next) {
        uint8_t raw[16];
        std::memcpy(raw, &gpa, 8);
        std::memcpy(raw + 8, &len, 4);
        std::memcpy(raw + 12, &flags, 2);
        std::memcpy(raw + 14, &next, 2);
        ASSERT_TRUE(mem_.write(kDesc + i * 16ull, raw).ok());
    }
    // Request `r` (0..20) uses descriptors 3r..3r+2, header r, status byte r and data slot r.
    void request(uint16_t r, uint32_t type, uint64_t sector, uint32_t data_len,
                 bool device_writes_data) {
        uint8_t header[16] = {};
        std::memcpy(header, &type, 4);
        std::memcpy(header + 8, &sector, 8);
        ASSERT_TRUE(mem_.write(kHeaders + 16 * r, header).ok());
        ASSERT_TRUE(mem_.write_obj<uint8_t>(kStatus + r, 0xee).ok());
        const uint16_t d = uint16_t(3 * r);
        if (data_len != 0) {
            desc(d, kHeaders + 16 * r, 16, kDescNext, uint16_t(d + 1));
            desc(uint16_t(d + 1), data(r), data_len,
                 uint16_t(kDescNext | (device_writes_data ? kDescWrite : 0)), uint16_t(d + 2));
        } else {
            desc(d, kHeaders + 16 * r, 16, kDescNext, uint16_t(d + 2));
        }
        desc(uint16_t(d + 2), kStatus + r, 1, kDescWrite, 0);
        publish(d);
    }
    void publish(uint16_t head) {
        const uint16_t idx = mem_.read_obj<uint16_t>(kAvail + 2).value();
        ASSERT_TRUE(mem_.write_obj<uint16_t>(kAvail + 4 + 2 * (idx % kSize), head).ok());
        ASSERT_TRUE(mem_.write_obj<uint16_t>(kAvail + 2, uint16_t(idx + 1)).ok());
    }
    static uint64_t data(uint16_t r) { return kData + uint64_t(r) * 65536; }
    uint8_t status(uint16_t r) { return mem_.read_obj<uint8_t>(kStatus + r).value(); }
    uint16_t used_idx() { return mem_.read_obj<uint16_t>(kUsed + 2).value(); }
    uint32_t used_len(uint16_t i) {
        return mem_.read_obj<uint32_t>(kUsed + 8 + 8 * (i % kSize)).value();
    }
    uint32_t used_id(uint16_t i) {
        return mem_.read_obj<uint32_t>(kUsed + 4 + 8 * (i % kSize)).value();
    }
    // Notifies, then serves completions until `used` entries are used or `ms` pass.
    bool run_until(uint16_t used, int ms = 5000) {
        blk_->process(mem_);
        for (int waited = 0; used_idx() != used && waited < ms; waited += 10) {
            pollfd p{blk_->completion_fd(), POLLIN, 0};
            if (::poll(&p, 1, 10) > 0) blk_->complete(mem_);
        }
        return used_idx() == used;
    }
    std::string read_data(uint16_t r, size_t len) {
        std::string s(len, '\0');
        EXPECT_TRUE(mem_.read(data(r), {reinterpret_cast<uint8_t*>(s.data()), len}).ok());
        return s;
    }
    void write_data(uint16_t r, const std::string& s) {
        ASSERT_TRUE(
            mem_.write(data(r), {reinterpret_cast<const uint8_t*>(s.data()), s.size()}).ok());
    }

  private:
    GuestMemory mem_;
    std::unique_ptr<VirtioBlk> blk_;
};

}  // namespace domus::blk_test
