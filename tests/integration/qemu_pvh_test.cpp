// The same guest ELF boots under QEMU microvm through its PVH entry note (UART console,
// isa-debug-exit). Software emulation (TCG) keeps the test independent of the KVM backend.
#include <gtest/gtest.h>
#include <stdlib.h>
#include <unistd.h>

#include <string>

#include "process.hpp"

namespace domus::test {
namespace {

const char* kQemu = "/usr/bin/qemu-system-x86_64";

TEST(QemuPvh, HelloBootsUnderQemuMicrovm) {
    if (::access(kQemu, X_OK) != 0) GTEST_SKIP() << "qemu-system-x86_64 is not installed";
    auto r = run_process(
        {kQemu, "-M", "microvm", "-accel", "tcg", "-m", "64", "-nodefaults", "-no-user-config",
         "-nographic", "-serial", "stdio", "-device", "isa-debug-exit,iobase=0xf4,iosize=0x04",
         "-kernel", DOMUS_GUEST_ELF, "-append", "hello"},
        timeout_after(60));
    ASSERT_FALSE(r.timed_out) << r.out << r.err;
    EXPECT_NE(r.out.find("Domus guest kernel"), std::string::npos) << r.out << r.err;
    EXPECT_EQ(r.exit_code, 1) << "isa-debug-exit(0) exits QEMU with 1\n" << r.out << r.err;
}

// The same kernel runs a program from QEMU's -initrd (the first PVH module) on the non-PVM
// paths: iretq and sysretq with the hardware's rules, U=0 kernel pages, no interrupt-flag word.
TEST(QemuPvh, RunsBusyboxFromAnInitrdUnderTcg) {
    if (::access(kQemu, X_OK) != 0) GTEST_SKIP() << "qemu-system-x86_64 is not installed";
    if (::access("/bin/busybox", X_OK) != 0) GTEST_SKIP() << "busybox-static is not installed";
    char dir_template[] = "/tmp/domus-qemu-initrd-XXXXXX";
    ASSERT_NE(::mkdtemp(dir_template), nullptr);
    const std::string dir = dir_template;
    const std::string make =
        "set -e; cd " + dir + "; mkdir -p root/bin; cp /bin/busybox root/bin/; " +
        "ln -s busybox root/bin/sh; (cd root && find . | cpio -o -H newc 2>/dev/null) > rd.cpio";
    ASSERT_EQ(run_process({"/bin/sh", "-c", make}, timeout_after(60)).exit_code, 0);
    auto r = run_process({kQemu,
                          "-M",
                          "microvm",
                          "-accel",
                          "tcg",
                          "-m",
                          "128",
                          "-nodefaults",
                          "-no-user-config",
                          "-nographic",
                          "-serial",
                          "stdio",
                          "-device",
                          "isa-debug-exit,iobase=0xf4,iosize=0x04",
                          "-kernel",
                          DOMUS_GUEST_ELF,
                          "-initrd",
                          dir + "/rd.cpio",
                          "-append",
                          "init=/bin/sh -- -c 'echo $((6*7)) | /bin/busybox tr 4 x; exit 5'"},
                         timeout_after(120));
    run_process({"/bin/rm", "-rf", dir});
    ASSERT_FALSE(r.timed_out) << r.out << r.err;
    EXPECT_NE(r.out.find("x2"), std::string::npos) << r.out << r.err;
    EXPECT_EQ(r.exit_code, 2 * 5 + 1) << "init's status 5 -> isa-debug-exit(5)\n" << r.out << r.err;
}

}  // namespace
}  // namespace domus::test
