// guest/proc/elf on real programs nobody on the team wrote: Debian's busybox-static, and a small
// C program linked by glibc (static and static-PIE), by musl-gcc, and a Go program (the build
// links them into build/.../tests/unit/guest_proc/programs; a test is skipped when its tool is
// missing). What the parser answers is compared with an independent reading of the file through
// <elf.h>, and AT_PHDR is checked the way a libc uses it: the address, mapped back through the
// segments, must hold the program headers. A dynamically linked program and an object file are
// refused.
#include <elf.h>

#include <fstream>
#include <iterator>

#include "elf_parse.hpp"

#ifndef GUEST_PROC_GLIBC_STATIC
#define GUEST_PROC_GLIBC_STATIC ""
#endif
#ifndef GUEST_PROC_GLIBC_STATIC_PIE
#define GUEST_PROC_GLIBC_STATIC_PIE ""
#endif
#ifndef GUEST_PROC_MUSL_STATIC
#define GUEST_PROC_MUSL_STATIC ""
#endif
#ifndef GUEST_PROC_GO_STATIC
#define GUEST_PROC_GO_STATIC ""
#endif
#ifndef GUEST_PROC_OBJECT
#define GUEST_PROC_OBJECT ""
#endif

namespace guest_proc_test {
namespace {

std::vector<uint8_t> read_file(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    return std::vector<uint8_t>(std::istreambuf_iterator<char>(in), {});
}

// The file as <elf.h> reads it, trusting it (the programs are well formed).
struct Reading {
    Elf64_Ehdr eh{};
    std::vector<Elf64_Phdr> ph;
    bool interp = false;
};

Reading read_elf(const std::vector<uint8_t>& file) {
    Reading r;
    memcpy(&r.eh, file.data(), sizeof r.eh);
    for (uint16_t i = 0; i < r.eh.e_phnum; ++i) {
        Elf64_Phdr p;
        memcpy(&p, file.data() + r.eh.e_phoff + i * sizeof p, sizeof p);
        r.ph.push_back(p);
        if (p.p_type == PT_INTERP) r.interp = true;
    }
    return r;
}

struct RealProgram {
    const char* name;
    const char* path;  // "" when the tool that makes it is missing
    uint16_t type;
};

std::ostream& operator<<(std::ostream& os, const RealProgram& p) {
    return os << p.name;
}

class GuestElfReal : public ::testing::TestWithParam<RealProgram> {
  protected:
    void SetUp() override {
        const RealProgram& prog = GetParam();
        if (prog.path[0] == '\0') GTEST_SKIP() << prog.name << ": its compiler is not installed";
        file_ = read_file(prog.path);
        const bool busybox = std::string(prog.name) == "busybox";
        if (file_.empty() && busybox) GTEST_SKIP() << "no /bin/busybox (Debian's busybox-static)";
        ASSERT_GE(file_.size(), sizeof(Elf64_Ehdr)) << prog.path;
        reading_ = read_elf(file_);
        if (reading_.interp && busybox) {
            GTEST_SKIP() << "/bin/busybox is dynamically linked (not busybox-static)";
        }
        ASSERT_FALSE(reading_.interp) << prog.path;
        ASSERT_EQ(reading_.eh.e_type, prog.type) << prog.path;
    }

