// guest/proc/elf on well-formed programs: what exec gets back (entry, load bias, AT_PHDR,
// the segment list, the end where brk starts) for ET_EXEC and static-PIE ET_DYN, and the edges
// that must still be accepted (limits reached exactly, segments touching, bounds hit exactly).
#include <elf.h>

#include "elf_parse.hpp"

namespace guest_proc_test {
namespace {

void expect_segment(const elf::Segment& s, uint64_t vaddr, uint64_t memsz, uint64_t offset,
                    uint64_t filesz, uint32_t prot) {
    EXPECT_EQ(s.vaddr, vaddr);
    EXPECT_EQ(s.memsz, memsz);
    EXPECT_EQ(s.offset, offset);
    EXPECT_EQ(s.filesz, filesz);
    EXPECT_EQ(s.prot, prot);
}

TEST(GuestElf, StaticExecutable) {
    const Parsed p = parse_image(exec_image());
    ASSERT_TRUE(accepted(p));
    const elf::Program& g = p.program;
    EXPECT_EQ(g.bias, 0u);
    EXPECT_EQ(g.entry, kExecEntry);
    EXPECT_EQ(g.phoff, 64u);
    EXPECT_EQ(g.phnum, 5u);
    // No PT_PHDR: the headers are found inside the first segment's file bytes.
    EXPECT_EQ(g.phdr, kExecBase + 64);
    ASSERT_EQ(g.segment_count, 4u);
    expect_segment(g.segments[0], 0x400000, 0x200, 0x0000, 0x200, 1);
    expect_segment(g.segments[1], 0x401000, 0x300, 0x1000, 0x300, 1 | 4);
    expect_segment(g.segments[2], 0x402000, 0x080, 0x2000, 0x080, 1);
    expect_segment(g.segments[3], 0x403f40, 0x2000, 0x2f40, 0x100, 1 | 2);
    EXPECT_EQ(g.end, 0x405f40u);
}

TEST(GuestElf, StaticPieIsPlacedAtThePieBase) {
    const Parsed p = parse_image(pie_image());
    ASSERT_TRUE(accepted(p));
    const elf::Program& g = p.program;
    EXPECT_EQ(g.bias, elf::kPieBase);
    EXPECT_EQ(g.entry, elf::kPieBase + kPieEntry);
    EXPECT_EQ(g.phdr, elf::kPieBase + 0x40);  // from PT_PHDR
    EXPECT_EQ(g.phnum, 7u);
    ASSERT_EQ(g.segment_count, 4u);
    expect_segment(g.segments[0], elf::kPieBase, 0x200, 0, 0x200, 1);
    expect_segment(g.segments[1], elf::kPieBase + 0x1000, 0x300, 0x1000, 0x300, 5);
    expect_segment(g.segments[3], elf::kPieBase + 0x3f40, 0x2000, 0x2f40, 0x100, 3);
    EXPECT_EQ(g.end, elf::kPieBase + 0x5f40);
}

TEST(GuestElf, PieLinkedAboveZeroStillLandsAtThePieBase) {
    UserElf e = pie_image();
    for (Elf64_Phdr& ph : e.ph) {
        if (ph.p_type != PT_GNU_STACK) ph.p_vaddr += 0x200000;
    }
    e.eh.e_entry += 0x200000;
    const Parsed p = parse_image(e);
    ASSERT_TRUE(accepted(p));
    EXPECT_EQ(p.program.bias, elf::kPieBase - 0x200000);
    EXPECT_EQ(p.program.segments[0].vaddr, elf::kPieBase);
    EXPECT_EQ(p.program.entry, elf::kPieBase + kPieEntry);
    EXPECT_EQ(p.program.phdr, elf::kPieBase + 0x40);
}

TEST(GuestElf, PieWhoseFirstSegmentStartsMidPage) {
    UserElf e;
    e.eh.e_type = ET_DYN;
    e.add_load(0x0800, 0x0800, 0x100, 0x100, PF_R | PF_X);
    e.eh.e_entry = 0x0810;
    e.file_size = 0x900;
    const Parsed p = parse_image(e);
    ASSERT_TRUE(accepted(p));
    EXPECT_EQ(p.program.bias, elf::kPieBase);  // the page, not the byte, goes to the base
    EXPECT_EQ(p.program.segments[0].vaddr, elf::kPieBase + 0x800);
    EXPECT_EQ(p.program.entry, elf::kPieBase + 0x810);
    EXPECT_EQ(p.program.end, elf::kPieBase + 0x900);
    EXPECT_EQ(p.program.phdr, 0u);  // the headers (offset 64) are in no segment
}

TEST(GuestElf, PtPhdrWinsOverTheSegmentHoldingTheHeaders) {
    UserElf e = exec_image();
    e.add(PT_PHDR, PF_R, 0x40, 0x400040 + 0x1000, 6 * 56, 6 * 56, 8);  // claims another place
    EXPECT_EQ(parse_image(e).program.phdr, 0x401040u);
}

TEST(GuestElf, HeadersOutsideEverySegmentGiveNoPhdr) {
    UserElf e = exec_image();
    e.ph[0].p_filesz = e.ph[0].p_memsz = 0x100;  // ends before the headers end (0x158)
    e.ph[0].p_offset = 0;
    const Parsed p = parse_image(e);
    ASSERT_TRUE(accepted(p));
    EXPECT_EQ(p.program.phdr, 0u);
}

TEST(GuestElf, ProtectionBitsFollowTheSegmentFlags) {
    UserElf e;
    const uint32_t flags[] = {0, PF_R, PF_W, PF_X, PF_R | PF_W | PF_X, PF_R | PF_X};
    const uint32_t prot[] = {0, 1, 2, 4, 7, 5};
    for (uint64_t i = 0; i < 6; ++i)
        e.add_load(i * 0x1000, 0x400000 + i * 0x1000, 0x10, 0x10, flags[i]);
    e.eh.e_entry = 0x403000;
    e.file_size = 0x6000;
    const Parsed p = parse_image(e);
    ASSERT_TRUE(accepted(p));
    ASSERT_EQ(p.program.segment_count, 6u);
    for (int i = 0; i < 6; ++i) EXPECT_EQ(p.program.segments[i].prot, prot[i]) << i;
}

TEST(GuestElf, OtherProgramHeadersAndEmptyLoadsAreIgnored) {
    UserElf e = exec_image();
    e.add(PT_NOTE, PF_R, 0x158, 0x400158, 0x20, 0x20, 4);
    e.add(PT_TLS, PF_R, 0x2f40, 0x403f40, 0x10, 0x40, 8);
    e.add(PT_GNU_RELRO, PF_R, 0x2f40, 0x403f40, 0xc0, 0xc0, 1);
    e.add(PT_GNU_EH_FRAME, PF_R, 0x2000, 0x402000, 0x10, 0x10, 4);
    e.add(0x6474e553 /* PT_GNU_PROPERTY */, PF_R, 0x158, 0x400158, 0x20, 0x20, 8);
    e.add(0x12345678, 0, ~0ull, ~0ull, ~0ull, ~0ull, 0);  // unknown: not even looked at
    e.add_load(0x2000, 0x7000000, 0, 0, PF_R);            // PT_LOAD of nothing
    e.ph[0].p_filesz = e.ph[0].p_memsz = 0x400;           // the headers grew
    const Parsed p = parse_image(e);
    ASSERT_TRUE(accepted(p));
    EXPECT_EQ(p.program.segment_count, 4u);
    EXPECT_EQ(p.program.phnum, 12u);
    EXPECT_EQ(p.program.end, 0x405f40u);
}

TEST(GuestElf, OsAbiAndIdentPaddingAreNotChecked) {
    UserElf e = exec_image();
    e.eh.e_ident[EI_OSABI] = ELFOSABI_GNU;  // what Debian's busybox-static says
    e.eh.e_ident[EI_ABIVERSION] = 7;
    e.eh.e_ident[EI_PAD] = 0xff;
    e.eh.e_flags = 0x1234;
    e.eh.e_shoff = ~0ull;  // sections are never looked at
    e.eh.e_shnum = 0xffff;
    EXPECT_TRUE(accepted(parse_image(e)));
}

TEST(GuestElf, BssOnlySegmentAndFileSizeEqualToMemorySize) {
    UserElf e = exec_image();
    e.add_load(e.file_size, 0x500000 + (e.file_size & 0xfff), 0, 0x10000, PF_R | PF_W);
    const Parsed p = parse_image(e);
    ASSERT_TRUE(accepted(p));
    ASSERT_EQ(p.program.segment_count, 5u);
    EXPECT_EQ(p.program.segments[4].filesz, 0u);
    EXPECT_EQ(p.program.end, 0x500000 + (e.file_size & 0xfff) + 0x10000);
}

TEST(GuestElf, SegmentFileBytesMayEndExactlyAtTheEndOfTheFile) {
    UserElf e = exec_image();
    e.file_size = e.ph[3].p_offset + e.ph[3].p_filesz;
    EXPECT_TRUE(accepted(parse_image(e)));
}

TEST(GuestElf, TouchingSegmentsAreNotOverlapping) {
    UserElf e;
    // Byte-adjacent, even within one page (the loader maps the later one over the shared page,
    // as Linux does with MAP_FIXED).
    e.add_load(0x1000, 0x401000, 0x300, 0x300, PF_R | PF_X);
    e.add_load(0x1300, 0x401300, 0x100, 0x100, PF_R | PF_W);
    e.add_load(0x2000, 0x402000, 0x100, 0x100, PF_R);
    e.eh.e_entry = 0x401000;
    e.file_size = 0x2100;
    EXPECT_TRUE(accepted(parse_image(e)));
}

TEST(GuestElf, AddressBoundsReachedExactly) {
    UserElf low;
    low.add_load(0x0, kUserMin, 0x100, 0x100, PF_R | PF_X);
    low.eh.e_entry = kUserMin;
    low.file_size = 0x100;
    EXPECT_TRUE(accepted(parse_image(low)));

    UserElf mid_page;  // starts mid-page, on the page of user_min
    mid_page.add_load(0x800, kUserMin + 0x800, 0x100, 0x100, PF_R | PF_X);
    mid_page.eh.e_entry = kUserMin + 0x800;
    mid_page.file_size = 0x900;
    EXPECT_TRUE(accepted(parse_image(mid_page)));

    UserElf high;  // the last byte just below user_top
    high.add_load(0x0, kUserTop - 0x1000, 0x100, 0x1000, PF_R | PF_X);
    high.eh.e_entry = kUserTop - 1;
    high.file_size = 0x100;
    const Parsed p = parse_image(high);
    ASSERT_TRUE(accepted(p));
    EXPECT_EQ(p.program.end, kUserTop);
}

TEST(GuestElf, EntryAtTheFirstAndLastByteOfTheCode) {
    UserElf e = exec_image();
    e.eh.e_entry = 0x401000;
    EXPECT_TRUE(accepted(parse_image(e)));
    e.eh.e_entry = 0x401000 + 0x300 - 1;
    EXPECT_TRUE(accepted(parse_image(e)));
}

TEST(GuestElf, SixteenLoadsAndSixtyFourHeadersAreTheLimits) {
    UserElf e;
    for (uint64_t i = 0; i < elf::kMaxSegments; ++i) {
        e.add_load(0x1000 * (i + 1), 0x400000 + 0x1000 * i, 0x100, 0x100, PF_R | PF_X);
    }
    while (e.ph.size() < elf::kMaxPhdrs) e.add(PT_NOTE, PF_R, 0, 0, 0, 0, 4);
    e.eh.e_entry = 0x400000;
    e.file_size = 0x1000 * (elf::kMaxSegments + 1);
    ASSERT_LE(e.headers_end(), 0x1000u);
    const Parsed p = parse_image(e);
    ASSERT_TRUE(accepted(p));
    EXPECT_EQ(p.program.segment_count, elf::kMaxSegments);
    EXPECT_EQ(p.program.phnum, elf::kMaxPhdrs);
    EXPECT_EQ(p.program.end, 0x400000 + 0x1000 * (elf::kMaxSegments - 1) + 0x100);
}

TEST(GuestElf, HeaderAloneInAnExactlySizedBuffer) {
    // What parse_header needs is 64 bytes, even when the file is longer.
    const std::vector<uint8_t> file = exec_image().build();
    const Parsed p = parse_file(file, kUserMin, kUserTop, elf::kHeaderSize);
    EXPECT_TRUE(accepted(p));
}

TEST(GuestElf, HeadersAnywhereInTheFile) {
    UserElf e = exec_image();
    e.eh.e_phoff = 0x2f40 + 0x40;  // inside the data segment's file bytes
    e.file_size = 0x3200;
    e.ph[3].p_filesz = 0x2c0;
    const Parsed p = parse_image(e);
    ASSERT_TRUE(accepted(p));
    EXPECT_EQ(p.program.phoff, 0x2f80u);
    EXPECT_EQ(p.program.phdr, 0x403f80u);
}

TEST(GuestElf, ParseHeaderFillsOnlyTheHeaderFields) {
    const std::vector<uint8_t> file = exec_image().build();
    elf::Program g;
    memset(&g, 0xa5, sizeof g);
    const elf::Result r = elf::parse_header(file.data(), 64, file.size(), &g);
    ASSERT_EQ(r.error, 0);
    EXPECT_EQ(r.problem, nullptr);
    EXPECT_EQ(g.entry, kExecEntry);
    EXPECT_EQ(g.phoff, 64u);
    EXPECT_EQ(g.phnum, 5u);
    EXPECT_EQ(g.segment_count, 0u);
}

}  // namespace
}  // namespace guest_proc_test
