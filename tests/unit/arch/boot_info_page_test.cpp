#include "arch/x86/boot_info_page.hpp"

#include <gtest/gtest.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
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
    p.lapic_timer_khz = 1000000;
    p.domain_id = 7;
    p.cmdline = "selftest";
    p.kernel_start = 0x100000;
    p.kernel_end = 0x2345ab;
    return p;
}

TEST(BootInfo, AbiLayoutIsFrozen) {
    // Offsets are part of the guest ABI (v2 appended the ramdisk fields): a change here breaks
    // every guest.
    EXPECT_EQ(DOMUS_ABI_VERSION, 2u);
    EXPECT_EQ(offsetof(domus_boot_info, magic), 0u);
    EXPECT_EQ(offsetof(domus_boot_info, abi_version), 8u);
    EXPECT_EQ(offsetof(domus_boot_info, flags), 16u);
    EXPECT_EQ(offsetof(domus_boot_info, memory_bytes), 24u);
    EXPECT_EQ(offsetof(domus_boot_info, hypercall_port), 32u);
    EXPECT_EQ(offsetof(domus_boot_info, tsc_khz), 40u);
    EXPECT_EQ(offsetof(domus_boot_info, domain_id), 48u);
    EXPECT_EQ(offsetof(domus_boot_info, lapic_timer_khz), 52u);  // was reserved (0) before
    EXPECT_EQ(offsetof(domus_boot_info, regions), 56u);
    EXPECT_EQ(offsetof(domus_boot_info, vcpu_page_gpa), 56u + 8 * 24);
    EXPECT_EQ(offsetof(domus_boot_info, cmdline), 56u + 8 * 24 + 64 * 8);
    EXPECT_EQ(offsetof(domus_boot_info, ramdisk_gpa), 56u + 8 * 24 + 64 * 8 + 1024);
    EXPECT_EQ(offsetof(domus_boot_info, ramdisk_size), 56u + 8 * 24 + 64 * 8 + 1024 + 8);
    EXPECT_EQ(offsetof(domus_boot_info, virtio_count), 56u + 8 * 24 + 64 * 8 + 1024 + 16);
    EXPECT_EQ(offsetof(domus_boot_info, virtio), 56u + 8 * 24 + 64 * 8 + 1024 + 24);
    EXPECT_EQ(sizeof(domus_virtio_device), 16u);
    EXPECT_EQ(sizeof(domus_boot_info), 56u + 8 * 24 + 64 * 8 + 1024 + 24 + 8 * 16);
}

