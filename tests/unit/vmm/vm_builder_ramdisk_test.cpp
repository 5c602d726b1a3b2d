// build_domain's ramdisk steps on a real VM (skipped without /dev/kvm): the decompressed
// archive lands byte for byte at the top of guest RAM, and the boot-info page describes it.
// Nothing runs: the domain is built, inspected and destroyed.
#include <fcntl.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <string>

#include "boot/elf_loader.hpp"
#include "cpio_builder.hpp"
#include "domus/abi/boot_info.h"
#include "gzip_member.hpp"
#include "vmm/embedded_guest.hpp"
#include "vmm/vm_builder.hpp"

namespace domus::vmm {
namespace {

using test::gzip;
using ::testing::HasSubstr;

bool have_kvm() {
    const int fd = ::open("/dev/kvm", O_RDWR | O_CLOEXEC);
    if (fd < 0) return false;
    ::close(fd);
    return true;
}

class BuilderRamdisk : public ::testing::Test {
  protected:
    void SetUp() override {
        if (!have_kvm()) GTEST_SKIP() << "/dev/kvm is not available";
        char tmpl[] = "/tmp/domus-builder-ramdisk-XXXXXX";
        ASSERT_NE(::mkdtemp(tmpl), nullptr);
        dir_ = tmpl;
        null_fd_ = ::open("/dev/null", O_WRONLY | O_CLOEXEC);
    }
    void TearDown() override {
        if (null_fd_ >= 0) ::close(null_fd_);
        if (!dir_.empty()) (void)!std::system(("rm -rf '" + dir_ + "'").c_str());
    }
    std::string write(const std::string& name, const std::string& content) {
        const std::string path = dir_ + "/" + name;
        std::ofstream(path, std::ios::binary) << content;
        return path;
    }
    VmConfig config(uint64_t memory_mib, const std::string& ramdisk) const {
        VmConfig c;
        c.memory_mib = memory_mib;
        c.ramdisk_path = ramdisk;
        return c;
    }
    Result<std::unique_ptr<Domain>> build(const VmConfig& c) {
        return build_domain(c, embedded_guest(), null_fd_);
    }

