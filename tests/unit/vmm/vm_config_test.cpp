#include "vmm/vm_config.hpp"

#include <gtest/gtest.h>

#include <string>

#include "base/meminfo.hpp"

namespace domus::vmm {
namespace {

HostLimits limits() {
    return HostLimits{64, 16384};
}

std::string error_of(const VmConfig& c) {
    auto st = validate_config(c, limits());
    return st.ok() ? std::string() : st.error().message;
}

TEST(VmConfig, DefaultsAreValid) {
    EXPECT_EQ(error_of(VmConfig{}), "");
}

TEST(VmConfig, MemoryLimits) {
    VmConfig c;
    c.memory_mib = 0;
    EXPECT_NE(error_of(c).find("memory 0 MiB"), std::string::npos);
    c.memory_mib = 3;
    EXPECT_NE(error_of(c).find("memory 3 MiB is too small"), std::string::npos);
    c.memory_mib = 20000;
    EXPECT_NE(error_of(c).find("20000 MiB is more than the host can give (16384"),
              std::string::npos);
    c.memory_mib = 1ull << 40;
    EXPECT_NE(error_of(c).find("exceeds the guest limit"), std::string::npos);
}

TEST(VmConfig, VcpuLimits) {
    VmConfig c;
    c.vcpus = 0;
    EXPECT_NE(error_of(c).find("vcpus 0"), std::string::npos);
    c.vcpus = 65;
    EXPECT_NE(error_of(c).find("vcpus 65 exceeds the limit of 64"), std::string::npos);
    c.vcpus = 64;
    EXPECT_EQ(error_of(c), "");
}

TEST(VmConfig, CommandLineLimits) {
    VmConfig c;
    c.cmdline = std::string(1023, 'a');
    EXPECT_EQ(error_of(c), "");
    c.cmdline = std::string(1024, 'a');
    EXPECT_NE(error_of(c).find("1024 bytes is too long"), std::string::npos);
    c.cmdline = std::string("a\0b", 3);
    EXPECT_NE(error_of(c).find("NUL"), std::string::npos);
}

TEST(VmConfig, PathLimits) {
    VmConfig c;
    c.ramdisk_path = "/srv/initramfs.cpio.gz";
    c.kernel_path = "/srv/kernel.elf";
    EXPECT_EQ(error_of(c), "");
    c.ramdisk_path = std::string(4095, 'r');
    EXPECT_EQ(error_of(c), "");
    c.ramdisk_path = std::string(4096, 'r');
    EXPECT_NE(error_of(c).find("ramdisk path of 4096 bytes is too long"), std::string::npos);
    c.ramdisk_path = std::string("/a\0b", 4);
    EXPECT_NE(error_of(c).find("ramdisk path contains a NUL"), std::string::npos);
    c.ramdisk_path.clear();
    c.kernel_path = std::string("/k\0", 3);
    EXPECT_NE(error_of(c).find("kernel path contains a NUL"), std::string::npos);
}

TEST(DiskOption, PathAndTrailingOptions) {
    auto d = parse_disk_option("/img/a.raw");
    ASSERT_TRUE(d.ok());
    EXPECT_EQ(d->path, "/img/a.raw");
    EXPECT_FALSE(d->read_only);
    EXPECT_EQ(d->bytes_per_sec, 0u);
    d = parse_disk_option("/img/a.raw,ro,bps=1048576,iops=200");
    ASSERT_TRUE(d.ok());
    EXPECT_EQ(d->path, "/img/a.raw");
    EXPECT_TRUE(d->read_only);
    EXPECT_EQ(d->bytes_per_sec, 1048576u);
    EXPECT_EQ(d->ops_per_sec, 200u);
    d = parse_disk_option("/img/with,comma.raw,rw");  // a comma inside the path stays
    ASSERT_TRUE(d.ok());
    EXPECT_EQ(d->path, "/img/with,comma.raw");
    EXPECT_FALSE(d->read_only);
    EXPECT_EQ(format_disk_option(*d), "/img/with,comma.raw,rw");
    DiskSpec full{"/x", true, 5, 7};
    auto back = parse_disk_option(format_disk_option(full));
    ASSERT_TRUE(back.ok());
    EXPECT_EQ(*back, full);
}

TEST(DiskOption, BadValuesAreNamed) {
    auto msg = [](std::string_view s) {
        auto d = parse_disk_option(s);
        return d.ok() ? std::string() : d.error().message;
    };
    EXPECT_NE(msg("").find("image path is empty"), std::string::npos);
    EXPECT_NE(msg(",ro").find("image path is empty"), std::string::npos);
    EXPECT_NE(msg("/a,ro,rw").find("ro/rw given twice"), std::string::npos);
    EXPECT_NE(msg("/a,bps=0").find("bps= wants a positive decimal number, got '0'"),
              std::string::npos);
    EXPECT_NE(msg("/a,iops=12x").find("got '12x'"), std::string::npos);
    EXPECT_NE(msg("/a,iops=99999999999999999999").find("iops="), std::string::npos);
    EXPECT_NE(msg("/a,bps=007").find("bps="), std::string::npos);
    EXPECT_NE(msg(std::string(4096, 'p')).find("disk path of 4096 bytes"), std::string::npos);
}

TEST(VmConfig, DiskLimits) {
    VmConfig c;
    c.disks.assign(kMaxDisks, DiskSpec{"/img"});
    EXPECT_EQ(error_of(c), "");
    c.disks.push_back(DiskSpec{"/img"});
    EXPECT_NE(error_of(c).find("7 disks are too many (at most 6)"), std::string::npos);
    c.disks.assign(1, DiskSpec{});
    EXPECT_NE(error_of(c).find("a disk has no image path"), std::string::npos);
}

TEST(VmConfig, HostMemoryIsReadable) {
    EXPECT_GT(host_available_memory_mib(), 0u);
}

TEST(Meminfo, NamedFieldsOnlyWholeKeys) {
    const uint64_t total = meminfo_mib("MemTotal");
    EXPECT_GT(total, 0u);
    EXPECT_LE(meminfo_mib("MemAvailable"), total);
    EXPECT_EQ(meminfo_mib("Mem"), 0u);  // a prefix of a key is not the key
    EXPECT_EQ(meminfo_mib("NoSuchField"), 0u);
}

}  // namespace
}  // namespace domus::vmm
