// The device side of a split virtqueue against a guest memory the test plays driver on:
// layouts, chains (direct, indirect), the used ring, interrupt suppression, and every hostile
// chain the issue names - loops, chains longer than the queue, buffers outside RAM or over the
// rings, wrong directions, zero lengths, indices beyond the queue, runaway avail indices.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstring>

#include "virtio/split_queue.hpp"

namespace domus::virtio {
namespace {

using ::testing::HasSubstr;

constexpr uint64_t kRam = 1 << 20;
constexpr uint64_t kDesc = 0x1000, kAvail = 0x2000, kUsed = 0x3000, kData = 0x10000;

class Queue : public ::testing::Test {
  protected:
    void SetUp() override {
        auto m = GuestMemory::create(kRam);
        ASSERT_TRUE(m.ok());
        mem_ = std::move(m.value());
        layout_ = {8, kDesc, kAvail, kUsed};
        ASSERT_TRUE(check_layout(layout_, kRam).ok());
    }
    void desc(uint16_t i, uint64_t addr, uint32_t len, uint16_t flags, uint16_t next = 0,
              uint64_t table = kDesc) {
        uint8_t raw[16];
        std::memcpy(raw, &addr, 8);
        std::memcpy(raw + 8, &len, 4);
        std::memcpy(raw + 12, &flags, 2);
        std::memcpy(raw + 14, &next, 2);
        ASSERT_TRUE(mem_.write(table + i * 16ull, raw).ok());
    }
    // The driver makes `head` available.
    void offer(uint16_t head) {
        const uint16_t idx = u16(kAvail + 2);
        put16(kAvail + 4 + 2 * (idx % layout_.size), head);
        put16(kAvail + 2, uint16_t(idx + 1));
    }
    uint16_t u16(uint64_t gpa) { return mem_.read_obj<uint16_t>(gpa).value(); }
    uint32_t u32(uint64_t gpa) { return mem_.read_obj<uint32_t>(gpa).value(); }
    void put16(uint64_t gpa, uint16_t v) { ASSERT_TRUE(mem_.write_obj(gpa, v).ok()); }
    std::string chain_error(uint16_t head, bool indirect = false) {
        auto c = read_chain(mem_, layout_, head, indirect);
        EXPECT_FALSE(c.ok());
        return c.ok() ? std::string() : c.error().message;
    }

