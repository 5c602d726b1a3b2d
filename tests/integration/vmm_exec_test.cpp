// domus-vmm --exec: the monitor domusd starts packs the initramfs itself around a static program
// (the host's busybox-static here), runs it with its --exec-arg arguments, and reports its exit
// status in the exit file; a dynamic program fails the handshake with the reason.
#include "vmm_harness.hpp"

namespace domus::test {
namespace {

using namespace vmm_harness;

TEST(VmmExec, RunsTheProgramWithItsArgumentsAndReportsItsStatus) {
    DOMUS_REQUIRE_KVM();
    if (!exists("/bin/busybox")) GTEST_SKIP() << "no /bin/busybox (busybox-static)";
    Vmm vmm({"--with-busybox", "--exec", "/bin/busybox", "--exec-arg", "sh", "--exec-arg=-c",
             "--exec-arg", "echo \"$0 and $1\"; exit 5", "--exec-arg", "it's", "--exec-arg",
             "two words"});
    EXPECT_EQ(vmm.handshake(), "{\"ok\":true,\"pid\":" + std::to_string(vmm.pid()) + "}\n")
        << vmm.log();
    EXPECT_EQ(vmm.wait(), 5) << vmm.log();
    EXPECT_NE(vmm.console().find("it's and two words"), std::string::npos) << vmm.console();
    auto e = vmm.exit_file();
    EXPECT_EQ(str(e, "reason"), "exit") << e;
    EXPECT_EQ(e["code"], 5 << 8) << e;
}

TEST(VmmExec, ADynamicProgramFailsTheHandshakeNamingItsInterpreter) {
    DOMUS_REQUIRE_KVM();
    Vmm vmm({"--exec", "/bin/ls"});
    EXPECT_NE(vmm.handshake().find("{\"ok\":false,\"error\":\"'/bin/ls' is dynamically linked "
                                   "(interpreter /lib64/ld-linux-x86-64.so.2)"),
              std::string::npos)
        << vmm.handshake();
    EXPECT_EQ(vmm.wait(), 1);
}

}  // namespace
}  // namespace domus::test
