// parse_elf: PT_LOAD placement rules, the entry point, and the segment types it refuses.
#include <elf.h>

#include "elf_test_util.hpp"

namespace domus::test {
namespace {

TEST(ElfSegments, FileszAboveMemszIsRejected) {
    auto b = valid_image();
    b.phdr(1).p_memsz = 0x80;
    EXPECT_TRUE(rejected_with(b.build(), {"segment 1", "p_filesz 0x100", "p_memsz 0x80"}));
}

TEST(ElfSegments, FileRangeOutsideTheFileIsRejected) {
    auto b = valid_image();
    b.phdr(0).p_offset = 0xffffffffffffff00ull;  // + 0x200 wraps to 0x100
    EXPECT_TRUE(rejected_with(b.build(), {"segment 0", "0xffffffffffffff00", "outside the file"}));
    b = valid_image();
    b.phdr(1).p_filesz = 0x101;
    b.phdr(1).p_memsz = 0x3000;
    EXPECT_TRUE(rejected_with(b.build(), {"segment 1", "0x101 bytes", "outside the file"}));
}

TEST(ElfSegments, SegmentBeyondRamIsRejected) {
    ElfBuilder b;
    b.add_load(0x100000, pattern(0x10, 0), 0x5000000, PF_R | PF_X);
    b.ehdr().e_entry = 0x100000;
    EXPECT_TRUE(rejected_with(
        b.build(),
        {"ELF segment 0 [0x100000, 0x5100000) lies outside guest RAM of 0x4000000 bytes"}));
    // Ending exactly at the top of RAM is fine.
    b.phdr(0).p_memsz = 0x4000000 - 0x100000;
    EXPECT_TRUE(parse_elf(b.build(), kLimits).ok());
}

TEST(ElfSegments, SegmentBelowMinGpaIsRejected) {
    auto b = valid_image();
    b.phdr(0).p_paddr = b.phdr(0).p_vaddr = 0xff000;
    b.ehdr().e_entry = 0xff010;
    EXPECT_TRUE(rejected_with(b.build(), {"segment 0 [0xff000, 0xff200)", "below 0x100000"}));
    ElfLimits high = kLimits;
    high.min_gpa = 0x200000;
    EXPECT_TRUE(rejected_with(valid_image().build(), {"below 0x200000"}, high));
}

TEST(ElfSegments, OverlappingSegmentsAreRejected) {
    auto b = valid_image();
    b.add_load(0x103000, pattern(0x10, 3), 0x1000, PF_R);  // starts inside segment 1's bss
    EXPECT_TRUE(rejected_with(b.build(), {"segment 2 [0x103000, 0x104000) overlaps segment 1 "
                                          "[0x101000, 0x104000)"}));
    // Touching (end == start) is not an overlap.
    b.phdr(2).p_paddr = b.phdr(2).p_vaddr = 0x104000;
    EXPECT_TRUE(parse_elf(b.build(), kLimits).ok());
}

TEST(ElfSegments, WrappingAddressesAreRejected) {
    auto b = valid_image();
    b.add_load(0xfffffffffffff000ull, {}, 0x2000, PF_R);
    EXPECT_TRUE(rejected_with(b.build(), {"segment 2", "0xfffffffffffff000", "0x2000", "wraps"}));
    b.phdr(2).p_memsz = 0xffffffffffffffffull;
    b.phdr(2).p_paddr = b.phdr(2).p_vaddr = 1;
    EXPECT_TRUE(rejected_with(b.build(), {"segment 2", "0xffffffffffffffff", "wraps"}));
}

TEST(ElfSegments, NoLoadSegmentIsRejected) {
    ElfBuilder b;
    b.add_segment(PT_GNU_STACK, {});
    b.ehdr().e_entry = kEntry;
    EXPECT_TRUE(rejected_with(b.build(), {"no loadable (PT_LOAD) segment"}));
}

TEST(ElfSegments, EmptyLoadSegmentIsIgnored) {
    auto b = valid_image();
    b.add_load(0, {}, 0, PF_R);
    auto r = parse_elf(b.build(), kLimits);
    ASSERT_TRUE(r.ok()) << r.error().message;
    EXPECT_EQ(r->segments.size(), 2u);
}

TEST(ElfSegments, EntryOutsideEverySegmentIsRejected) {
    auto b = valid_image();
    b.ehdr().e_entry = 0x2000000;
    EXPECT_TRUE(rejected_with(b.build(), {"entry 0x2000000 is not inside an executable segment"}));
    b.ehdr().e_entry = kCodeGpa + 0x200;  // one past the end of the code
    EXPECT_TRUE(rejected_with(b.build(), {"entry 0x100200"}));
}

TEST(ElfSegments, EntryInNonExecutableSegmentIsRejected) {
    auto b = valid_image();
    b.ehdr().e_entry = kDataGpa + 0x20;
    EXPECT_TRUE(rejected_with(
        b.build(), {"entry 0x101020 is not inside an executable segment", "segment 1", "PF_X"}));
}

TEST(ElfSegments, DynamicImagesAreRejected) {
    auto b = valid_image();
    b.add_segment(PT_INTERP, {'/', 'l', 'd', 0});
    EXPECT_TRUE(rejected_with(b.build(), {"segment 2 is PT_INTERP", "dynamically linked"}));
    b = valid_image();
    b.add_segment(PT_DYNAMIC, pattern(16, 0), 8);
    EXPECT_TRUE(rejected_with(b.build(), {"segment 2 is PT_DYNAMIC", "dynamically linked"}));
}

TEST(ElfSegments, OtherSegmentTypesAreIgnored) {
    auto b = valid_image();
    b.add_segment(PT_GNU_STACK, {});
    b.add_segment(PT_GNU_PROPERTY, pattern(8, 0), 8);
    b.add_segment(PT_TLS, pattern(8, 0), 8);
    b.phdr(b.phnum() - 1).p_offset = 0xffffffffffffffffull;  // not read, so not checked
    auto r = parse_elf(b.build(), kLimits);
    ASSERT_TRUE(r.ok()) << r.error().message;
    EXPECT_EQ(r->segments.size(), 2u);
}

TEST(ElfSegments, PhysicalAddressIsUsedWhenSet) {
    auto b = valid_image();
    b.phdr(1).p_vaddr = 0xffffffff80101000ull;  // paddr stays 0x101000
    auto r = parse_elf(b.build(), kLimits);
    ASSERT_TRUE(r.ok()) << r.error().message;
    EXPECT_EQ(r->segments[1].gpa, kDataGpa);
}

TEST(ElfSegments, VirtualAddressMustBeIdentityOrTheKernelAlias) {
    auto b = valid_image();
    b.phdr(1).p_vaddr = 0xffffffff90101000ull;  // neither VA == PA nor -2 GiB + PA
    EXPECT_TRUE(rejected_with(
        b.build(), {"segment 1", "virtual address 0xffffffff90101000", "neither identity mapped"}));
}

TEST(ElfSegments, EntryIsCheckedAgainstVirtualAddresses) {
    auto b = valid_image();
    b.phdr(0).p_vaddr += DOMUS_KERNEL_VIRT_BASE;
    b.phdr(1).p_vaddr += DOMUS_KERNEL_VIRT_BASE;
    EXPECT_TRUE(rejected_with(b.build(), {"entry", "not inside an executable segment"}));
    b.ehdr().e_entry += DOMUS_KERNEL_VIRT_BASE;
    auto r = parse_elf(b.build(), kLimits);
    ASSERT_TRUE(r.ok()) << r.error().message;
    EXPECT_EQ(r->segments[0].vaddr, r->segments[0].gpa + DOMUS_KERNEL_VIRT_BASE);
}

TEST(ElfSegments, VirtualAddressIsUsedWhenPaddrIsZero) {
    auto b = valid_image();
    b.phdr(1).p_paddr = 0;
    auto r = parse_elf(b.build(), kLimits);
    ASSERT_TRUE(r.ok()) << r.error().message;
    EXPECT_EQ(r->segments[1].gpa, kDataGpa);
    b.phdr(0).p_paddr = 0;
    b.phdr(0).p_vaddr = 0;  // both zero: GPA 0 is below min_gpa
    EXPECT_TRUE(rejected_with(b.build(), {"segment 0 [0x0, 0x200)", "below 0x100000"}));
}

TEST(ElfSegments, SegmentsMayBeListedOutOfOrder) {
    ElfBuilder b;
    b.add_load(0x300000, pattern(0x40, 2), 0x1000, PF_R | PF_W);
    b.add_load(0x200000, pattern(0x40, 3), 0x40, PF_R | PF_X);
    b.ehdr().e_entry = 0x200000;
    auto r = parse_elf(b.build(), kLimits);
    ASSERT_TRUE(r.ok()) << r.error().message;
    EXPECT_EQ(r->lowest_gpa, 0x200000u);
    EXPECT_EQ(r->end_gpa, 0x301000u);
}

}  // namespace
}  // namespace domus::test
