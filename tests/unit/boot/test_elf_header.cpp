// parse_elf: the valid reference image, and the ELF header / program header table rules.
#include <elf.h>

#include <cstring>

#include "elf_test_util.hpp"

namespace domus::test {
namespace {

TEST(ElfHeader, ValidImageIsDescribed) {
    const auto file = valid_image().build();
    auto r = parse_elf(file, kLimits);
    ASSERT_TRUE(r.ok()) << r.error().message;
    EXPECT_EQ(r->entry, kEntry);
    ASSERT_EQ(r->segments.size(), 2u);
    const ElfSegment& code = r->segments[0];
    EXPECT_EQ(code.file_offset, kPayloadBase);
    EXPECT_EQ(code.file_size, 0x200u);
    EXPECT_EQ(code.gpa, kCodeGpa);
    EXPECT_EQ(code.mem_size, 0x200u);
    EXPECT_TRUE(code.executable);
    EXPECT_FALSE(code.writable);
    const ElfSegment& data = r->segments[1];
    EXPECT_EQ(data.file_size, 0x100u);
    EXPECT_EQ(data.gpa, kDataGpa);
    EXPECT_EQ(data.mem_size, 0x3000u);
    EXPECT_FALSE(data.executable);
    EXPECT_TRUE(data.writable);
    EXPECT_EQ(r->lowest_gpa, kCodeGpa);
    EXPECT_EQ(r->end_gpa, kDataGpa + 0x3000);
    EXPECT_FALSE(r->pvh_entry.has_value());
}

TEST(ElfHeader, EveryTruncationIsRejected) {
    const auto file = valid_image().build();
    for (size_t len = 0; len < file.size(); ++len) {
        const std::vector<uint8_t> prefix(file.begin(), file.begin() + len);
        if (len < sizeof(Elf64_Ehdr)) {
            EXPECT_TRUE(rejected_with(prefix, {"truncated", std::to_string(len) + " bytes", "64"}))
                << "length " << len;
        } else {
            EXPECT_TRUE(rejected_with(prefix, {"outside the file"})) << "length " << len;
        }
    }
}

TEST(ElfHeader, TruncatedMessageNamesTheLength) {
    const auto file = valid_image().build();
    const std::vector<uint8_t> prefix(file.begin(), file.begin() + 12);
    EXPECT_TRUE(rejected_with(prefix, {"truncated: 12 bytes, an ELF64 header needs 64"}));
}

TEST(ElfHeader, BadMagicIsRejected) {
    auto file = valid_image().build();
    file[3] = 0;
    EXPECT_TRUE(rejected_with(file, {"not an ELF file", "7f 45 4c 00"}));
    const std::vector<uint8_t> text = {'#', '!', '/', 'b', 'i', 'n', '/', 's', 'h'};
    EXPECT_TRUE(rejected_with(text, {"not an ELF file", "23 21 2f 62"}));
}

TEST(ElfHeader, Elf32IsRejected) {
    auto b = valid_image();
    b.ehdr().e_ident[EI_CLASS] = ELFCLASS32;
    EXPECT_TRUE(rejected_with(b.build(), {"ELF class 1", "ELFCLASS32", "not ELFCLASS64"}));
    b.ehdr().e_ident[EI_CLASS] = 9;
    EXPECT_TRUE(rejected_with(b.build(), {"ELF class 9"}));
}

TEST(ElfHeader, BigEndianIsRejected) {
    auto b = valid_image();
    b.ehdr().e_ident[EI_DATA] = ELFDATA2MSB;
    EXPECT_TRUE(rejected_with(b.build(), {"data encoding 2", "big-endian", "little-endian"}));
}

TEST(ElfHeader, VersionsMustBeCurrent) {
    auto b = valid_image();
    b.ehdr().e_ident[EI_VERSION] = 0;
    EXPECT_TRUE(rejected_with(b.build(), {"ident version 0"}));
    b = valid_image();
    b.ehdr().e_version = 2;
    EXPECT_TRUE(rejected_with(b.build(), {"e_version 2"}));
}

TEST(ElfHeader, ForeignMachineIsRejected) {
    auto b = valid_image();
    b.ehdr().e_machine = EM_AARCH64;
    EXPECT_TRUE(rejected_with(b.build(), {"ELF machine 183 (AArch64) is not x86-64"}));
    b.ehdr().e_machine = EM_ARM;
    EXPECT_TRUE(rejected_with(b.build(), {"ELF machine 40 (ARM)"}));
    b.ehdr().e_machine = EM_386;
    EXPECT_TRUE(rejected_with(b.build(), {"ELF machine 3 (i386)"}));
    b.ehdr().e_machine = 0x7777;
    EXPECT_TRUE(rejected_with(b.build(), {"ELF machine 30583 (unknown)"}));
}

TEST(ElfHeader, NonExecutableTypesAreRejected) {
    auto b = valid_image();
    b.ehdr().e_type = ET_DYN;
    EXPECT_TRUE(rejected_with(b.build(), {"ET_DYN", "not supported"}));
    b.ehdr().e_type = ET_REL;
    EXPECT_TRUE(rejected_with(b.build(), {"ET_REL"}));
    b.ehdr().e_type = ET_CORE;
    EXPECT_TRUE(rejected_with(b.build(), {"ET_CORE"}));
    b.ehdr().e_type = 0xfe00;
    EXPECT_TRUE(rejected_with(b.build(), {"ELF type 65024"}));
}

TEST(ElfHeader, WrongPhentsizeIsRejected) {
    auto b = valid_image();
    b.ehdr().e_phentsize = 32;
    EXPECT_TRUE(rejected_with(b.build(), {"e_phentsize 32", "56"}));
}

TEST(ElfHeader, PhnumZeroOrHugeIsRejected) {
    auto b = valid_image();
    b.ehdr().e_phnum = 0;
    EXPECT_TRUE(rejected_with(b.build(), {"no program headers"}));
    b.ehdr().e_phnum = 65;
    EXPECT_TRUE(rejected_with(b.build(), {"e_phnum 65", "64"}));
    b.ehdr().e_phnum = PN_XNUM;
    EXPECT_TRUE(rejected_with(b.build(), {"e_phnum 65535"}));
}

TEST(ElfHeader, PhoffOutsideTheFileIsRejected) {
    auto b = valid_image();
    b.ehdr().e_phoff = 0xffffffffffffffffull;
    EXPECT_TRUE(rejected_with(b.build(), {"0xffffffffffffffff", "outside the file"}));
    b.ehdr().e_phoff = 0xfffffffffffffff0ull;  // + 2 * 56 would wrap to a small offset
    EXPECT_TRUE(rejected_with(b.build(), {"0xfffffffffffffff0", "outside the file"}));
    const auto size = b.build().size();
    b.ehdr().e_phoff = size - 8;  // starts inside, ends outside
    EXPECT_TRUE(rejected_with(b.build(), {"0x70 bytes", "outside the file"}));
}

TEST(ElfHeader, UnalignedHeadersAreCopiedNotAliased) {
    // The program header table at an odd offset: the loader must memcpy, not cast.
    auto b = valid_image();
    auto file = b.build();
    const uint64_t odd = 0x101;
    std::memcpy(file.data() + odd, file.data() + sizeof(Elf64_Ehdr), 2 * sizeof(Elf64_Phdr));
    uint64_t phoff = odd;
    std::memcpy(file.data() + offsetof(Elf64_Ehdr, e_phoff), &phoff, sizeof phoff);
    auto r = parse_elf(file, kLimits);
    ASSERT_TRUE(r.ok()) << r.error().message;
    EXPECT_EQ(r->segments.size(), 2u);
}

}  // namespace
}  // namespace domus::test
