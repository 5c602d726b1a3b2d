// boot/program_elf: which files `domus run --exec` packs as the guest's init. Synthetic ELF
// files (tests/unit/boot/elf_builder.hpp) for every refusal, hostile headers, and the host's
// own dynamic /bin/ls and static busybox.
#include "boot/program_elf.hpp"

#include <gtest/gtest.h>

#include <fstream>
#include <iterator>

#include "elf_builder.hpp"

namespace domus {
namespace {

using test::ElfBuilder;
using test::pattern;

std::string refusal(const std::vector<uint8_t>& file, const std::string& name = "prog") {
    auto r = inspect_program(file, name);
    EXPECT_FALSE(r) << "accepted " << name;
    if (r) return {};
    EXPECT_EQ(r.error().code, Errc::bad_image);
    EXPECT_EQ(r.error().message.rfind("'" + name + "' ", 0), 0u) << r.error().message;
    return r.error().message;
}

ElfBuilder static_program() {
    ElfBuilder b;
    b.add_load(0x400000, pattern(0x200, 1), 0x200, PF_R | PF_X);
    b.add_load(0x401000, pattern(0x100, 2), 0x2000, PF_R | PF_W);
    b.ehdr().e_entry = 0x400010;
    return b;
}

std::vector<uint8_t> host_file(const char* path) {
    std::ifstream in(path, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

TEST(ProgramElf, AcceptsAStaticExecutableAndAStaticPie) {
    auto exec = inspect_program(static_program().build(), "prog");
    ASSERT_TRUE(exec) << exec.error().message;
    EXPECT_FALSE(exec->pie);
    EXPECT_EQ(exec->entry, 0x400010u);

    ElfBuilder pie = static_program();
    pie.ehdr().e_type = ET_DYN;
    // A static PIE has a dynamic section (its own relocations) but needs no library.
    std::vector<uint8_t> dyn(2 * sizeof(Elf64_Dyn), 0);
    Elf64_Dyn rela{DT_RELACOUNT, {3}};
    std::memcpy(dyn.data(), &rela, sizeof rela);
    pie.add_segment(PT_DYNAMIC, dyn, 8);
    auto r = inspect_program(pie.build(), "pie");
    ASSERT_TRUE(r) << r.error().message;
    EXPECT_TRUE(r->pie);
}

TEST(ProgramElf, RefusesADynamicProgramNamingItsInterpreter) {
    ElfBuilder b = static_program();
    const std::string interp = "/lib64/ld-linux-x86-64.so.2";
    std::vector<uint8_t> bytes(interp.begin(), interp.end());
    bytes.push_back(0);
    b.add_segment(PT_INTERP, bytes, 1);
    const std::string m = refusal(b.build(), "./hello");
    EXPECT_NE(m.find("is dynamically linked (interpreter /lib64/ld-linux-x86-64.so.2); --exec "
                     "needs a static executable"),
              std::string::npos)
        << m;
}

TEST(ProgramElf, RefusesAnInterpreterOutsideTheFileWithoutReadingIt) {
    ElfBuilder b = static_program();
    b.add_segment(PT_INTERP, {'/', 'x', 0}, 1);
    b.phdr(2).p_offset = 1ull << 40;
    const std::string m = refusal(b.build());
    EXPECT_NE(m.find("dynamically linked (interpreter unreadable)"), std::string::npos) << m;
}

TEST(ProgramElf, RefusesNeededLibrariesWithoutAnInterpreter) {
    ElfBuilder b = static_program();
    std::vector<uint8_t> dyn(3 * sizeof(Elf64_Dyn), 0);
    Elf64_Dyn needed{DT_NEEDED, {1}};
    std::memcpy(dyn.data(), &needed, sizeof needed);
    std::memcpy(dyn.data() + sizeof needed, &needed, sizeof needed);
    b.add_segment(PT_DYNAMIC, dyn, 8);
    const std::string m = refusal(b.build());
    EXPECT_NE(m.find("needs 2 shared libraries"), std::string::npos) << m;
}

TEST(ProgramElf, RefusesASharedLibrary) {
    ElfBuilder b = static_program();
    b.ehdr().e_type = ET_DYN;
    b.ehdr().e_entry = 0;
    EXPECT_NE(refusal(b.build()).find("shared library"), std::string::npos);
}

TEST(ProgramElf, RefusesWhatIsNotAnX86_64Executable) {
    EXPECT_NE(refusal({}).find("is empty"), std::string::npos);
    const std::string script = "#!/bin/sh\necho hi\n";
    EXPECT_NE(refusal({script.begin(), script.end()}).find("is a script"), std::string::npos);
    const std::string text = "hello world, this is not an ELF file at all";
    EXPECT_NE(refusal({text.begin(), text.end()}).find("is not an ELF executable"),
              std::string::npos);
    auto file = static_program().build();
    EXPECT_NE(refusal({file.begin(), file.begin() + 20}).find("truncated"), std::string::npos);

    ElfBuilder b32 = static_program();
    b32.ehdr().e_ident[EI_CLASS] = ELFCLASS32;
    EXPECT_NE(refusal(b32.build()).find("not a 64-bit"), std::string::npos);
    ElfBuilder be = static_program();
    be.ehdr().e_ident[EI_DATA] = ELFDATA2MSB;
    EXPECT_NE(refusal(be.build()).find("little-endian"), std::string::npos);
    ElfBuilder arm = static_program();
    arm.ehdr().e_machine = EM_AARCH64;
    EXPECT_NE(refusal(arm.build()).find("not x86-64"), std::string::npos);
    ElfBuilder rel = static_program();
    rel.ehdr().e_type = ET_REL;
    EXPECT_NE(refusal(rel.build()).find("relocatable object"), std::string::npos);
    ElfBuilder core = static_program();
    core.ehdr().e_type = ET_CORE;
    EXPECT_NE(refusal(core.build()).find("core dump"), std::string::npos);
}

TEST(ProgramElf, RefusesHostileProgramHeaders) {
    ElfBuilder none;
    none.ehdr().e_entry = 0x400010;
    EXPECT_NE(refusal(none.build()).find("no program headers"), std::string::npos);

    ElfBuilder table = static_program();
    table.ehdr().e_phoff = ~0ull - 8;
    EXPECT_NE(refusal(table.build()).find("outside the file"), std::string::npos);

    ElfBuilder many = static_program();
    many.ehdr().e_phnum = 65;
    EXPECT_NE(refusal(many.build()).find("65 program headers"), std::string::npos);

    ElfBuilder entsize = static_program();
    entsize.ehdr().e_phentsize = 32;
    EXPECT_NE(refusal(entsize.build()).find("e_phentsize"), std::string::npos);

    ElfBuilder seg = static_program();
    seg.phdr(0).p_filesz = 1ull << 40;
    seg.phdr(0).p_memsz = 1ull << 41;
    EXPECT_NE(refusal(seg.build()).find("outside the file"), std::string::npos);

    ElfBuilder entry = static_program();
    entry.ehdr().e_entry = 0x401010;  // in the data segment, not executable
    EXPECT_NE(refusal(entry.build()).find("entry point"), std::string::npos);

    ElfBuilder dyn = static_program();
    dyn.add_segment(PT_DYNAMIC, std::vector<uint8_t>(16, 0), 8);
    dyn.phdr(2).p_offset = ~0ull;
    EXPECT_NE(refusal(dyn.build()).find("dynamic section outside"), std::string::npos);
}

TEST(ProgramElf, JudgesTheHostsOwnPrograms) {
    const auto ls = host_file("/bin/ls");
    if (ls.empty()) GTEST_SKIP() << "no /bin/ls";
    const std::string m = refusal(ls, "/bin/ls");
    EXPECT_NE(m.find("dynamically linked (interpreter /lib"), std::string::npos) << m;
    const auto busybox = host_file("/bin/busybox");
    if (busybox.empty()) GTEST_SKIP() << "no /bin/busybox (busybox-static)";
    auto r = inspect_program(busybox, "/bin/busybox");
    EXPECT_TRUE(r) << r.error().message;
}

}  // namespace
}  // namespace domus