    std::string dir_;
    int null_fd_ = -1;
};

// The uncompressed archive the guest must find.
const std::string kArchive =
    test::archive({test::dir("."), test::file("init", std::string(10000, 'i'), 0100755),
                   test::symlink("bin/sh", "../init"), test::file("etc/motd", "welcome\n")});

TEST_F(BuilderRamdisk, TheArchiveIsAtTheTopOfRamAndInTheBootInfo) {
    for (const std::string& file :
         {write("rd.cpio", kArchive), write("rd.gz", gzip(kArchive, 9))}) {
        SCOPED_TRACE(file);
        auto d = build(config(32, file));
        ASSERT_TRUE(d.ok()) << d.error().message;
        GuestMemory& mem = (*d)->memory();
        auto info = mem.read_obj<domus_boot_info>(DOMUS_GPA_BOOT_INFO);
        ASSERT_TRUE(info.ok());
        const uint64_t ram = 32ull << 20;
        EXPECT_EQ(info->ramdisk_size, kArchive.size());
        // At the top of RAM, shifted into its first page so that init's 10000 bytes start on
        // a page boundary (the guest keeps those two whole pages instead of copying them).
        EXPECT_LT(ram - (info->ramdisk_gpa + kArchive.size()), 4096u);
        const size_t init_data = kArchive.find(std::string(10000, 'i'));
        ASSERT_NE(init_data, std::string::npos);
        EXPECT_EQ((info->ramdisk_gpa + init_data) % 4096, 0u) << std::hex << info->ramdisk_gpa;
        std::string in_guest(kArchive.size(), '\0');
        ASSERT_TRUE(mem.read(info->ramdisk_gpa,
                             {reinterpret_cast<uint8_t*>(in_guest.data()), in_guest.size()})
                        .ok());
        EXPECT_TRUE(in_guest == kArchive) << "the guest's copy differs from the archive";

        // Exactly one ramdisk region, covering the archive's pages; the RAM regions avoid it.
        int ramdisks = 0;
        uint64_t next = 0;
        for (uint32_t i = 0; i < info->region_count; ++i) {
            const auto& r = info->regions[i];
            EXPECT_EQ(r.base, next);
            next = r.base + r.size;
            if (r.type == DOMUS_MEM_RAMDISK) {
                ++ramdisks;
                EXPECT_EQ(r.base, info->ramdisk_gpa & ~0xfffull);
                EXPECT_EQ(r.size, ram - r.base);
            } else if (r.type == DOMUS_MEM_RAM) {
                EXPECT_TRUE(r.base + r.size <= (info->ramdisk_gpa & ~0xfffull) || r.base >= ram);
            }
        }
        EXPECT_EQ(ramdisks, 1);
        EXPECT_EQ(next, ram);
    }
}

// A program domain gets a virtio-rng window above RAM: in the boot-info page, and first on the
// command line in Linux's form (before the user's words, so never after a "--").
TEST_F(BuilderRamdisk, AProgramDomainHasAVirtioRngAnnouncedTwice) {
    VmConfig c = config(32, write("rd.cpio", kArchive));
    c.cmdline = "init=/init -- -x";
    auto d = build(c);
    ASSERT_TRUE(d.ok()) << d.error().message;
    auto info = (*d)->memory().read_obj<domus_boot_info>(DOMUS_GPA_BOOT_INFO);
    ASSERT_TRUE(info.ok());
    ASSERT_EQ(info->virtio_count, 1u);
    EXPECT_EQ(info->virtio[0].device_id, 4u);
    EXPECT_EQ(info->virtio[0].base, 3ull << 30);  // above 32 MiB of RAM, at least 3 GiB
    EXPECT_EQ(info->virtio[0].vector, DOMUS_VIRTIO_VECTOR_BASE);
    EXPECT_STREQ(info->cmdline, "virtio_mmio.device=4K@0xc0000000:80 init=/init -- -x");
    ASSERT_EQ((*d)->virtio_backends().size(), 1u);
    EXPECT_STREQ((*d)->virtio_backends()[0]->name(), "virtio-rng");

    // A command line that fits alone but not beside the device words is refused by name.
    c.cmdline = std::string(1000, 'x');
    d = build(c);
    ASSERT_FALSE(d.ok());
    EXPECT_THAT(d.error().message,
                HasSubstr("the command line of 1000 bytes does not fit beside the monitor's"));
}

TEST_F(BuilderRamdisk, NoRamdiskLeavesTheFieldsZero) {
    auto d = build(config(32, ""));
    ASSERT_TRUE(d.ok()) << d.error().message;
    auto info = (*d)->memory().read_obj<domus_boot_info>(DOMUS_GPA_BOOT_INFO);
    ASSERT_TRUE(info.ok());
    EXPECT_EQ(info->ramdisk_gpa, 0u);
    EXPECT_EQ(info->ramdisk_size, 0u);
    EXPECT_EQ(info->virtio_count, 0u);  // the built-in workloads run without devices
    for (uint32_t i = 0; i < info->region_count; ++i) {
        EXPECT_NE(info->regions[i].type, DOMUS_MEM_RAMDISK);
    }
}

TEST_F(BuilderRamdisk, RefusalsNameThePathAndTheSizes) {
    auto d = build(config(32, dir_ + "/missing.cpio"));
    ASSERT_FALSE(d.ok());
    EXPECT_THAT(d.error().message, HasSubstr("ramdisk: cannot open '" + dir_ + "/missing.cpio'"));

    // More than half of a 16 MiB guest once inflated.
    const std::string big = test::archive({test::file("big", std::string(9 << 20, 'b'))});
    d = build(config(16, write("big.gz", gzip(big, 9))));
    ASSERT_FALSE(d.ok());
    EXPECT_THAT(d.error().message, HasSubstr("decompresses to more than 8388608 bytes (half of the "
                                             "guest's 16 MiB of RAM, 8 MiB)"));

    // Up to half of RAM, but reaching down into the kernel image: only when this kernel is big
    // enough for the smallest guest to show it.
    auto image = parse_elf(embedded_guest(), ElfLimits{4ull << 20, DOMUS_GPA_KERNEL_MIN});
    ASSERT_TRUE(image.ok()) << image.error().message;
    if (image->end_gpa > (2ull << 20)) {
        const std::string half =
            test::archive({test::file("h", std::string((2 << 20) - 400, 'h'))});
        ASSERT_LE(half.size(), 2u << 20);
        d = build(config(4, write("half.cpio", half)));
        ASSERT_FALSE(d.ok());
        EXPECT_THAT(d.error().message, HasSubstr("would overlap the kernel image"));
        EXPECT_THAT(d.error().message, HasSubstr(dir_ + "/half.cpio"));
    }
}

}  // namespace
}  // namespace domus::vmm
