// The same guest ELF boots under QEMU microvm through its PVH entry note (UART console,
// isa-debug-exit). Software emulation (TCG) keeps the test independent of the KVM backend.
#include <gtest/gtest.h>
#include <unistd.h>

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

}  // namespace
}  // namespace domus::test
