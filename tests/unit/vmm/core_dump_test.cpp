// The ELF core writer: the layout checked field by field, then the file read back by Debian's
// readelf and gdb (registers of each vCPU, memory at each view's addresses).
#include "vmm/core_dump.hpp"

#include <elf.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <array>
#include <cstdio>
#include <cstring>
#include <memory>
#include <string>

#include "domus/abi/boot_info.h"

namespace domus::vmm {
namespace {

constexpr uint64_t kRam = 4ull << 20;

CoreSpec two_vcpus() {
    CoreSpec s;
    s.ram_bytes = kRam;
    s.views = domus_boot_views(kRam);
    s.pid = 4242;
    s.name = "web1";
    for (uint64_t i = 0; i < 2; ++i) {
        CoreVcpu v;
        v.regs.rip = DOMUS_KERNEL_VIRT_BASE + 0x100000 + i * 0x10;
        v.regs.rsp = 0x8000 + i * 0x1000;
        v.regs.rax = 0x1111 * (i + 1);
        v.regs.r15 = 0xf15 + i;
        v.regs.rflags = 0x202;
        v.sregs.cs.selector = 0x10;
        v.sregs.ss.selector = 0x18;
        v.sregs.gs.base = 0xabc000 + i;
        s.vcpus.push_back(v);
    }
    return s;
}

std::string shell(const std::string& cmd) {
    std::string out;
    std::unique_ptr<FILE, int (*)(FILE*)> p(::popen(cmd.c_str(), "r"), ::pclose);
    if (!p) return out;
    std::array<char, 4096> buf;
    size_t n;
    while ((n = std::fread(buf.data(), 1, buf.size(), p.get())) > 0) out.append(buf.data(), n);
    return out;
}

TEST(CoreDump, HeadersDescribeNotesAndEveryView) {
    auto prefix = build_core_prefix(two_vcpus());
    ASSERT_TRUE(prefix) << prefix.error().message;
    ASSERT_EQ(prefix->size() % 4096, 0u);
    Elf64_Ehdr eh;
    std::memcpy(&eh, prefix->data(), sizeof eh);
    EXPECT_EQ(std::memcmp(eh.e_ident, ELFMAG, SELFMAG), 0);
    EXPECT_EQ(eh.e_type, ET_CORE);
    EXPECT_EQ(eh.e_machine, EM_X86_64);
    ASSERT_EQ(eh.e_phnum, 4);
    Elf64_Phdr ph[4];
    std::memcpy(ph, prefix->data() + eh.e_phoff, sizeof ph);
    EXPECT_EQ(ph[0].p_type, PT_NOTE);
    EXPECT_LE(ph[0].p_offset + ph[0].p_filesz, prefix->size());
    const uint64_t bases[3] = {0, DOMUS_PHYSMAP_BASE, DOMUS_KERNEL_VIRT_BASE};
    for (int i = 1; i < 4; ++i) {
        EXPECT_EQ(ph[i].p_type, PT_LOAD);
        EXPECT_EQ(ph[i].p_offset, prefix->size());  // RAM once, right after the prefix
        EXPECT_EQ(ph[i].p_vaddr, bases[i - 1]);
        EXPECT_EQ(ph[i].p_filesz, kRam);
    }
    // Notes: prpsinfo, then one prstatus per vCPU with its registers.
    size_t at = ph[0].p_offset;
    std::vector<uint32_t> types;
    while (at < ph[0].p_offset + ph[0].p_filesz) {
        Elf64_Nhdr nh;
        std::memcpy(&nh, prefix->data() + at, sizeof nh);
        EXPECT_EQ(std::string(reinterpret_cast<const char*>(prefix->data() + at + sizeof nh)),
                  "CORE");
        types.push_back(nh.n_type);
        at += sizeof nh + 8 + (nh.n_descsz + 3) / 4 * 4;
    }
    EXPECT_EQ(types, (std::vector<uint32_t>{NT_PRPSINFO, NT_PRSTATUS, NT_PRSTATUS}));
}

TEST(CoreDump, BadSpecsAreRefused) {
    CoreSpec s = two_vcpus();
    s.vcpus.clear();
    EXPECT_FALSE(build_core_prefix(s));
    s = two_vcpus();
    s.ram_bytes = 4097;
    EXPECT_FALSE(build_core_prefix(s));
    s = two_vcpus();
    s.views.push_back({0x1000, kRam + 4096});
    auto r = build_core_prefix(s);
    ASSERT_FALSE(r);
    EXPECT_NE(r.error().message.find("does not fit"), std::string::npos);
    s = two_vcpus();
    s.views.push_back({~0ull - 100, 4096});  // wraps around the address space
    EXPECT_FALSE(build_core_prefix(s));
    s = two_vcpus();
    std::vector<uint8_t> small(4096);
    EXPECT_FALSE(write_core_file(-1, s, small));
}

TEST(CoreDump, GdbReadsRegistersAndMemoryAtEachView) {
    if (shell("command -v gdb").empty() || shell("command -v readelf").empty()) {
        GTEST_SKIP() << "gdb or readelf is not installed (scripts/bootstrap installs them)";
    }
    std::vector<uint8_t> ram(kRam);
    for (size_t i = 0; i < ram.size(); i += 8) {
        const uint64_t word = 0x5a5a000000000000ull | i;
        std::memcpy(ram.data() + i, &word, 8);
    }
    char path[] = "/tmp/domus-core-XXXXXX";
    const int fd = ::mkstemp(path);
    ASSERT_GE(fd, 0);
    const Status st = write_core_file(fd, two_vcpus(), ram);
    ::close(fd);
    ASSERT_TRUE(st) << st.error().message;

    const std::string notes = shell(std::string("readelf -n ") + path + " 2>&1");
    EXPECT_NE(notes.find("NT_PRPSINFO"), std::string::npos) << notes;
    EXPECT_NE(notes.find("NT_PRSTATUS"), std::string::npos) << notes;

    const std::string gdb = shell(
        std::string("gdb -nx -batch -ex 'set architecture i386:x86-64' ") + "-ex 'core-file " +
        path + "' -ex 'info threads' " +
        "-ex 'p/x $rip' -ex 'p/x $rax' -ex 'p/x $r15' -ex 'p/x $gs_base' " +
        "-ex 'thread 2' -ex 'p/x $rax' " + "-ex 'x/gx 0x1008' -ex 'x/gx 0xffff888000002010' " +
        "-ex 'x/gx 0xffffffff80003ff8' 2>&1");
    ::unlink(path);
    EXPECT_NE(gdb.find("LWP 1"), std::string::npos) << gdb;                 // vCPU 0
    EXPECT_NE(gdb.find("LWP 2"), std::string::npos) << gdb;                 // vCPU 1
    EXPECT_NE(gdb.find("= 0xffffffff80100000"), std::string::npos) << gdb;  // vCPU 0's rip
    EXPECT_NE(gdb.find("= 0x1111"), std::string::npos) << gdb;
    EXPECT_NE(gdb.find("= 0xf15"), std::string::npos) << gdb;
    EXPECT_NE(gdb.find("= 0xabc000"), std::string::npos) << gdb;
    EXPECT_NE(gdb.find("= 0x2222"), std::string::npos) << gdb;  // vCPU 1's rax
    EXPECT_NE(gdb.find("0x5a5a000000001008"), std::string::npos) << gdb;
    EXPECT_NE(gdb.find("0x5a5a000000002010"), std::string::npos) << gdb;
    EXPECT_NE(gdb.find("0x5a5a000000003ff8"), std::string::npos) << gdb;
}

}  // namespace
}  // namespace domus::vmm
