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

TEST(NicOption, KeysInAnyOrderAndRoundTrip) {
    auto n = parse_nic_option("tap=vif1.0");
    ASSERT_TRUE(n.ok()) << n.error().message;
    EXPECT_EQ(n->tap, "vif1.0");
    EXPECT_FALSE(n->mac_given);
    EXPECT_EQ(n->rx_bytes_per_sec, 0u);
    n = parse_nic_option("mac=00:16:3E:0a:0B:ff,tx_bps=1000,tap=t0,rx_bps=2000");
    ASSERT_TRUE(n.ok()) << n.error().message;
    EXPECT_EQ(n->tap, "t0");
    EXPECT_TRUE(n->mac_given);
    EXPECT_EQ(n->mac, (MacAddress{0x00, 0x16, 0x3e, 0x0a, 0x0b, 0xff}));
    EXPECT_EQ(n->rx_bytes_per_sec, 2000u);
    EXPECT_EQ(n->tx_bytes_per_sec, 1000u);
    EXPECT_EQ(format_nic_option(*n), "tap=t0,mac=00:16:3e:0a:0b:ff,rx_bps=2000,tx_bps=1000");
    auto back = parse_nic_option(format_nic_option(*n));
    ASSERT_TRUE(back.ok());
    EXPECT_EQ(*back, *n);
}

TEST(NicOption, BadValuesAreNamed) {
    auto msg = [](std::string_view s) {
        auto n = parse_nic_option(s);
        return n.ok() ? std::string() : n.error().message;
    };
    EXPECT_NE(msg("").find("empty option"), std::string::npos);
    EXPECT_NE(msg("mac=00:16:3e:00:00:01").find("names no tap="), std::string::npos);
    EXPECT_NE(msg("tap=a,").find("empty option"), std::string::npos);
    EXPECT_NE(msg("tap=a,,mac=00:16:3e:00:00:01").find("empty option"), std::string::npos);
    EXPECT_NE(msg("tap=a,tap=b").find("tap= given twice"), std::string::npos);
    EXPECT_NE(msg("tap=").find("interface name is empty"), std::string::npos);
    EXPECT_NE(msg("tap=0123456789abcdef").find("longer than 15 bytes"), std::string::npos);
    EXPECT_NE(msg("tap=a/b").find("may not contain"), std::string::npos);
    EXPECT_NE(msg("tap=a:b").find("may not contain"), std::string::npos);
    EXPECT_NE(msg("tap=..").find("no interface name"), std::string::npos);
    EXPECT_NE(msg("tap=a,mac=01:00:00:00:00:01").find("multicast"), std::string::npos);
    EXPECT_NE(msg("tap=a,mac=00:00:00:00:00:00").find("all zeros"), std::string::npos);
    EXPECT_NE(msg("tap=a,mac=00-16-3e-00-00-01").find("'00-16-3e-00-00-01' is not of the form"),
              std::string::npos);
    EXPECT_NE(msg("tap=a,mac=00:16:3e:00:00:0g").find("is not of the form"), std::string::npos);
    EXPECT_NE(msg("tap=a,rx_bps=0").find("rx_bps= wants a positive decimal number, got '0'"),
              std::string::npos);
    EXPECT_NE(msg("tap=a,tx_bps=1,tx_bps=2").find("tx_bps= given twice"), std::string::npos);
    EXPECT_NE(msg("tap=a,speed=10").find("unknown key 'speed'"), std::string::npos);
    EXPECT_NE(msg("tap=a,bridge").find("'bridge' in --net 'tap=a,bridge' is not KEY=VALUE"),
              std::string::npos);
}

TEST(VmConfig, NicLimits) {
    VmConfig c;
    for (size_t i = 0; i < kMaxNics; ++i) c.nics.push_back(NicSpec{"t" + std::to_string(i)});
    EXPECT_EQ(error_of(c), "");
    c.nics.push_back(NicSpec{"t9"});
    EXPECT_NE(error_of(c).find("5 network interfaces are too many (at most 4)"), std::string::npos);
    c.nics.assign(2, NicSpec{"same"});
    EXPECT_NE(error_of(c).find("TAP device 'same' is given twice"), std::string::npos);
    c.nics[1].tap = "other";
    c.nics[0].mac_given = c.nics[1].mac_given = true;
    c.nics[0].mac = c.nics[1].mac = MacAddress{0, 0x16, 0x3e, 1, 2, 3};
    EXPECT_NE(error_of(c).find("MAC address 00:16:3e:01:02:03 is given twice"), std::string::npos);
}

}  // namespace
}  // namespace domus::vmm
