#include "arch/x86/boot_info_page.hpp"

#include <gtest/gtest.h>

#include <cstddef>
#include <string>

#include "domus/abi/hypercall.h"

namespace domus::x86 {
namespace {

BootInfoParams params() {
    BootInfoParams p;
    p.ram_bytes = 64ull << 20;
    p.vcpus = 2;
    p.pvm_host = true;
    p.tsc_khz = 2596136;
    p.domain_id = 7;
    p.cmdline = "selftest";
    p.kernel_start = 0x100000;
    p.kernel_end = 0x2345ab;
    return p;
}

TEST(BootInfo, AbiLayoutIsFrozen) {
    // Offsets are part of the guest ABI v1: a change here breaks every guest.
    EXPECT_EQ(offsetof(domus_boot_info, magic), 0u);
    EXPECT_EQ(offsetof(domus_boot_info, abi_version), 8u);
    EXPECT_EQ(offsetof(domus_boot_info, flags), 16u);
    EXPECT_EQ(offsetof(domus_boot_info, memory_bytes), 24u);
    EXPECT_EQ(offsetof(domus_boot_info, hypercall_port), 32u);
    EXPECT_EQ(offsetof(domus_boot_info, tsc_khz), 40u);
    EXPECT_EQ(offsetof(domus_boot_info, domain_id), 48u);
    EXPECT_EQ(offsetof(domus_boot_info, regions), 56u);
    EXPECT_EQ(offsetof(domus_boot_info, vcpu_page_gpa), 56u + 8 * 24);
    EXPECT_EQ(offsetof(domus_boot_info, cmdline), 56u + 8 * 24 + 64 * 8);
    EXPECT_EQ(sizeof(domus_boot_info), 56u + 8 * 24 + 64 * 8 + 1024);
}

TEST(BootInfo, DescribesTheDomain) {
    auto info = make_boot_info(params());
    ASSERT_TRUE(info.ok()) << info.error().message;
    EXPECT_EQ(info->magic, DOMUS_BOOT_INFO_MAGIC);
    EXPECT_EQ(info->abi_version, DOMUS_ABI_VERSION);
    EXPECT_EQ(info->size, sizeof(domus_boot_info));
    EXPECT_EQ(info->flags, DOMUS_BOOT_FLAG_PVM_HOST);
    EXPECT_EQ(info->vcpu_count, 2u);
    EXPECT_EQ(info->memory_bytes, 64ull << 20);
    EXPECT_EQ(info->hypercall_port, DOMUS_HYPERCALL_PORT);
    EXPECT_EQ(info->tsc_khz, 2596136u);
    EXPECT_EQ(info->domain_id, 7u);
    EXPECT_STREQ(info->cmdline, "selftest");
    EXPECT_EQ(info->vcpu_page_gpa[0], DOMUS_GPA_VCPU_PAGES);
    EXPECT_EQ(info->vcpu_page_gpa[1], DOMUS_GPA_VCPU_PAGES + 4096);
    EXPECT_EQ(info->vcpu_page_gpa[2], 0u);
}

TEST(BootInfo, MemoryMapCoversRamWithoutGapsOrOverlap) {
    auto info = make_boot_info(params());
    ASSERT_TRUE(info.ok());
    ASSERT_EQ(info->region_count, 3u);  // boot, kernel, free RAM (kernel starts at 1 MiB)
    uint64_t next = 0;
    for (uint32_t i = 0; i < info->region_count; ++i) {
        EXPECT_EQ(info->regions[i].base, next) << "region " << i;
        next = info->regions[i].base + info->regions[i].size;
    }
    EXPECT_EQ(next, 64ull << 20);
    EXPECT_EQ(info->regions[0].type, DOMUS_MEM_BOOT);
    EXPECT_EQ(info->regions[1].type, DOMUS_MEM_KERNEL);
    EXPECT_EQ(info->regions[1].base, 0x100000u);
    EXPECT_EQ(info->regions[1].size, 0x235000u - 0x100000u);  // rounded to pages
    EXPECT_EQ(info->regions[2].type, DOMUS_MEM_RAM);
}

TEST(BootInfo, KernelAboveOneMibLeavesAFreeHole) {
    auto p = params();
    p.kernel_start = 0x400000;
    p.kernel_end = 0x500000;
    auto info = make_boot_info(p);
    ASSERT_TRUE(info.ok());
    ASSERT_EQ(info->region_count, 4u);
    EXPECT_EQ(info->regions[1].type, DOMUS_MEM_RAM);
    EXPECT_EQ(info->regions[1].size, 0x300000u);
}

TEST(BootInfo, RejectsBadParameters) {
    auto p = params();
    p.vcpus = 0;
    EXPECT_FALSE(make_boot_info(p).ok());
    p.vcpus = DOMUS_MAX_VCPUS + 1;
    auto e = make_boot_info(p);
    ASSERT_FALSE(e.ok());
    EXPECT_NE(e.error().message.find("65"), std::string::npos);

    p = params();
    std::string longline(DOMUS_CMDLINE_MAX, 'x');
    p.cmdline = longline;
    e = make_boot_info(p);
    ASSERT_FALSE(e.ok());
    EXPECT_NE(e.error().message.find("1024 bytes"), std::string::npos);

    p = params();
    std::string with_nul("a\0b", 3);
    p.cmdline = with_nul;
    EXPECT_FALSE(make_boot_info(p).ok());

    p = params();
    p.kernel_start = 0x1000;  // over the boot structures
    EXPECT_FALSE(make_boot_info(p).ok());
    p = params();
    p.kernel_end = p.ram_bytes + 1;
    EXPECT_FALSE(make_boot_info(p).ok());
}

TEST(BootInfo, LongestCommandLineFits) {
    auto p = params();
    std::string line(DOMUS_CMDLINE_MAX - 1, 'y');
    p.cmdline = line;
    auto info = make_boot_info(p);
    ASSERT_TRUE(info.ok());
    EXPECT_EQ(info->cmdline[DOMUS_CMDLINE_MAX - 1], '\0');
}

}  // namespace
}  // namespace domus::x86
