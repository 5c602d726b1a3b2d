#include "arch/x86/boot_cpu.hpp"

#include <gtest/gtest.h>

#include "domus/abi/boot_info.h"

namespace domus::x86 {
namespace {

TEST(BootCpu, LongModeStateMatchesTheHostNotes) {
    auto s = boot_special_regs();
    EXPECT_EQ(s.cr0, 0x80050033u);
    EXPECT_EQ(s.cr4, 0x20u);  // PAE only: PCIDE is refused by the PVM host, SMEP/SMAP off
    EXPECT_EQ(s.efer, 0xd01u);
    EXPECT_EQ(s.cr3, DOMUS_GPA_PML4);
    EXPECT_EQ(s.cs.selector, 0x10);
    EXPECT_EQ(s.cs.l, 1);
    EXPECT_EQ(s.cs.type, 0xb);
    EXPECT_EQ(s.ss.selector, 0x18);
    EXPECT_EQ(s.tr.type, 11);
    EXPECT_EQ(s.ldt.unusable, 1);
}

TEST(BootCpu, RegistersCarryTheBootProtocol) {
    auto r = boot_regs(0x100040, DOMUS_GPA_BOOT_INFO, 3, 0x43000);
    EXPECT_EQ(r.rip, 0x100040u);
    EXPECT_EQ(r.rdi, DOMUS_GPA_BOOT_INFO);
    EXPECT_EQ(r.rsi, 3u);
    EXPECT_EQ(r.rdx, 0x43000u);
    EXPECT_EQ(r.rflags, 0x2u);  // interrupts masked
    EXPECT_EQ(r.rsp, 0u);
}

TEST(BootCpu, GdtHasFlatCodeDataAndTss) {
    auto mem = GuestMemory::create(1 << 20);
    ASSERT_TRUE(mem.ok());
    ASSERT_TRUE(write_boot_descriptors(*mem).ok());
    EXPECT_EQ(*mem->read_obj<uint64_t>(DOMUS_GPA_BOOT_GDT + 0x10), 0x00af9b000000ffffull);
    EXPECT_EQ(*mem->read_obj<uint64_t>(DOMUS_GPA_BOOT_GDT + 0x18), 0x00cf93000000ffffull);
    const uint64_t tss = *mem->read_obj<uint64_t>(DOMUS_GPA_BOOT_GDT + 0x20);
    EXPECT_EQ((tss >> 16) & 0xffffff, DOMUS_GPA_BOOT_TSS);
    EXPECT_EQ((tss >> 40) & 0xff, 0x8bu);  // present, busy 64-bit TSS
    EXPECT_EQ(*mem->read_obj<uint16_t>(DOMUS_GPA_BOOT_TSS + 0x66), 0x68);
}

TEST(BootCpu, DescriptorsNeedRam) {
    auto mem = GuestMemory::create(8192);  // too small for the TSS page at 0x4000
    ASSERT_TRUE(mem.ok());
    EXPECT_FALSE(write_boot_descriptors(*mem).ok());
}

}  // namespace
}  // namespace domus::x86