    std::vector<uint8_t> file_;
    Reading reading_;
};

TEST_P(GuestElfReal, AcceptedWithWhatTheFileSays) {
    const Parsed p = parse_file(file_);
    ASSERT_TRUE(accepted(p)) << GetParam().path;
    const elf::Program& g = p.program;

    std::vector<Elf64_Phdr> loads;
    uint64_t lowest = ~0ull;
    for (const Elf64_Phdr& ph : reading_.ph) {
        if (ph.p_type == PT_LOAD && ph.p_memsz > 0) {
            loads.push_back(ph);
            lowest = std::min(lowest, ph.p_vaddr);
        }
    }
    const uint64_t bias = reading_.eh.e_type == ET_DYN ? elf::kPieBase - (lowest & ~0xfffull) : 0;
    EXPECT_EQ(g.bias, bias);
    EXPECT_EQ(g.entry, reading_.eh.e_entry + bias);
    EXPECT_EQ(g.phoff, reading_.eh.e_phoff);
    EXPECT_EQ(g.phnum, reading_.eh.e_phnum);
    ASSERT_EQ(g.segment_count, loads.size());
    uint64_t end = 0;
    bool entry_in_code = false;
    for (size_t i = 0; i < loads.size(); ++i) {
        const Elf64_Phdr& ph = loads[i];
        const elf::Segment& s = g.segments[i];
        EXPECT_EQ(s.vaddr, ph.p_vaddr + bias) << i;
        EXPECT_EQ(s.memsz, ph.p_memsz) << i;
        EXPECT_EQ(s.offset, ph.p_offset) << i;
        EXPECT_EQ(s.filesz, ph.p_filesz) << i;
        const uint32_t prot = ((ph.p_flags & PF_R) ? 1u : 0u) | ((ph.p_flags & PF_W) ? 2u : 0u) |
                              ((ph.p_flags & PF_X) ? 4u : 0u);
        EXPECT_EQ(s.prot, prot) << i;
        end = std::max(end, s.vaddr + s.memsz);
        if ((s.prot & 4) && g.entry >= s.vaddr && g.entry < s.vaddr + s.memsz) entry_in_code = true;
    }
    EXPECT_EQ(g.end, end);
    EXPECT_TRUE(entry_in_code);
    if (bias != 0) {
        EXPECT_EQ(g.segments[0].vaddr & ~0xfffull, elf::kPieBase);
    }

    // AT_PHDR: where the program headers are in memory, found through the segments.
    ASSERT_NE(g.phdr, 0u);
    bool found = false;
    for (uint32_t i = 0; i < g.segment_count; ++i) {
        const elf::Segment& s = g.segments[i];
        if (g.phdr >= s.vaddr && g.phdr + g.phnum * elf::kPhdrSize <= s.vaddr + s.filesz) {
            EXPECT_EQ(s.offset + (g.phdr - s.vaddr), reading_.eh.e_phoff);
            found = true;
        }
    }
    EXPECT_TRUE(found) << "AT_PHDR " << std::hex << g.phdr << " is not backed by the headers";
}

TEST_P(GuestElfReal, RefusedWhenCut) {
    // Cut inside the headers, inside the first segment and one byte short: all refused.
    const uint64_t headers_end = reading_.eh.e_phoff + reading_.eh.e_phnum * sizeof(Elf64_Phdr);
    for (uint64_t n : {uint64_t{63}, headers_end - 1, headers_end + 1, uint64_t(file_.size() / 2),
                       uint64_t(file_.size() - 1)}) {
        uint64_t last_byte = 0;  // the file bytes the segments need
        for (const Elf64_Phdr& ph : reading_.ph) {
            if (ph.p_type == PT_LOAD && ph.p_memsz > 0) {
                last_byte = std::max(last_byte, ph.p_offset + ph.p_filesz);
            }
        }
        if (n >= last_byte) continue;  // trailing section headers: cutting them is harmless
        const std::vector<uint8_t> cut(file_.begin(), file_.begin() + n);
        const Parsed p = parse_file(cut);
        EXPECT_FALSE(p.ok()) << n;
        EXPECT_EQ(p.result.error, -kENOEXEC) << n;
        EXPECT_NE(p.result.problem, nullptr) << n;
    }
}

TEST_P(GuestElfReal, AHigherUserMinimumRefusesOnlyFixedAddresses) {
    // ET_EXEC programs sit at 4 MiB; a PIE goes to kPieBase whatever it was linked at.
    const Parsed p = parse_file(file_, 0x1000000);
    if (GetParam().type == ET_DYN) {
        EXPECT_TRUE(accepted(p));
    } else {
        EXPECT_TRUE(refused(p, "below the lowest user address"));
    }
}

INSTANTIATE_TEST_SUITE_P(
    Programs, GuestElfReal,
    ::testing::Values(RealProgram{"busybox", "/bin/busybox", ET_EXEC},
                      RealProgram{"glibc_static", GUEST_PROC_GLIBC_STATIC, ET_EXEC},
                      RealProgram{"glibc_static_pie", GUEST_PROC_GLIBC_STATIC_PIE, ET_DYN},
                      RealProgram{"musl_static", GUEST_PROC_MUSL_STATIC, ET_EXEC},
                      RealProgram{"go_static", GUEST_PROC_GO_STATIC, ET_EXEC}),
    [](const ::testing::TestParamInfo<RealProgram>& info) { return info.param.name; });

TEST(GuestElfRealRefused, DynamicallyLinkedProgram) {
    // This test binary itself: an ordinary dynamically linked executable.
    const std::vector<uint8_t> self = read_file("/proc/self/exe");
    ASSERT_GE(self.size(), 64u);
    if (!read_elf(self).interp) GTEST_SKIP() << "this test binary is statically linked";
    EXPECT_TRUE(refused(parse_file(self), "PT_INTERP"));
}

TEST(GuestElfRealRefused, ObjectFile) {
    if (GUEST_PROC_OBJECT[0] == '\0') GTEST_SKIP() << "no C compiler for the object file";
    EXPECT_TRUE(refused(parse_file(read_file(GUEST_PROC_OBJECT)), "ET_EXEC nor ET_DYN"));
}

}  // namespace
}  // namespace guest_proc_test
