#include "arch/x86/page_tables.hpp"

#include <gtest/gtest.h>

#include "domus/abi/boot_info.h"

namespace domus::x86 {
namespace {

uint64_t entry(const GuestMemory& mem, uint64_t gpa) {
    return *mem.read_obj<uint64_t>(gpa);
}

// Walks the tables like the MMU does; returns the physical address or ~0 when unmapped.
uint64_t translate(const GuestMemory& mem, uint64_t va) {
    uint64_t pml4e = entry(mem, DOMUS_GPA_PML4 + ((va >> 39) & 511) * 8);
    if (!(pml4e & kPtePresent)) return ~0ull;
    uint64_t pdpte = entry(mem, (pml4e & ~0xfffull) + ((va >> 30) & 511) * 8);
    if (!(pdpte & kPtePresent)) return ~0ull;
    uint64_t pde = entry(mem, (pdpte & ~0xfffull) + ((va >> 21) & 511) * 8);
    if (!(pde & kPtePresent)) return ~0ull;
    EXPECT_TRUE(pde & kPteLarge);
    EXPECT_TRUE(pml4e & kPteUser);  // PVM host: U=1 at every level
    EXPECT_TRUE(pdpte & kPteUser);
    EXPECT_TRUE(pde & kPteUser);
    return (pde & ~0x1fffffull) | (va & 0x1fffff);
}

TEST(PageTables, IdentityMapsExactlyRam) {
    auto mem = GuestMemory::create(64ull << 20);
    ASSERT_TRUE(mem.ok());
    ASSERT_TRUE(build_identity_page_tables(*mem, mem->size()).ok());
    EXPECT_EQ(translate(*mem, 0), 0u);
    EXPECT_EQ(translate(*mem, 0x100123), 0x100123u);
    EXPECT_EQ(translate(*mem, (64ull << 20) - 1), (64ull << 20) - 1);
    EXPECT_EQ(translate(*mem, 64ull << 20), ~0ull);            // first byte past RAM
    EXPECT_EQ(translate(*mem, 0x4000000000ull), ~0ull);        // 256 GiB: selftest's #PF address
    EXPECT_EQ(translate(*mem, 0xffff800000000000ull), ~0ull);  // PML4 slot 256 never mapped
}

TEST(PageTables, MapsAcrossGibBoundaries) {
    const uint64_t ram = (1ull << 30) + (4ull << 20);
    auto mem = GuestMemory::create(ram);
    ASSERT_TRUE(mem.ok());
    ASSERT_TRUE(build_identity_page_tables(*mem, ram).ok());
    EXPECT_EQ(translate(*mem, (1ull << 30) + 0x12345), (1ull << 30) + 0x12345);
    EXPECT_EQ(translate(*mem, ram + k2MiB), ~0ull);
}

TEST(PageTables, MapsRamAtThePhysmapAndTheKernelAlias) {
    const uint64_t ram = (2ull << 30) + (4ull << 20);  // 2 GiB + 4 MiB: past the alias window
    auto mem = GuestMemory::create(ram);
    ASSERT_TRUE(mem.ok());
    ASSERT_TRUE(build_identity_page_tables(*mem, ram).ok());
    EXPECT_EQ(translate(*mem, DOMUS_PHYSMAP_BASE + 0x100123), 0x100123u);
    EXPECT_EQ(translate(*mem, DOMUS_PHYSMAP_BASE + (2ull << 30) + 0x10), (2ull << 30) + 0x10);
    EXPECT_EQ(translate(*mem, DOMUS_PHYSMAP_BASE + ram + k2MiB), ~0ull);
    EXPECT_EQ(translate(*mem, DOMUS_KERNEL_VIRT_BASE + 0x100123), 0x100123u);
    EXPECT_EQ(translate(*mem, DOMUS_KERNEL_VIRT_BASE + (1ull << 30) + 5), (1ull << 30) + 5);
    EXPECT_EQ(translate(*mem, 0xffffffffffe00000ull), 0x7fe00000u);  // last alias page
}

TEST(PageTables, RoundsPartialLargePageUp) {
    const uint64_t ram = 5ull << 20;  // 5 MiB: the 4-6 MiB page is mapped, 6+ is not
    auto mem = GuestMemory::create(ram);
    ASSERT_TRUE(mem.ok());
    ASSERT_TRUE(build_identity_page_tables(*mem, ram).ok());
    EXPECT_EQ(translate(*mem, (5ull << 20) + 1), (5ull << 20) + 1);
    EXPECT_EQ(translate(*mem, 6ull << 20), ~0ull);
}

TEST(PageTables, RejectsImpossibleSizes) {
    auto mem = GuestMemory::create(1 << 20);
    ASSERT_TRUE(mem.ok());
    EXPECT_FALSE(build_identity_page_tables(*mem, 0).ok());
    auto too_big = build_identity_page_tables(*mem, max_mappable_ram() + 1);
    ASSERT_FALSE(too_big.ok());
    EXPECT_NE(too_big.error().message.find(std::to_string(max_mappable_ram() + 1)),
              std::string::npos);
}

TEST(PageTables, FailsCleanlyWhenRamCannotHoldTheTables) {
    // 64 KiB of RAM cannot hold the PD area at 0x10000: an error, never an out-of-bounds write.
    auto mem = GuestMemory::create(64 << 10);
    ASSERT_TRUE(mem.ok());
    auto st = build_identity_page_tables(*mem, 64 << 10);
    EXPECT_FALSE(st.ok());
}

}  // namespace
}  // namespace domus::x86
