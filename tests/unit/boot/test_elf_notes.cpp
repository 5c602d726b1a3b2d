// parse_elf: PT_NOTE walking and the Xen PHYS32_ENTRY (PVH) note.
#include <elf.h>

#include "elf_test_util.hpp"

namespace domus::test {
namespace {

constexpr uint32_t kPhys32 = 18;

std::vector<uint8_t> le32(uint32_t v) {
    std::vector<uint8_t> out;
    put_le32(out, v);
    return out;
}

std::vector<uint8_t> le64(uint64_t v) {
    std::vector<uint8_t> out;
    put_le64(out, v);
    return out;
}

std::vector<uint8_t> concat(std::vector<uint8_t> a, const std::vector<uint8_t>& b) {
    a.insert(a.end(), b.begin(), b.end());
    return a;
}

Result<ElfImage> parse_with_notes(const std::vector<uint8_t>& notes, uint64_t align = 4) {
    auto b = valid_image();
    b.add_segment(PT_NOTE, notes, align);
    return parse_elf(b.build(), kLimits);
}

std::vector<uint8_t> image_with_notes(const std::vector<uint8_t>& notes) {
    auto b = valid_image();
    b.add_segment(PT_NOTE, notes);
    return b.build();
}

TEST(ElfNotes, PvhEntryIsExtracted) {
    auto r = parse_with_notes(note("Xen", kPhys32, le32(0x100040)));
    ASSERT_TRUE(r.ok()) << r.error().message;
    ASSERT_TRUE(r->pvh_entry.has_value());
    EXPECT_EQ(*r->pvh_entry, 0x100040u);
}

TEST(ElfNotes, EightBytePvhEntryUsesTheLow32Bits) {
    auto r = parse_with_notes(note("Xen", kPhys32, le64(0xabcdef0000100080ull)));
    ASSERT_TRUE(r.ok()) << r.error().message;
    EXPECT_EQ(r->pvh_entry, 0x100080u);
}

TEST(ElfNotes, PvhEntryIsFoundAmongOtherNotes) {
    const auto notes = concat(concat(note("GNU", NT_GNU_BUILD_ID, pattern(20, 4)),
                                     note("Xen", 6 /* XEN_ELFNOTE_GUEST_OS */, {'l', 'x', 0})),
                              note("Xen", kPhys32, le32(0x1000c0)));
    auto r = parse_with_notes(notes);
    ASSERT_TRUE(r.ok()) << r.error().message;
    EXPECT_EQ(r->pvh_entry, 0x1000c0u);
}

TEST(ElfNotes, EightByteAlignedNotesArePadded) {
    // With p_align 8 the descriptor starts at an 8-byte boundary: 12 + "Xen\0" = 16 already, but
    // a 5-byte owner puts the descriptor at 24, not 20.
    const auto notes =
        concat(note("GNUX", 5, pattern(4, 0), 8), note("Xen", kPhys32, le32(0x100100), 8));
    auto r = parse_with_notes(notes, 8);
    ASSERT_TRUE(r.ok()) << r.error().message;
    EXPECT_EQ(r->pvh_entry, 0x100100u);
}

TEST(ElfNotes, OtherOwnersWithType18AreIgnored) {
    auto r = parse_with_notes(note("Xe", kPhys32, le32(1)));
    ASSERT_TRUE(r.ok()) << r.error().message;
    EXPECT_FALSE(r->pvh_entry.has_value());
    r = parse_with_notes(note("XenX", kPhys32, le32(1)));
    ASSERT_TRUE(r.ok()) << r.error().message;
    EXPECT_FALSE(r->pvh_entry.has_value());
}

TEST(ElfNotes, EmptyNoteSegmentIsFine) {
    auto r = parse_with_notes({});
    ASSERT_TRUE(r.ok()) << r.error().message;
    EXPECT_FALSE(r->pvh_entry.has_value());
}

TEST(ElfNotes, WrongPvhDescriptorSizeIsRejected) {
    const std::vector<uint8_t> name = {'X', 'e', 'n', 0};
    EXPECT_TRUE(rejected_with(image_with_notes(raw_note(4, 2, kPhys32, name, {1, 2})),
                              {"note segment 2", "PHYS32_ENTRY", "0x2 bytes"}));
    EXPECT_TRUE(
        rejected_with(image_with_notes(note("Xen", kPhys32, {})), {"PHYS32_ENTRY", "0x0 bytes"}));
}

TEST(ElfNotes, HugeNameSizeIsRejected) {
    const std::vector<uint8_t> name = {'X', 'e', 'n', 0};
    EXPECT_TRUE(rejected_with(image_with_notes(raw_note(0xffffffff, 4, kPhys32, name, le32(1))),
                              {"note segment 2", "n_namesz 0xffffffff"}));
    EXPECT_TRUE(rejected_with(image_with_notes(raw_note(0x15, 4, kPhys32, name, le32(1))),
                              {"n_namesz 0x15"}));
}

TEST(ElfNotes, HugeDescriptorSizeIsRejected) {
    const std::vector<uint8_t> name = {'X', 'e', 'n', 0};
    EXPECT_TRUE(rejected_with(image_with_notes(raw_note(4, 0xfffffffc, kPhys32, name, le32(1))),
                              {"note segment 2", "n_descsz 0xfffffffc"}));
    EXPECT_TRUE(
        rejected_with(image_with_notes(raw_note(4, 5, kPhys32, name, le32(1))), {"n_descsz 0x5"}));
}

TEST(ElfNotes, TruncatedNoteHeaderIsRejected) {
    const auto notes = concat(note("Xen", kPhys32, le32(0x100040)), {1, 0, 0, 0, 0});
    EXPECT_TRUE(rejected_with(image_with_notes(notes), {"truncated note header", "0x14"}));
}

TEST(ElfNotes, NoteSegmentOutsideTheFileIsRejected) {
    auto b = valid_image();
    const size_t i = b.add_segment(PT_NOTE, note("Xen", kPhys32, le32(0x100040)));
    b.phdr(i).p_offset = 0xfffffffffffffff8ull;
    EXPECT_TRUE(rejected_with(b.build(), {"note segment 2", "0xfffffffffffffff8", "outside"}));
    b.phdr(i).p_offset = kPayloadBase;
    b.phdr(i).p_filesz = 0x100000;
    EXPECT_TRUE(rejected_with(b.build(), {"note segment 2", "0x100000 bytes", "outside"}));
}

TEST(ElfNotes, ConflictingPvhNotesAreRejected) {
    const auto same =
        concat(note("Xen", kPhys32, le32(0x100040)), note("Xen", kPhys32, le32(0x100040)));
    EXPECT_TRUE(parse_with_notes(same).ok());
    const auto differ =
        concat(note("Xen", kPhys32, le32(0x100040)), note("Xen", kPhys32, le32(0x100080)));
    EXPECT_TRUE(rejected_with(image_with_notes(differ), {"conflicting", "0x100040", "0x100080"}));
}

}  // namespace
}  // namespace domus::test
