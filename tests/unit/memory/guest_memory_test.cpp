#include "memory/guest_memory.hpp"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <cstdint>
#include <vector>

namespace domus {
namespace {

constexpr uint64_t kRam = 1 << 20;

GuestMemory make() {
    auto mem = GuestMemory::create(kRam);
    EXPECT_TRUE(mem.ok());
    return std::move(mem.value());
}

TEST(GuestMemory, RejectsZeroAndUnalignedSizes) {
    auto zero = GuestMemory::create(0);
    ASSERT_FALSE(zero.ok());
    EXPECT_NE(zero.error().message.find("0 bytes"), std::string::npos);
    auto odd = GuestMemory::create(4097);
    ASSERT_FALSE(odd.ok());
    EXPECT_NE(odd.error().message.find("4097"), std::string::npos);
}

TEST(GuestMemory, StartsZeroedAndRoundTrips) {
    auto mem = make();
    EXPECT_EQ(mem.size(), kRam);
    auto v = mem.read_obj<uint64_t>(kRam - 8);
    ASSERT_TRUE(v.ok());
    EXPECT_EQ(*v, 0u);
    ASSERT_TRUE(mem.write_obj<uint64_t>(0x1000, 0x1122334455667788ull).ok());
    EXPECT_EQ(*mem.read_obj<uint64_t>(0x1000), 0x1122334455667788ull);
    ASSERT_TRUE(mem.fill(0x2000, 16, 0xab).ok());
    EXPECT_EQ(*mem.read_obj<uint8_t>(0x200f), 0xab);
    EXPECT_EQ(*mem.read_obj<uint8_t>(0x2010), 0);
}

TEST(GuestMemory, ContainsIsOverflowSafe) {
    auto mem = make();
    EXPECT_TRUE(mem.contains(0, kRam));
    EXPECT_TRUE(mem.contains(kRam - 1, 1));
    EXPECT_TRUE(mem.contains(kRam, 0));
    EXPECT_FALSE(mem.contains(kRam, 1));
    EXPECT_FALSE(mem.contains(kRam + 1, 0));
    EXPECT_FALSE(mem.contains(0, kRam + 1));
    EXPECT_FALSE(mem.contains(UINT64_MAX, 1));
    EXPECT_FALSE(mem.contains(UINT64_MAX - 0xf, 0x20));  // wraps to a small address
    EXPECT_FALSE(mem.contains(8, UINT64_MAX));
}

TEST(GuestMemory, OutOfRangeAccessesFailWithTheRange) {
    auto mem = make();
    auto span = mem.span(kRam - 4, 8);
    ASSERT_FALSE(span.ok());
    EXPECT_EQ(span.error().code, Errc::out_of_range);
    EXPECT_NE(span.error().message.find("0xffffc+0x8"), std::string::npos);
    std::vector<uint8_t> buf(16);
    EXPECT_FALSE(mem.read(UINT64_MAX - 7, buf).ok());
    EXPECT_FALSE(mem.write(kRam, buf).ok());
    EXPECT_FALSE(mem.fill(kRam - 1, 2, 0).ok());
    EXPECT_FALSE(mem.read_obj<uint64_t>(kRam - 7).ok());
}

TEST(GuestMemory, SecondMappingOfTheMemfdSeesWrites) {
    auto mem = make();
    ASSERT_TRUE(mem.write_obj<uint32_t>(0x3000, 0xfeedf00d).ok());
    uint32_t seen = 0;
    ASSERT_EQ(::pread(mem.memfd(), &seen, sizeof seen, 0x3000), static_cast<ssize_t>(sizeof seen));
    EXPECT_EQ(seen, 0xfeedf00du);
}

TEST(GuestMemory, MoveTransfersOwnership) {
    auto a = make();
    GuestMemory b = std::move(a);
    EXPECT_EQ(b.size(), kRam);
    EXPECT_EQ(a.size(), 0u);  // NOLINT(bugprone-use-after-move): documented moved-from state
    EXPECT_FALSE(a.contains(0, 1));
}

}  // namespace
}  // namespace domus

namespace domus {
namespace {

int64_t allocated_kib(const GuestMemory& mem) {
    struct stat st {};
    if (::fstat(mem.memfd(), &st) != 0) return -1;
    return static_cast<int64_t>(st.st_blocks) * 512 / 1024;
}

// Zero-filling leaves the memfd's holes alone (they read as zero), so a kernel's bss or a boot
// area costs the domain no RAM; written pages are still zeroed.
TEST(GuestMemory, ZeroFillKeepsHolesAndClearsData) {
    auto mem = GuestMemory::create(8ull << 20);
    ASSERT_TRUE(mem.ok());
    ASSERT_TRUE(mem->fill(0, 4ull << 20, 0).ok());
    EXPECT_EQ(allocated_kib(*mem), 0);
    const uint8_t data[3] = {1, 2, 3};
    ASSERT_TRUE(mem->write(0x200ffe, std::span<const uint8_t>(data, 3)).ok());  // two pages
    ASSERT_TRUE(mem->fill(0x100000, 0x200000, 0).ok());
    uint8_t back[3] = {9, 9, 9};
    ASSERT_TRUE(mem->read(0x200ffe, std::span<uint8_t>(back, 3)).ok());
    EXPECT_EQ(back[0] | back[1] | back[2], 0);
    EXPECT_LE(allocated_kib(*mem), 8);        // just the two pages written
    ASSERT_TRUE(mem->fill(0x10, 5, 7).ok());  // another value still writes
    uint8_t seven = 0;
    ASSERT_TRUE(mem->read(0x12, std::span<uint8_t>(&seven, 1)).ok());
    EXPECT_EQ(seven, 7);
}

}  // namespace
}  // namespace domus
