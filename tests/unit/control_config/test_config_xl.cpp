// parse_config_xl on files Xen users write: comments, quoting, hex, `;`, CRLF, `extra`.
#include <string>

#include "config_test_util.hpp"

namespace domus::control {
namespace {

using namespace testing_util;

TEST(ConfigXl, Minimal) {
    const DomainConfig c = xl_ok("name = \"web1\"\n");
    EXPECT_EQ(c.name, "web1");
    EXPECT_EQ(c.memory, 64u);
    EXPECT_EQ(c.vcpus, 1u);
    EXPECT_EQ(c.kernel, "");
    EXPECT_EQ(c.on_reboot, Policy::restart);
}

TEST(ConfigXl, EveryKey) {
    const DomainConfig c = xl_ok(R"(name = "web1"
memory = 256
vcpus = 4
kernel = "/srv/domus/guest.elf"
ramdisk = "/srv/domus/initramfs.cpio.gz"
cmdline = "console=hvc0 quiet"
on_poweroff = "preserve"
on_reboot = "destroy"
on_crash = "restart"
)");
    EXPECT_EQ(c.memory, 256u);
    EXPECT_EQ(c.vcpus, 4u);
    EXPECT_EQ(c.kernel, "/srv/domus/guest.elf");
    EXPECT_EQ(c.ramdisk, "/srv/domus/initramfs.cpio.gz");
    EXPECT_EQ(c.cmdline, "console=hvc0 quiet");
    EXPECT_EQ(c.on_poweroff, Policy::preserve);
    EXPECT_EQ(c.on_reboot, Policy::destroy);
    EXPECT_EQ(c.on_crash, Policy::restart);
}

// What a Xen user's guest file looks like once the unsupported keys are taken out.
constexpr const char* kRealistic =
    R"(# =====================================================================
# Example PV guest configuration, adapted from /etc/xen/xlexample.pvlinux
# =====================================================================

# Guest name
name = "web-01.example"

# Kernel image to boot
kernel = '/var/lib/domus/kernels/web.elf'

# Kernel command line options
extra = "console=hvc0 root=/dev/xvda1 \"quoted\" tab:\t"

# Initial memory allocation (MB)
memory = 0x200     # 512 MiB

# Number of VCPUS
vcpus = 2

on_poweroff = 'destroy'
on_reboot   = 'restart'
on_crash    = 'preserve'   # keep it around for xl dump-core
)";

TEST(ConfigXl, RealisticFile) {
    const DomainConfig c = xl_ok(kRealistic);
    EXPECT_EQ(c.name, "web-01.example");
    EXPECT_EQ(c.kernel, "/var/lib/domus/kernels/web.elf");
    EXPECT_EQ(c.cmdline, "console=hvc0 root=/dev/xvda1 \"quoted\" tab:\t");
    EXPECT_EQ(c.memory, 512u);
    EXPECT_EQ(c.vcpus, 2u);
    EXPECT_EQ(c.on_crash, Policy::preserve);
}

TEST(ConfigXl, RealisticFileWithAPhyDiskIsRejectedByName) {
    const std::string text = std::string(kRealistic) + R"(
# Disk devices
disk = [ 'phy:/dev/vg0/web-01-disk,xvda,w',
         'file:/srv/iso/tools.iso,xvdc:cdrom,r',   # a CD
       ]
)";
    const ConfigError e = xl_error(text);
    EXPECT_EQ(e.field, "disks[0]");
    EXPECT_EQ(e.line, 25);
    EXPECT_EQ(e.message,
              "line 25: disk[0] \"phy:/dev/vg0/web-01-disk,xvda,w\": phy: (a host block device) "
              "is not supported: give a raw image file");
    EXPECT_EQ(e.kind, ConfigErrorKind::invalid_field);
}

TEST(ConfigXl, SemicolonsCrlfBomAndComments) {
    const DomainConfig c = xl_ok(
        "\xEF\xBB\xBFname='a';memory=128 ; vcpus=2;\r\n#c\r\n\r\n  on_crash = \"preserve\"#x");
    EXPECT_EQ(c.name, "a");
    EXPECT_EQ(c.memory, 128u);
    EXPECT_EQ(c.vcpus, 2u);
    EXPECT_EQ(c.on_crash, Policy::preserve);
    EXPECT_EQ(xl_ok("name='b'").name, "b");  // no final newline
    EXPECT_EQ(xl_ok(";;\n;name\t=\t\"c\";;\n").name, "c");
}