    GuestMemory mem_;
    QueueLayout layout_;
};

TEST(QueueLayoutCheck, SizesAlignmentsAndOverlaps) {
    EXPECT_TRUE(check_layout({256, 0x1000, 0x2000, 0x3000}, kRam).ok());
    EXPECT_TRUE(check_layout({kMaxQueueSize, 0, 0x80000, 0xa0000}, kRam).ok());
    auto bad = [](QueueLayout q, const char* words) {
        auto st = check_layout(q, kRam);
        ASSERT_FALSE(st.ok());
        EXPECT_THAT(st.error().message, HasSubstr(words));
    };
    bad({0, 0x1000, 0x2000, 0x3000}, "queue size 0 is not a power of two");
    bad({12, 0x1000, 0x2000, 0x3000}, "queue size 12");
    bad({65536, 0x1000, 0x2000, 0x3000}, "queue size 65536");
    bad({8, 0x1008, 0x2000, 0x3000}, "descriptor table at 0x1008 is not 16-byte aligned");
    bad({8, 0x1000, 0x2001, 0x3000}, "available ring at 0x2001 is not 2-byte aligned");
    bad({8, 0x1000, 0x2000, 0x3002}, "used ring at 0x3002 is not 4-byte aligned");
    bad({8, kRam - 64, 0x2000, 0x3000}, "descriptor table [0xfffc0, +128) is outside guest RAM");
    bad({8, 0x1000, UINT64_MAX - 1, 0x3000}, "available ring");
    bad({8, 0x1000, 0x1040, 0x3000}, "descriptor table at 0x1000 overlaps the available ring");
    bad({8, 0x1000, 0x2000, 0x2010}, "available ring at 0x2000 overlaps the used ring");
}

TEST_F(Queue, ADirectChainReadableThenWritable) {
    desc(0, kData, 16, kDescNext, 3);
    desc(3, kData + 0x100, 512, kDescNext, 5);
    desc(5, kData + 0x1000, 1, kDescWrite);
    auto c = read_chain(mem_, layout_, 0, false);
    ASSERT_TRUE(c.ok()) << c.error().message;
    EXPECT_EQ(c->head, 0);
    ASSERT_EQ(c->readable.size(), 2u);
    EXPECT_EQ(c->readable[1].gpa, kData + 0x100);
    EXPECT_EQ(c->readable_bytes, 528u);
    ASSERT_EQ(c->writable.size(), 1u);
    EXPECT_EQ(c->writable_bytes, 1u);
}

TEST_F(Queue, HostileChainsAreRefusedByName) {
    EXPECT_THAT(chain_error(8), HasSubstr("chain head 8 is outside the queue of 8"));
    // A loop, and a chain as long as the table plus one.
    desc(0, kData, 16, kDescNext, 1);
    desc(1, kData, 16, kDescNext, 0);
    EXPECT_THAT(chain_error(0), HasSubstr("more than 8 descriptors"));
    for (uint16_t i = 0; i < 8; ++i) desc(i, kData, 16, kDescNext, uint16_t((i + 1) % 8));
    EXPECT_THAT(chain_error(3), HasSubstr("a loop"));
    // next beyond the queue.
    desc(0, kData, 16, kDescNext, 9);
    EXPECT_THAT(chain_error(0), HasSubstr("chains to 9, outside its table of 8"));
    // Zero length, outside RAM, wrapping, over each ring.
    desc(0, kData, 0, 0);
    EXPECT_THAT(chain_error(0), HasSubstr("has length 0"));
    desc(0, kRam - 8, 16, 0);
    EXPECT_THAT(chain_error(0), HasSubstr("is outside guest RAM"));
    desc(0, UINT64_MAX - 4, 16, 0);
    EXPECT_THAT(chain_error(0), HasSubstr("is outside guest RAM"));
    desc(0, kDesc + 0x40, 16, kDescWrite);
    EXPECT_THAT(chain_error(0), HasSubstr("overlaps the descriptor table"));
    desc(0, kAvail - 4, 8, kDescWrite);
    EXPECT_THAT(chain_error(0), HasSubstr("overlaps the available ring"));
    desc(0, kUsed + 60, 4, kDescWrite);
    EXPECT_THAT(chain_error(0), HasSubstr("overlaps the used ring"));
    // Wrong direction order.
    desc(0, kData, 16, kDescWrite | kDescNext, 1);
    desc(1, kData + 16, 16, 0);
    EXPECT_THAT(chain_error(0), HasSubstr("device-readable after a device-writable one"));
}

TEST_F(Queue, IndirectTables) {
    const uint64_t table = kData + 0x8000;
    desc(0, kData, 16, kDescNext, 1, table);
    desc(1, kData + 0x200, 64, kDescWrite, 0, table);
    desc(2, table, 3 * 16, kDescIndirect);
    EXPECT_THAT(chain_error(2, false), HasSubstr("VIRTIO_F_INDIRECT_DESC was not negotiated"));
    auto c = read_chain(mem_, layout_, 2, true);
    ASSERT_TRUE(c.ok()) << c.error().message;
    EXPECT_EQ(c->readable.size(), 1u);
    EXPECT_EQ(c->writable_bytes, 64u);
    desc(2, table, 3 * 16, kDescIndirect | kDescNext, 3);
    EXPECT_THAT(chain_error(2, true), HasSubstr("both indirect and chained"));
    desc(2, table, 20, kDescIndirect);
    EXPECT_THAT(chain_error(2, true), HasSubstr("has 20 bytes"));
    desc(2, table, 0, kDescIndirect);
    EXPECT_THAT(chain_error(2, true), HasSubstr("length 0"));
    desc(2, table, 2 * 16, kDescIndirect);
    desc(1, table, 16, kDescIndirect, 0, table);  // nested
    EXPECT_THAT(chain_error(2, true), HasSubstr("points to another table"));
    desc(0, kData, 16, kDescNext, 0, table);  // a loop inside the indirect table
    EXPECT_THAT(chain_error(2, true), HasSubstr("in its indirect table: a loop"));
    desc(0, kData, 16, kDescNext, 2, table);  // next beyond the indirect table's 2 entries
    EXPECT_THAT(chain_error(2, true), HasSubstr("outside its table of 2"));
}

TEST_F(Queue, PopPushAndTheUsedRing) {
    SplitQueue q(layout_, false, false);
    auto none = q.pop(mem_);
    ASSERT_TRUE(none.ok());
    EXPECT_FALSE(none->has_value());
    desc(4, kData, 100, kDescWrite);
    offer(4);
    auto c = q.pop(mem_);
    ASSERT_TRUE(c.ok()) << c.error().message;
    ASSERT_TRUE(c->has_value());
    EXPECT_EQ((*c)->head, 4);
    EXPECT_FALSE(q.pop(mem_)->has_value());
    ASSERT_TRUE(q.push_used(mem_, 4, 42).ok());
    EXPECT_EQ(u16(kUsed + 2), 1);
    EXPECT_EQ(u32(kUsed + 4), 4u);
    EXPECT_EQ(u32(kUsed + 8), 42u);
    EXPECT_TRUE(q.should_interrupt(mem_));
    EXPECT_FALSE(q.should_interrupt(mem_));  // nothing new since
    put16(kAvail, kAvailNoInterrupt);
    ASSERT_TRUE(q.push_used(mem_, 4, 1).ok());
    EXPECT_FALSE(q.should_interrupt(mem_));
    // The indices wrap at 65536 and the ring slots at the queue size.
    for (int i = 0; i < 20; ++i) {
        offer(4);
        auto again = q.pop(mem_);
        ASSERT_TRUE(again.ok() && again->has_value());
        ASSERT_TRUE(q.push_used(mem_, 4, 0).ok());
    }
    EXPECT_EQ(q.next_avail(), 21);
    EXPECT_EQ(u16(kUsed + 2), 22);
}

TEST_F(Queue, ARunawayAvailIndexOrABadChainBreaksTheQueue) {
    SplitQueue q(layout_, false, false);
    put16(kAvail + 2, 9);  // nine new entries in a queue of eight
    auto r = q.pop(mem_);
    ASSERT_FALSE(r.ok());
    EXPECT_THAT(r.error().message, HasSubstr("available index 9 is 9 entries ahead"));
    put16(kAvail + 2, 0);
    desc(0, kData, 0, 0);
    offer(0);
    r = q.pop(mem_);
    ASSERT_FALSE(r.ok());
    EXPECT_THAT(r.error().message, HasSubstr("length 0"));
    EXPECT_EQ(q.next_avail(), 0);  // not consumed
}

TEST_F(Queue, EventIdxSuppression) {
    SplitQueue q(layout_, true, false);
    desc(0, kData, 8, kDescWrite);
    const uint64_t used_event = kAvail + 4 + 2 * layout_.size;
    const uint64_t avail_event = kUsed + 4 + 8 * layout_.size;
    put16(used_event, 2);  // the driver wants an interrupt once entry 2 is used (idx 3)
    for (int i = 0; i < 3; ++i) {
        offer(0);
        ASSERT_TRUE(q.pop(mem_)->has_value());
        ASSERT_TRUE(q.push_used(mem_, 0, 8).ok());
        EXPECT_EQ(q.should_interrupt(mem_), i == 2) << i;
    }
    q.set_avail_event(mem_);
    EXPECT_EQ(u16(avail_event), 3);
    // Published several at once across the event: one interrupt.
    put16(used_event, 4);
    for (int i = 0; i < 3; ++i) {
        offer(0);
        ASSERT_TRUE(q.pop(mem_)->has_value());
        ASSERT_TRUE(q.push_used(mem_, 0, 8).ok());
    }
    EXPECT_TRUE(q.should_interrupt(mem_));
}

}  // namespace
}  // namespace domus::virtio
