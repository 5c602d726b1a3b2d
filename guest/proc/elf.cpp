#include "proc/elf.hpp"

#include "abi/errno.hpp"
#include "kernel/string.hpp"

namespace elf {

namespace {

constexpr uint32_t kPtLoad = 1, kPtInterp = 3, kPtPhdr = 6;
constexpr uint16_t kEtExec = 2, kEtDyn = 3, kEmX86_64 = 62;
constexpr uint32_t kPfX = 1, kPfW = 2, kPfR = 4;
constexpr uint64_t kPage = 4096;

template <typename T>
T load(const uint8_t* p) {
    T v;
    memcpy(&v, p, sizeof(T));
    return v;
}

Result fail(const char* why) {
    return Result{-linux_errno::ENOEXEC, why};
}

bool add_overflows(uint64_t a, uint64_t b, uint64_t* sum) {
    return __builtin_add_overflow(a, b, sum);
}

}  // namespace

Result parse_header(const uint8_t* h, size_t length, uint64_t file_size, Program* program) {
    if (length < kHeaderSize || file_size < kHeaderSize)
        return fail("file too short for an ELF header");
    if (h[0] != 0x7f || h[1] != 'E' || h[2] != 'L' || h[3] != 'F') return fail("not an ELF file");
    if (h[4] != 2) return fail("not a 64-bit ELF file");
    if (h[5] != 1) return fail("not a little-endian ELF file");
    if (h[6] != 1) return fail("bad ELF ident version");
    const uint16_t type = load<uint16_t>(h + 16);
    if (type != kEtExec && type != kEtDyn) return fail("ELF type is neither ET_EXEC nor ET_DYN");
    if (load<uint16_t>(h + 18) != kEmX86_64) return fail("ELF machine is not x86-64");
    if (load<uint32_t>(h + 20) != 1) return fail("bad ELF version");
    if (load<uint16_t>(h + 54) != kPhdrSize) return fail("bad program header size");
    const uint16_t phnum = load<uint16_t>(h + 56);
    if (phnum == 0 || phnum > kMaxPhdrs) return fail("no or too many program headers");
    const uint64_t phoff = load<uint64_t>(h + 32);
    uint64_t end = 0;
    if (add_overflows(phoff, uint64_t(phnum) * kPhdrSize, &end) || end > file_size) {
        return fail("program headers lie outside the file");
    }
    *program = Program{};
    program->entry = load<uint64_t>(h + 24);
    program->phoff = phoff;
    program->phnum = phnum;
    program->bias = type == kEtDyn ? 1 : 0;  // resolved in parse_segments
    return Result{0, nullptr};
}

Result parse_segments(const uint8_t* ph, size_t length, uint64_t file_size, uint64_t user_min,
                      uint64_t user_top, Program* program) {
    if (length < uint64_t(program->phnum) * kPhdrSize) return fail("program headers truncated");
    const bool pie = program->bias != 0;
    uint64_t lowest = ~uint64_t(0), phdr_vaddr = 0;
    bool have_phdr = false;
    program->segment_count = 0;
    for (uint32_t i = 0; i < program->phnum; ++i) {
        const uint8_t* p = ph + i * kPhdrSize;
        const uint32_t type = load<uint32_t>(p);
        const uint32_t flags = load<uint32_t>(p + 4);
        const uint64_t offset = load<uint64_t>(p + 8), vaddr = load<uint64_t>(p + 16);
        const uint64_t filesz = load<uint64_t>(p + 32), memsz = load<uint64_t>(p + 40);
        if (type == kPtInterp)
            return fail("dynamically linked (PT_INTERP): only static programs run");
        if (type == kPtPhdr) {
            phdr_vaddr = vaddr;
            have_phdr = true;
        }
        if (type != kPtLoad) continue;
        uint64_t file_end = 0, mem_end = 0;
        if (filesz > memsz) return fail("segment file size exceeds its memory size");
        if (add_overflows(offset, filesz, &file_end) || file_end > file_size) {
            return fail("segment lies outside the file");
        }
        // ET_DYN: checked against the user range once the bias is known (below).
        if (add_overflows(vaddr, memsz, &mem_end) || (!pie && mem_end > user_top)) {
            return fail("segment address out of range");
        }
        if (memsz == 0) continue;  // occupies nothing
        if (program->segment_count == kMaxSegments) return fail("too many PT_LOAD segments");
        if ((vaddr & (kPage - 1)) != (offset & (kPage - 1))) {
            return fail("segment address and offset are not congruent modulo the page size");
        }
        for (uint32_t j = 0; j < program->segment_count; ++j) {
            const Segment& o = program->segments[j];
            if (vaddr < o.vaddr + o.memsz && o.vaddr < mem_end) return fail("segments overlap");
        }
        if (vaddr < lowest) lowest = vaddr;
        program->segments[program->segment_count++] = Segment{
            vaddr, memsz, offset, filesz,
            ((flags & kPfR) ? 1u : 0u) | ((flags & kPfW) ? 2u : 0u) | ((flags & kPfX) ? 4u : 0u)};
    }
    if (program->segment_count == 0) return fail("no loadable segment");
    uint64_t bias = 0;
    if (pie) {
        bias = elf::kPieBase - (lowest & ~(kPage - 1));
    } else if ((lowest & ~(kPage - 1)) < user_min) {
        return fail("segment below the lowest user address");
    }
    program->bias = bias;
    program->end = 0;
    bool entry_ok = false;
    for (uint32_t j = 0; j < program->segment_count; ++j) {
        Segment& s = program->segments[j];
        // ET_DYN: the distance from the lowest segment must fit above kPieBase (a segment at a
        // huge address must not wrap around into the user range).
        if (pie && s.vaddr - (lowest & ~(kPage - 1)) > user_top - elf::kPieBase) {
            return fail("segment address out of range");
        }
        s.vaddr += bias;
        if (s.vaddr < user_min || s.vaddr + s.memsz > user_top || s.vaddr + s.memsz < s.vaddr) {
            return fail("segment address out of range");
        }
        if (s.vaddr + s.memsz > program->end) program->end = s.vaddr + s.memsz;
        if ((s.prot & 4) && program->entry + bias >= s.vaddr &&
            program->entry + bias < s.vaddr + s.memsz) {
            entry_ok = true;
        }
        if (!have_phdr && program->phoff >= s.offset &&
            program->phoff + uint64_t(program->phnum) * kPhdrSize <= s.offset + s.filesz) {
            phdr_vaddr = s.vaddr - bias + (program->phoff - s.offset);
            have_phdr = true;
        }
    }
    program->entry += bias;
    if (!entry_ok) return fail("entry point is not inside an executable segment");
    program->phdr = have_phdr ? phdr_vaddr + bias : 0;
    return Result{0, nullptr};
}

}  // namespace elf