TEST(ConfigXl, Ramdisk) {
    EXPECT_EQ(xl_ok("name='a'\n").ramdisk, "");
    EXPECT_EQ(xl_ok("name='a'\nramdisk='/boot/initrd.img'\n").ramdisk, "/boot/initrd.img");
    const DomainConfig c = xl_ok(
        "name = 'busybox'\nramdisk = \"rd.cpio\"\nextra = \"init=/bin/sh -- -c 'echo hi'\"\n");
    EXPECT_EQ(c.ramdisk, "rd.cpio");
    EXPECT_EQ(c.cmdline, "init=/bin/sh -- -c 'echo hi'");
    // The JSON view carries it, and reads back the same.
    EXPECT_THAT(config_to_json(c), HasSubstr(R"("ramdisk":"rd.cpio")"));
    EXPECT_TRUE(same_config(c, json_ok(config_to_json(c))));

    ConfigError e = xl_error("name='a'\nramdisk=''\n");
    EXPECT_EQ(e.field, "ramdisk");
    EXPECT_EQ(e.line, 2);
    EXPECT_THAT(e.message, HasSubstr("ramdisk \"\" is empty (leave it out, or null, for none)"));
    e = xl_error("name='a'\nramdisk=1\n");
    EXPECT_EQ(e.field, "ramdisk");
    EXPECT_THAT(e.message, HasSubstr("ramdisk must be a string or null (got integer)"));
    e = xl_error("name='a'\nramdisk=['a','b']\n");
    EXPECT_EQ(e.field, "ramdisk");
    EXPECT_THAT(e.message, HasSubstr("got list"));
    e = xl_error("name='a'\nramdisk='/a'\nramdisk='/b'\n");
    EXPECT_EQ(e.field, "ramdisk");
    EXPECT_EQ(e.line, 3);
    EXPECT_THAT(e.message, HasSubstr("\"ramdisk\" is set twice (first on line 2)"));
    e = xl_error("name='a'\nramdisk='/a\\x00b'\n");
    EXPECT_EQ(e.field, "ramdisk");
    EXPECT_THAT(e.message, HasSubstr("contains a NUL byte"));
}

TEST(ConfigXl, CmdlineAndExtraAreAliases) {
    EXPECT_EQ(xl_ok("name='a'\nextra='x y'\n").cmdline, "x y");
    EXPECT_EQ(xl_ok("name='a'\ncmdline='x y'\n").cmdline, "x y");
}

TEST(ConfigXl, StringEscapes) {
    const DomainConfig c = xl_ok(R"(name = "a"
cmdline = "q\" s\' b\\ n\n t\t r\r a\a b\b f\f v\v x\x41 o\101\60 \xc3\xa9 #notacomment"
)");
    EXPECT_EQ(c.cmdline, "q\" s' b\\ n\n t\t r\r a\a b\b f\f v\v xA oA0 \xc3\xa9 #notacomment");
    EXPECT_EQ(xl_ok("name='a'\ncmdline='\\''").cmdline, "'");
}

TEST(ConfigXl, Numbers) {
    EXPECT_EQ(xl_ok("name='a'\nmemory=4").memory, 4u);
    EXPECT_EQ(xl_ok("name='a'\nmemory=32768").memory, 32768u);
    EXPECT_EQ(xl_ok("name='a'\nmemory=0X8000").memory, 32768u);
    EXPECT_EQ(xl_ok("name='a'\nmemory=0x00000040").memory, 64u);
    EXPECT_EQ(xl_ok("name='a'\nvcpus=64").vcpus, 64u);
}

TEST(ConfigXl, RoundTripThroughJson) {
    const DomainConfig c = xl_ok(kRealistic);
    const DomainConfig back = json_ok(config_to_json(c));
    EXPECT_TRUE(same_config(c, back)) << config_to_json(c);
}

TEST(ConfigXl, LongFilesWithinTheLimit) {
    std::string text = "name = 'a'\n";
    while (text.size() < kMaxConfigBytes - 100) text += "# a comment line that is ignored\n";
    text += "memory = 96\n";
    EXPECT_EQ(xl_ok(text).memory, 96u);
}

}  // namespace
}  // namespace domus::control
