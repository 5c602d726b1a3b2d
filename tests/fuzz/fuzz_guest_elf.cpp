// libFuzzer target: the guest kernel's ELF parser for exec (guest/proc/elf) on arbitrary bytes
// taken as a whole file, run the way exec runs it: parse_header on the first 64 bytes, then
// parse_segments on the phnum * 56 bytes at e_phoff. Both are exactly sized heap copies, so
// ASan catches a read past either. A refusal must be -ENOEXEC with a problem; an acceptance
// must keep every promise exec relies on, checked here against the raw program headers:
// each segment inside [user_min, user_top) with its file bytes inside the file, filesz <=
// memsz, congruent address and offset, no overlap, the entry inside an executable segment,
// the PT_LOADs in file order with the bias of their type, `end` and AT_PHDR.
#include "proc/elf.hpp"

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "user_elf.hpp"

namespace {

void check(bool ok) {
    if (!ok) __builtin_trap();
}

template <typename T>
T load(const uint8_t* p) {
    T v;
    memcpy(&v, p, sizeof v);
    return v;
}

uint8_t* exact_copy(const uint8_t* data, size_t size) {
    uint8_t* copy = new uint8_t[size ? size : 1];
    if (size) memcpy(copy, data, size);
    return copy;
}

bool refusal(const elf::Result& r) {
    return r.error == -8 && r.problem != nullptr && r.problem[0] != '\0';
}

void check_program(const uint8_t* data, size_t size, const elf::Program& g) {
    using guest_proc_test::kUserMin;
    using guest_proc_test::kUserTop;
    const uint16_t type = load<uint16_t>(data + 16);
    check(type == 2 || type == 3);
    check(g.segment_count >= 1 && g.segment_count <= elf::kMaxSegments);

    // The PT_LOADs with memory, in file order, as the program headers say (plus the bias).
    const uint8_t* ph = data + g.phoff;
    uint32_t n = 0;
    uint64_t lowest = ~0ull, phdr_entry = 0;
    bool have_pt_phdr = false;
    for (uint32_t i = 0; i < g.phnum; ++i) {
        const uint8_t* p = ph + i * elf::kPhdrSize;
        const uint32_t ptype = load<uint32_t>(p);
        check(ptype != 3);  // PT_INTERP is always refused
        if (ptype == 6) {
            have_pt_phdr = true;
            phdr_entry = load<uint64_t>(p + 16);
        }
        if (ptype != 1 || load<uint64_t>(p + 40) == 0) continue;
        check(n < g.segment_count);
        const elf::Segment& s = g.segments[n++];
        const uint32_t flags = load<uint32_t>(p + 4);
        check(s.offset == load<uint64_t>(p + 8));
        check(s.vaddr - g.bias == load<uint64_t>(p + 16));
        check(s.filesz == load<uint64_t>(p + 32) && s.memsz == load<uint64_t>(p + 40));
        check(s.prot ==
              (((flags & 4) ? 1u : 0u) | ((flags & 2) ? 2u : 0u) | ((flags & 1) ? 4u : 0u)));
        if (s.vaddr < lowest) lowest = s.vaddr;
    }
    check(n == g.segment_count);
    if (type == 2) {
        check(g.bias == 0);
    } else {
        check((lowest & ~0xfffull) == elf::kPieBase);
    }
    check(g.entry == load<uint64_t>(data + 24) + g.bias);

    bool entry_ok = false;
    uint64_t end = 0, phdr_from_segment = 0;
    const uint64_t phdrs_len = uint64_t(g.phnum) * elf::kPhdrSize;
    for (uint32_t i = 0; i < g.segment_count; ++i) {
        const elf::Segment& s = g.segments[i];
        check(s.vaddr >= kUserMin && s.vaddr < kUserTop);
        check(s.memsz > 0 && s.memsz <= kUserTop - s.vaddr);
        check(s.filesz <= s.memsz);
        check(s.offset <= size && s.filesz <= size - s.offset);
        check((s.vaddr & 0xfff) == (s.offset & 0xfff));
        check(s.prot <= 7);
        for (uint32_t j = 0; j < i; ++j) {
            const elf::Segment& o = g.segments[j];
            check(s.vaddr + s.memsz <= o.vaddr || o.vaddr + o.memsz <= s.vaddr);
        }
        if ((s.prot & 4) && g.entry >= s.vaddr && g.entry - s.vaddr < s.memsz) entry_ok = true;
        if (s.vaddr + s.memsz > end) end = s.vaddr + s.memsz;
        if (phdr_from_segment == 0 && g.phoff >= s.offset &&
            g.phoff + phdrs_len <= s.offset + s.filesz) {
            phdr_from_segment = s.vaddr + (g.phoff - s.offset);
        }
    }
    check(entry_ok);
    check(g.end == end && end <= kUserTop);
    // AT_PHDR: PT_PHDR's address when there is one, else where the headers are loaded, else 0.
    check(g.phdr == (have_pt_phdr ? phdr_entry + g.bias : phdr_from_segment));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const size_t head_len = size < elf::kHeaderSize ? size : elf::kHeaderSize;
    uint8_t* head = exact_copy(data, head_len);
    elf::Program g;
    elf::Result r = elf::parse_header(head, head_len, size, &g);
    delete[] head;
    if (r.error != 0) {
        check(refusal(r));
        return 0;
    }
    check(r.problem == nullptr);
    check(g.phnum >= 1 && g.phnum <= elf::kMaxPhdrs);
    const uint64_t bytes = uint64_t(g.phnum) * elf::kPhdrSize;
    check(g.phoff <= size && bytes <= size - g.phoff);

    uint8_t* phdrs = exact_copy(data + g.phoff, bytes);
    r = elf::parse_segments(phdrs, bytes, size, guest_proc_test::kUserMin,
                            guest_proc_test::kUserTop, &g);
    delete[] phdrs;
    if (r.error != 0) {
        check(refusal(r));
        return 0;
    }
    check(r.problem == nullptr);
    check_program(data, size, g);
    return 0;
}