TEST(BootInfo, DescribesTheDomain) {
    auto info = make_boot_info(params());
    ASSERT_TRUE(info.ok()) << info.error().message;
    EXPECT_EQ(info->magic, DOMUS_BOOT_INFO_MAGIC);
    EXPECT_EQ(info->abi_version, DOMUS_ABI_VERSION);
    EXPECT_EQ(info->size, sizeof(domus_boot_info));
    EXPECT_EQ(info->flags, DOMUS_BOOT_FLAG_PVM_HOST | DOMUS_BOOT_FLAG_RAM_ZEROED);
    EXPECT_EQ(info->vcpu_count, 2u);
    EXPECT_EQ(info->memory_bytes, 64ull << 20);
    EXPECT_EQ(info->hypercall_port, DOMUS_HYPERCALL_PORT);
    EXPECT_EQ(info->tsc_khz, 2596136u);
    EXPECT_EQ(info->lapic_timer_khz, 1000000u);
    EXPECT_EQ(info->domain_id, 7u);
    EXPECT_STREQ(info->cmdline, "selftest");
    EXPECT_EQ(info->vcpu_page_gpa[0], DOMUS_GPA_VCPU_PAGES);
    EXPECT_EQ(info->vcpu_page_gpa[1], DOMUS_GPA_VCPU_PAGES + 4096);
    EXPECT_EQ(info->vcpu_page_gpa[2], 0u);
    EXPECT_EQ(info->ramdisk_gpa, 0u);  // none asked for
    EXPECT_EQ(info->ramdisk_size, 0u);
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

// Every region in order, gap-free, covering exactly [0, ram); returns "type@base+size ...".
std::string describe_map(const domus_boot_info& info) {
    std::string out;
    uint64_t next = 0;
    for (uint32_t i = 0; i < info.region_count; ++i) {
        const auto& r = info.regions[i];
        EXPECT_EQ(r.base, next) << "region " << i;
        EXPECT_NE(r.size, 0u) << "region " << i;
        next = r.base + r.size;
        char buf[64];
        std::snprintf(buf, sizeof buf, "%s%u@%llx+%llx", out.empty() ? "" : " ", r.type,
                      static_cast<unsigned long long>(r.base),
                      static_cast<unsigned long long>(r.size));
        out += buf;
    }
    EXPECT_EQ(next, info.memory_bytes);
    return out;
}

TEST(BootInfo, RamdiskAtTheTopOfRamIsItsOwnRegion) {
    auto p = params();
    p.ramdisk_gpa = 0x3f00000;  // 1 MiB below the end of 64 MiB
    p.ramdisk_size = 0xff001;   // ends inside the last page
    auto info = make_boot_info(p);
    ASSERT_TRUE(info.ok()) << info.error().message;
    EXPECT_EQ(info->ramdisk_gpa, 0x3f00000u);
    EXPECT_EQ(info->ramdisk_size, 0xff001u);
    // boot, kernel, free RAM up to the ramdisk, the ramdisk rounded to pages, the last page.
    EXPECT_EQ(describe_map(*info), "2@0+100000 3@100000+135000 1@235000+3ccb000 4@3f00000+100000");
    p.ramdisk_size = 0xfe000;
    info = make_boot_info(p);
    ASSERT_TRUE(info.ok()) << info.error().message;
    EXPECT_EQ(describe_map(*info),
              "2@0+100000 3@100000+135000 1@235000+3ccb000 4@3f00000+fe000 1@3ffe000+2000");
}

TEST(BootInfo, RamdiskBelowTheKernel) {
    auto p = params();
    p.kernel_start = 0x1000000;
    p.kernel_end = 0x1200000;
    p.ramdisk_gpa = 0x200000;
    p.ramdisk_size = 0x1000;
    auto info = make_boot_info(p);
    ASSERT_TRUE(info.ok()) << info.error().message;
    EXPECT_EQ(describe_map(*info),
              "2@0+100000 1@100000+100000 4@200000+1000 1@201000+dff000 3@1000000+200000 "
              "1@1200000+2e00000");
}

TEST(BootInfo, RejectsABadRamdiskRange) {
    const auto refused = [](uint64_t gpa, uint64_t size, const char* words) {
        auto p = params();
        p.ramdisk_gpa = gpa;
        p.ramdisk_size = size;
        auto e = make_boot_info(p);
        ASSERT_FALSE(e.ok()) << std::hex << gpa << " +" << size;
        EXPECT_NE(e.error().message.find(words), std::string::npos) << e.error().message;
    };
    refused(0x3f00000, 0, "size 0");
    refused(0x80000, 0x1000, "does not fit");          // in the boot area
    refused(0x3fff000, 0x2000, "does not fit");        // past the end of RAM
    refused(0x4000000, 0x1000, "does not fit");        // starts at the end of RAM
    refused(0x3f00000, UINT64_MAX, "does not fit");    // gpa + size wraps
    refused(0x234000, 0x1000, "overlaps the kernel");  // the kernel's last (partial) page
    refused(0xff000 + 0x1000, 0x1000, "overlaps the kernel");
    refused(0x234ff0, 0x100, "overlaps the kernel");  // unaligned, in the kernel's last page
    auto p = params();
    p.ramdisk_gpa = 0x235000;  // the first page after the kernel's
    p.ramdisk_size = 0x1000;
    EXPECT_TRUE(make_boot_info(p).ok());
}

TEST(BootInfo, AnUnalignedRamdiskGetsTheWholePagesItTouches) {
    auto p = params();
    p.ramdisk_gpa = 0x3f00f10;  // the monitor page-aligns a file's data this way
    p.ramdisk_size = 0x2100;    // ends in the third page
    auto info = make_boot_info(p);
    ASSERT_TRUE(info.ok()) << info.error().message;
    EXPECT_EQ(info->ramdisk_gpa, 0x3f00f10u);
    EXPECT_EQ(info->ramdisk_size, 0x2100u);
    bool found = false;
    for (uint32_t i = 0; i < info->region_count; ++i) {
        const auto& r = info->regions[i];
        if (r.type == DOMUS_MEM_RAMDISK) {
            found = true;
            EXPECT_EQ(r.base, 0x3f00000u);
            EXPECT_EQ(r.size, 0x4000u);  // [0x3f00000, 0x3f04000): 0x3f00f10 + 0x2100 = 0x3f03010
        } else if (r.type == DOMUS_MEM_RAM) {
            EXPECT_TRUE(r.base + r.size <= 0x3f00000u || r.base >= 0x3f04000u)
                << std::hex << r.base << " +" << r.size;
        }
    }
    EXPECT_TRUE(found);
}

TEST(BootInfo, VirtioDevicesAreCheckedAndCopied) {
    auto p = params();
    p.virtio = {{0xc0000000, 4, 0x50}, {0xc0001000, 2, 0x51}};
    auto info = make_boot_info(p);
    ASSERT_TRUE(info.ok()) << info.error().message;
    EXPECT_EQ(info->virtio_count, 2u);
    EXPECT_EQ(info->virtio[1].base, 0xc0001000u);
    EXPECT_EQ(info->virtio[1].device_id, 2u);
    const auto refused = [](std::vector<domus_virtio_device> v, const char* words) {
        auto q = params();
        q.virtio = std::move(v);
        auto e = make_boot_info(q);
        ASSERT_FALSE(e.ok());
        EXPECT_NE(e.error().message.find(words), std::string::npos) << e.error().message;
    };
    refused({{0x1000000, 4, 0x50}}, "not a page-aligned window above RAM");  // inside RAM
    refused({{0xc0000800, 4, 0x50}}, "not a page-aligned window above RAM");
    refused({{0xc0000000, 4, 0x10}}, "vector 16 is not 32..254");
    refused({{0xc0000000, 4, 0x50}, {0xc0000000, 4, 0x51}}, "shares its window or vector");
    refused({{0xc0000000, 4, 0x50}, {0xc0001000, 4, 0x50}}, "shares its window or vector");
    refused(std::vector<domus_virtio_device>(9, {0xc0000000, 4, 0x50}), "9 virtio devices");
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
