// Bad input to `domus run`: one clear line on stderr, exit 1, no domain left behind.
#include <gtest/gtest.h>

#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <string>
#include <vector>

#include "domus/abi/boot_info.h"
#include "process.hpp"

namespace domus::test {
namespace {

std::string temp_file(const std::vector<char>& bytes) {
    char path[] = "/tmp/domus-kernel-XXXXXX";
    int fd = ::mkstemp(path);
    if (fd < 0) return {};
    if (!bytes.empty()) {
        (void)!::write(fd, bytes.data(), bytes.size());
    }
    ::close(fd);
    return path;
}

std::vector<char> guest_elf() {
    std::ifstream in(DOMUS_GUEST_ELF, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), {}};
}

void expect_error(const std::vector<std::string>& args, const std::string& needle) {
    auto r = run_domus(args);
    ASSERT_FALSE(r.timed_out);
    EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
    EXPECT_NE(r.err.find(needle), std::string::npos) << "stderr: " << r.err;
    // One line: the error, nothing else.
    EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
}

TEST(RunErrors, MissingKernel) {
    DOMUS_REQUIRE_KVM();
    expect_error({"run", "--kernel", "/nonexistent/vmlinux"}, "/nonexistent/vmlinux");
}

TEST(RunErrors, EmptyKernel) {
    DOMUS_REQUIRE_KVM();
    auto path = temp_file({});
    expect_error({"run", "--kernel", path}, "empty");
    ::unlink(path.c_str());
}

TEST(RunErrors, NotAnElf) {
    DOMUS_REQUIRE_KVM();
    std::string text = "#!/bin/sh\necho this is not a kernel\n";
    auto path = temp_file({text.begin(), text.end()});
    expect_error({"run", "--kernel", path}, "not an ELF");
    ::unlink(path.c_str());
}

TEST(RunErrors, TruncatedElf) {
    DOMUS_REQUIRE_KVM();
    auto elf = guest_elf();
    ASSERT_GT(elf.size(), 4096u);
    elf.resize(200);  // headers only: segments point past the end
    auto path = temp_file(elf);
    auto r = run_domus({"run", "--kernel", path});
    EXPECT_EQ(r.exit_code, 1) << r.err;
    EXPECT_NE(r.err.find("domus: error: "), std::string::npos) << r.err;
    ::unlink(path.c_str());
}

TEST(RunErrors, ElfForAnotherMachine) {
    DOMUS_REQUIRE_KVM();
    auto elf = guest_elf();
    ASSERT_GT(elf.size(), 64u);
    elf[18] = static_cast<char>(183);  // e_machine = EM_AARCH64
    elf[19] = 0;
    auto path = temp_file(elf);
    expect_error({"run", "--kernel", path}, "183");
    ::unlink(path.c_str());
}

TEST(RunErrors, SegmentOutsideRam) {
    DOMUS_REQUIRE_KVM();
    auto elf = guest_elf();
    ASSERT_GT(elf.size(), 4096u);
    // Grow the first program header's p_memsz to 256 MiB: it no longer fits 64 MiB of RAM.
    uint64_t phoff = 0;
    std::memcpy(&phoff, elf.data() + 32, 8);
    ASSERT_LT(phoff + 56, elf.size());
    const uint64_t memsz = 256ull << 20;
    std::memcpy(elf.data() + phoff + 40, &memsz, 8);
    auto path = temp_file(elf);
    expect_error({"run", "--kernel", path, "--memory", "64"}, "outside guest RAM");
    ::unlink(path.c_str());
}

TEST(RunErrors, MemoryZero) {
    DOMUS_REQUIRE_KVM();
    expect_error({"run", "--memory", "0"}, "memory 0 MiB");
}

TEST(RunErrors, MemoryBeyondTheHost) {
    DOMUS_REQUIRE_KVM();
    expect_error({"run", "--memory", "30000"}, "30000 MiB");
}

TEST(RunErrors, VcpusZero) {
    DOMUS_REQUIRE_KVM();
    expect_error({"run", "--vcpus", "0"}, "vcpus 0");
}

TEST(RunErrors, VcpusAboveTheLimit) {
    DOMUS_REQUIRE_KVM();
    expect_error({"run", "--vcpus", "100000"}, "vcpus 100000");
}

TEST(RunErrors, OverlongCommandLine) {
    DOMUS_REQUIRE_KVM();
    expect_error({"run", "--cmdline", std::string(5000, 'x')}, "5000 bytes");
}

TEST(RunErrors, UnwritableConsole) {
    DOMUS_REQUIRE_KVM();
    expect_error({"run", "--console", "/nonexistent/dir/console.log"}, "/nonexistent/dir");
}

TEST(Cli, HelpOnEveryVerb) {
    for (const char* verb : {"run", "info", "version"}) {
        auto r = run_domus({verb, "--help"});
        EXPECT_EQ(r.exit_code, 0) << verb;
        EXPECT_NE(r.out.find("Usage"), std::string::npos) << verb << ": " << r.out;
    }
}

TEST(Cli, VersionAndInfo) {
    auto v = run_domus({"version"});
    EXPECT_EQ(v.exit_code, 0);
    EXPECT_NE(v.out.find("guest ABI v" + std::to_string(DOMUS_ABI_VERSION)), std::string::npos)
        << v.out;
    if (!have_kvm()) GTEST_SKIP() << "/dev/kvm is not available";
    auto i = run_domus({"info"});
    EXPECT_EQ(i.exit_code, 0) << i.err;
    EXPECT_NE(i.out.find("backend"), std::string::npos) << i.out;
    auto j = run_domus({"info", "--json"});
    EXPECT_NE(j.out.find("\"backend\":"), std::string::npos) << j.out;
}

TEST(Cli, UnknownVerbOrFlagIsAnError) {
    auto r = run_domus({"frobnicate"});
    EXPECT_NE(r.exit_code, 0);
    auto f = run_domus({"run", "--no-such-flag"});
    EXPECT_NE(f.exit_code, 0);
    EXPECT_NE(f.err.find("no-such-flag"), std::string::npos) << f.err;
}

}  // namespace
}  // namespace domus::test
