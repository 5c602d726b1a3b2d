// virtio-blk request decoding against chains the test builds in guest memory: headers whole
// and split, data and status sharing a buffer, every request type, and the refusals (read-only
// disks, partial sectors, ranges past the end or overflowing, too many or flagged ranges,
// unknown types) and the framing errors that break the queue.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstring>

#include "devices/virtio_blk_request.hpp"

namespace domus {
namespace {

using ::testing::HasSubstr;
using virtio::Chain;
using virtio::Segment;

constexpr uint64_t kRam = 1 << 20;
constexpr uint64_t kHdr = 0x1000, kBuf = 0x4000, kStatus = 0x9000;

class BlkRequestTest : public ::testing::Test {
  protected:
    void SetUp() override {
        auto m = GuestMemory::create(kRam);
        ASSERT_TRUE(m.ok());
        mem_ = std::move(m.value());
        disk_.sectors = 2048;  // 1 MiB
        disk_.max_ranges = 1;
    }
    void header(uint32_t type, uint64_t sector, uint64_t at = kHdr) {
        uint8_t h[16] = {};
        std::memcpy(h, &type, 4);
        std::memcpy(h + 8, &sector, 8);
        ASSERT_TRUE(mem_.write(at, h).ok());
    }
    void range(uint64_t at, uint64_t sector, uint32_t sectors, uint32_t flags) {
        uint8_t r[16];
        std::memcpy(r, &sector, 8);
        std::memcpy(r + 8, &sectors, 4);
        std::memcpy(r + 12, &flags, 4);
        ASSERT_TRUE(mem_.write(at, r).ok());
    }
    static Chain chain(std::vector<Segment> readable, std::vector<Segment> writable) {
        Chain c;
        c.head = 3;
        for (auto& s : readable) c.readable_bytes += s.len;
        for (auto& s : writable) c.writable_bytes += s.len;
        c.readable = std::move(readable);
        c.writable = std::move(writable);
        return c;
    }
    BlkRequest ok(const Chain& c) {
        auto r = parse_blk_request(mem_, c, disk_);
        EXPECT_TRUE(r.ok()) << r.error().message;
        return r.ok() ? *r : BlkRequest{};
    }
    GuestMemory mem_;
    BlkDisk disk_;
};

TEST_F(BlkRequestTest, ReadsWithTheStatusAloneOrAfterTheData) {
    header(0, 8);
    BlkRequest r = ok(chain({{kHdr, 16}}, {{kBuf, 512}, {kBuf + 0x1000, 512}, {kStatus, 1}}));
    EXPECT_EQ(r.type, BlkType::in);
    EXPECT_EQ(r.refusal, kBlkOk);
    EXPECT_EQ(r.sector, 8u);
    EXPECT_EQ(r.bytes, 1024u);
    ASSERT_EQ(r.data.size(), 2u);
    EXPECT_EQ(r.status_gpa, kStatus);
    // Linux may put the status byte at the end of the last data buffer.
    r = ok(chain({{kHdr, 16}}, {{kBuf, 1025}}));
    EXPECT_EQ(r.bytes, 1024u);
    ASSERT_EQ(r.data.size(), 1u);
    EXPECT_EQ(r.data[0].len, 1024u);
    EXPECT_EQ(r.status_gpa, kBuf + 1024);
}

TEST_F(BlkRequestTest, WritesWithTheHeaderSplitOrSharingItsBuffer) {
    header(1, 100);
    // The header in two pieces (8 + 8), then the data.
    BlkRequest r = ok(chain({{kHdr, 8}, {kHdr + 8, 8}, {kBuf, 512}}, {{kStatus, 1}}));
    EXPECT_EQ(r.type, BlkType::out);
    EXPECT_EQ(r.sector, 100u);
    ASSERT_EQ(r.data.size(), 1u);
    EXPECT_EQ(r.data[0].gpa, kBuf);
    // Header and data in one buffer.
    r = ok(chain({{kHdr, 16 + 1024}}, {{kStatus, 1}}));
    ASSERT_EQ(r.data.size(), 1u);
    EXPECT_EQ(r.data[0].gpa, kHdr + 16);
    EXPECT_EQ(r.bytes, 1024u);
}

TEST_F(BlkRequestTest, RefusalsCarryTheirStatus) {
    header(1, 0);
    disk_.read_only = true;
    BlkRequest r = ok(chain({{kHdr, 16}, {kBuf, 512}}, {{kStatus, 1}}));
    EXPECT_EQ(r.refusal, kBlkIoErr);
    EXPECT_THAT(r.why, HasSubstr("read-only"));
    EXPECT_TRUE(r.data.empty());
    disk_.read_only = false;
    header(0, 0);
    r = ok(chain({{kHdr, 16}}, {{kBuf, 100}, {kStatus, 1}}));  // not whole sectors
    EXPECT_EQ(r.refusal, kBlkIoErr);
    header(0, 2047);
    r = ok(chain({{kHdr, 16}}, {{kBuf, 1024}, {kStatus, 1}}));  // one sector past the end
    EXPECT_EQ(r.refusal, kBlkIoErr);
    EXPECT_THAT(r.why, HasSubstr("past the end of the disk (2048 sectors)"));
    header(0, UINT64_MAX);  // sector + count would wrap
    r = ok(chain({{kHdr, 16}}, {{kBuf, 512}, {kStatus, 1}}));
    EXPECT_EQ(r.refusal, kBlkIoErr);
    header(0, 2047);  // the last sector itself is fine
    EXPECT_EQ(ok(chain({{kHdr, 16}}, {{kBuf, 512}, {kStatus, 1}})).refusal, kBlkOk);
    header(99, 0);
    r = ok(chain({{kHdr, 16}}, {{kStatus, 1}}));
    EXPECT_EQ(r.refusal, kBlkUnsupported);
    EXPECT_THAT(r.why, HasSubstr("request type 99"));
}

TEST_F(BlkRequestTest, FlushGetIdDiscardAndWriteZeroes) {
    header(4, 0);
    EXPECT_EQ(ok(chain({{kHdr, 16}}, {{kStatus, 1}})).type, BlkType::flush);
    header(8, 0);
    BlkRequest r = ok(chain({{kHdr, 16}}, {{kBuf, 64}, {kStatus, 1}}));
    EXPECT_EQ(r.type, BlkType::get_id);
    EXPECT_EQ(r.bytes, 20u);
    header(11, 0);
    range(kBuf, 10, 20, 0);
    r = ok(chain({{kHdr, 16}, {kBuf, 16}}, {{kStatus, 1}}));
    ASSERT_EQ(r.ranges.size(), 1u);
    EXPECT_EQ(r.ranges[0].sector, 10u);
    EXPECT_EQ(r.ranges[0].sectors, 20u);
    range(kBuf, 10, 20, 1);  // UNMAP on a discard
    EXPECT_EQ(ok(chain({{kHdr, 16}, {kBuf, 16}}, {{kStatus, 1}})).refusal, kBlkUnsupported);
    header(13, 0);
    r = ok(chain({{kHdr, 16}, {kBuf, 16}}, {{kStatus, 1}}));  // fine for write-zeroes
    ASSERT_EQ(r.ranges.size(), 1u);
    EXPECT_TRUE(r.ranges[0].unmap);
    range(kBuf, 10, 20, 6);  // unknown flags
    EXPECT_EQ(ok(chain({{kHdr, 16}, {kBuf, 16}}, {{kStatus, 1}})).refusal, kBlkUnsupported);
    range(kBuf, 2040, 20, 0);  // past the end
    EXPECT_EQ(ok(chain({{kHdr, 16}, {kBuf, 16}}, {{kStatus, 1}})).refusal, kBlkIoErr);
    range(kBuf, 10, 0, 0);  // empty
    EXPECT_EQ(ok(chain({{kHdr, 16}, {kBuf, 16}}, {{kStatus, 1}})).refusal, kBlkIoErr);
    range(kBuf, 10, 20, 0);
    range(kBuf + 16, 40, 20, 0);  // two ranges, one allowed
    EXPECT_EQ(ok(chain({{kHdr, 16}, {kBuf, 32}}, {{kStatus, 1}})).refusal, kBlkUnsupported);
    EXPECT_EQ(ok(chain({{kHdr, 16}, {kBuf, 12}}, {{kStatus, 1}})).refusal, kBlkUnsupported);
}

TEST_F(BlkRequestTest, FramingErrorsBreakTheQueue) {
    header(0, 0);
    auto r = parse_blk_request(mem_, chain({{kHdr, 15}}, {{kStatus, 1}}), disk_);
    ASSERT_FALSE(r.ok());
    EXPECT_THAT(r.error().message, HasSubstr("less than its 16-byte header"));
    r = parse_blk_request(mem_, chain({{kHdr, 16}, {kBuf, 512}}, {}), disk_);
    ASSERT_FALSE(r.ok());
    EXPECT_THAT(r.error().message, HasSubstr("no device-writable byte for its status"));
}

}  // namespace
}  // namespace domus
